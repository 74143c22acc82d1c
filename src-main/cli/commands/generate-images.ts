import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import {
  writeSyntheticInsulators,
  writeSyntheticMammograms,
} from '../../core/data/images/write-synthetic.js';

export const generateMammogramsCommand: Command = {
  path: ['generate', 'mammograms'],
  usage:
    'generate mammograms --out DIR [--patients 12] [--per-patient 4] [--size 64] [--seed 1] [--format dicom|png] [--json]',
  summary:
    'Write synthetic mammogram patches (normal, microcalcification cluster, mass) as DICOM with patient, laterality and view, or 16-bit PNG with labels.csv: tests and demos without patient data',
  async run({ options, out }) {
    const dir = options.requiredString('out');
    const patients = options.number('patients', { min: 2, max: 10000, integer: true }) ?? 12;
    const imagesPerPatient = options.number('per-patient', { min: 1, max: 100, integer: true }) ?? 4;
    const size = options.number('size', { min: 16, max: 512, integer: true }) ?? 64;
    const seed = options.number('seed', { min: 0, max: 2 ** 31, integer: true }) ?? 1;
    const format = options.string('format') ?? 'dicom';
    if (format !== 'dicom' && format !== 'png')
      throw badInput(`--format must be dicom or png, got "${format}"`);
    options.rejectUnknown();
    const result = await writeSyntheticMammograms({
      out: dir,
      patients,
      imagesPerPatient,
      size,
      seed,
      format,
    });
    out.result(
      result,
      () =>
        `${result.images} images of ${result.patients} patients in ${result.out} (${JSON.stringify(result.classes)})`,
    );
  },
};

export const generateInsulatorsCommand: Command = {
  path: ['generate', 'insulators'],
  usage: 'generate insulators --out DIR [--flights 4] [--per-flight 10] [--size 96x128] [--seed 1] [--json]',
  summary:
    'Write synthetic power-line scenes with insulator strings, some missing a cap, and Pascal VOC boxes (insulator / defect), one folder per flight',
  async run({ options, out }) {
    const dir = options.requiredString('out');
    const flights = options.number('flights', { min: 1, max: 1000, integer: true }) ?? 4;
    const imagesPerFlight = options.number('per-flight', { min: 1, max: 1000, integer: true }) ?? 10;
    const sizeText = options.string('size') ?? '96x128';
    const match = /^(\d+)x(\d+)$/.exec(sizeText);
    const height = Number(match?.[1]);
    const width = Number(match?.[2]);
    if (match === null || height < 48 || width < 48 || height > 2048 || width > 2048)
      throw badInput(`--size must be HEIGHTxWIDTH between 48 and 2048, got "${sizeText}"`);
    const seed = options.number('seed', { min: 0, max: 2 ** 31, integer: true }) ?? 1;
    options.rejectUnknown();
    const result = await writeSyntheticInsulators({
      out: dir,
      flights,
      imagesPerFlight,
      width,
      height,
      seed,
    });
    out.result(
      result,
      () =>
        `${result.images} scenes in ${result.flights} flights in ${result.out} (${JSON.stringify(result.boxes)})`,
    );
  },
};
