import type { ImagePreprocessing } from './preprocess.js';
import type { ImageSplitSpec } from './image-splits.js';

// What an image import is asked for: the import pipeline and the readers it drives (collect-images, the source plan) share it.
export const IMAGE_IMPORTER_VERSION = 'images/1';

export type ImageImportFormat = 'images' | 'dicom' | 'voc' | 'npz';

export interface ImportImagesOptions {
  format: ImageImportFormat;
  /** images/dicom: class folders (ROOT/CLASS/...); voc: annotation folders or XML files; npz: archives. */
  inputs: string[];
  name: string;
  /** images/dicom: a CSV of file,label[,patient] instead of class folders. */
  csv?: string;
  height?: number;
  width?: number;
  fit?: ImagePreprocessing['fit'];
  channels?: 1 | 3;
  normalization?: 'dataset' | 'per-image' | 'unit';
  split?: ImageSplitSpec;
  /** voc: the group of a crop: its source image (default) or the image's folder (one flight per folder). */
  groupBy?: 'image' | 'folder';
  /** voc: margin around each box, as a fraction of its size. */
  margin?: number;
  /** Names for the classes in their sorted order (numeric labels by value), e.g. malignant,benign for 0,1. */
  classNames?: string[];
  /** DICOM: this window (center, width in modality units) instead of the file's VOI LUT or window. */
  window?: { center: number; width: number };
  /** Skip unreadable files (counted in the provenance) instead of refusing the import. */
  skipBad?: boolean;
}
