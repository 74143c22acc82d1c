import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Fixture folders, from the compiled test's place (BUILD/test/imaging/) back to the sources. */
export const DICOM_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/dicom/', import.meta.url));
/** The shared conformance data, when this machine has it (large DICOM files, MedMNIST, power-line frames). */
export const SHARED_DATA = '/work/shared/data/';
export const HAS_SHARED_DATA = existsSync(SHARED_DATA);
