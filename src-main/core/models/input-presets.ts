// No imports: the contract (and so the renderer) reads this list too.

/** The preprocessing presets a dataset is made with and a model can declare at import. */
export const INPUT_PRESETS = {
  'standardize-per-beat':
    'ECG beat window around the R peak (default: 187 samples at 360 Hz, 90 before the peak), each window standardized to mean 0 and standard deviation 1 (Attest default)',
  kachuee2018:
    'ECG beat at 125 Hz: 10 s windows scaled to [0, 1], each beat from its R peak for 1.2 times the median R-R interval, zero-padded to 187 samples (Kachuee et al. 2018)',
  'record-normalized-rr':
    "ECG beat window around the R peak (as standardize-per-beat) minus its mean, divided by its record's median beat standard deviation, followed by 8 R-R values: previous, next and local mean interval in seconds, each divided by the record's mean R-R interval (de Chazal et al. 2004), previous over local mean, next over previous",
  'image-unit': 'image intensities in [0, 1]',
  'image-per-image': 'each image standardized to mean 0 and standard deviation 1',
  'image-dataset': "image standardized with the training split's per-channel mean and standard deviation",
} as const satisfies Record<string, string>;

export type InputPresetName = keyof typeof INPUT_PRESETS;

export const INPUT_PRESET_NAMES = Object.keys(INPUT_PRESETS) as InputPresetName[];
