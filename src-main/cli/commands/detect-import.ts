import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { parseImageSplit } from '../../core/data/images/image-splits.js';
import { importDetectionDataset } from '../../core/pipelines/import/import-detection.js';
import { cliJobContext } from './job-context.js';

export const importDetectionCommand: Command = {
  path: ['import', 'detection'],
  usage:
    'import detection DIR|FILE.xml... --name NAME [--max-side 320] [--group-by folder|image] [--split groups:SEED:FRACTION] [--classes A,B,...] [--json]',
  summary:
    'Import Pascal VOC frames with their boxes for object detection: whole frames (shrunk to --max-side), every box, split by flight folder',
  async run(context) {
    const { options, out } = context;
    const name = options.requiredString('name');
    const maxSide = options.number('max-side', { min: 32, max: 4096, integer: true });
    const groupBy = options.string('group-by');
    if (groupBy !== undefined && groupBy !== 'folder' && groupBy !== 'image')
      throw badInput(`--group-by must be folder or image, got "${groupBy}"`);
    const splitText = options.string('split');
    const split = splitText !== undefined ? parseImageSplit(splitText) : undefined;
    if (split !== undefined && split.kind !== 'groups')
      throw badInput(`--split for detection frames must be groups:SEED:FRACTION, got "${splitText}"`);
    const classNames = options
      .string('classes')
      ?.split(',')
      .map((c) => c.trim());
    if (classNames !== undefined && classNames.some((c) => c === '' || c.length > 100))
      throw badInput('--classes must be comma-separated names of 1 to 100 characters');
    options.rejectUnknown();
    const result = await importDetectionDataset(
      context.workspace(),
      {
        inputs: options.positionals,
        name,
        ...(maxSide !== undefined ? { maxSide } : {}),
        ...(groupBy !== undefined ? { groupBy: groupBy as 'folder' | 'image' } : {}),
        ...(split?.kind === 'groups'
          ? { split: { seed: split.seed, testFraction: split.testFraction } }
          : {}),
        ...(classNames !== undefined ? { classNames } : {}),
      },
      cliJobContext(context),
    );
    out.result(result, () =>
      [
        `dataset ${result.datasetId} "${result.name}": ${result.frames} frames, ${result.boxes} boxes (${result.classes.join(', ')}) from ${result.groups} ${result.groupKind} groups; frames at most ${result.maxSide} px (${result.resizedFrames} shrunk)`,
        ...Object.entries(result.splits).map(
          ([side, s]) =>
            `  ${side}: ${s.frames} frames from ${s.groups} groups, boxes ${Object.entries(s.boxes)
              .map(([c, n]) => `${c} ${n}`)
              .join(', ')}`,
        ),
        ...result.warnings.map((w) => `  warning: ${w}`),
      ].join('\n'),
    );
  },
};
