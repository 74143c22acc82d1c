/** Required by the licences of the bundled data (ODC-By 1.0, CC BY 4.0); shown in every report and the README. */
export const DATA_ATTRIBUTION = [
  'Moody GB, Mark RG. The impact of the MIT-BIH Arrhythmia Database. IEEE Eng Med Biol 20(3):45-50 (May-June 2001).',
  'Moody GB, Muldrow WE, Mark RG. A noise stress test for arrhythmia detectors. Computers in Cardiology 1984; 11:381-384.',
  'Goldberger A, et al. PhysioBank, PhysioToolkit, and PhysioNet. Circulation 101(23):e215-e220 (2000).',
];
