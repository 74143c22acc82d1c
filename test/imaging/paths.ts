import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SHARED, SHARED_DATA } from '../helpers/reference.js';

export { SHARED_DATA };
/** Fixture folders, from the compiled test's place (BUILD/test/imaging/) back to the sources. */
export const DICOM_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/dicom/', import.meta.url));
/** The shared conformance data, when it is beside the checkout (large DICOM files, MedMNIST, power-line frames). */
export const HAS_SHARED_DATA = existsSync(SHARED_DATA);
/** The conformance references (pydicom's readings of the shared DICOM files). */
export const SHARED_CONFORMANCE = `${SHARED}conformance/`;
