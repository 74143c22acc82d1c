// The suite names under which detector evaluations are stored: the jobs write them, the report and the frames read them.
/** The validation suite name of detection scores (AP per class, PR curves, misses and false alarms). */
export const OBJECT_DETECTION_SUITE = 'object-detection';

export const DETECTION_CORRUPTIONS_SUITE = 'object-detection-corruptions';

export const DETECTION_PGD_SUITE = 'object-detection-pgd';
