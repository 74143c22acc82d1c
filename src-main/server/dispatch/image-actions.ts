import type { ActionRequest, ActionResponse } from '../../contract/index.js';
import type { Workspace } from '../../core/store/workspace.js';
import { previewImageSource } from '../../core/data/images/image-preview.js';
import { datasetThumbnails } from '../../core/data/images/image-thumbnails.js';
import { explainImageFile } from '../../core/explain/explain-image-file.js';
import { initEngine } from '../../core/engine/backend.js';

/** Tiles in a preview unless asked otherwise: four rows of a grid at 1366 px. */
const DEFAULT_TILES = 24;

/** The image actions: an import's preview, thumbnails of a stored image dataset, a model tried on a file. */
export function imageHandlers(workspace: Workspace) {
  return {
    'images.preview': (payload: ActionRequest<'images.preview'>): Promise<ActionResponse<'images.preview'>> =>
      previewImageSource(
        {
          format: payload.format,
          inputs: payload.paths,
          ...(payload.csv !== undefined ? { csv: payload.csv } : {}),
          ...(payload.split !== undefined ? { split: payload.split } : {}),
          ...(payload.groupBy !== undefined ? { groupBy: payload.groupBy } : {}),
        },
        payload.limit ?? DEFAULT_TILES,
      ),
    'images.thumbnails': (
      payload: ActionRequest<'images.thumbnails'>,
    ): Promise<ActionResponse<'images.thumbnails'>> =>
      datasetThumbnails(workspace, payload.datasetId, {
        ...(payload.indices !== undefined ? { indices: payload.indices } : {}),
        ...(payload.count !== undefined ? { count: payload.count } : {}),
      }),
    'models.tryImage': async (
      payload: ActionRequest<'models.tryImage'>,
    ): Promise<ActionResponse<'models.tryImage'>> => {
      await initEngine();
      return explainImageFile(workspace, {
        modelId: payload.modelId,
        image:
          payload.upload !== undefined
            ? { name: payload.upload.name, bytes: Buffer.from(payload.upload.base64, 'base64') }
            : { path: payload.path ?? '' },
      });
    },
  };
}
