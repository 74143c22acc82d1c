import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { imageGroupIdentifiers } from '../../core/data/images/image-dataset.js';

/** The one place that reveals which patient or study a pseudonymous group (patient-003) stands for. */
export const datasetIdentifiersCommand: Command = {
  path: ['datasets', 'identifiers'],
  usage: 'datasets identifiers DATASET_ID [--json]',
  summary:
    "Show the patient or study identifiers behind an image dataset's pseudonymous groups (kept out of logs, rows and reports)",
  async run({ options, out, workspace }) {
    options.rejectUnknown();
    const [id, extra] = options.positionals;
    if (id === undefined) throw badInput('datasets identifiers needs a dataset id');
    if (extra !== undefined) throw badInput(`datasets identifiers takes one dataset id, got also "${extra}"`);
    const identifiers = imageGroupIdentifiers(workspace(), id);
    const result = { datasetId: id, identifiers };
    out.result(result, () =>
      Object.keys(identifiers).length === 0
        ? `dataset ${id} has no pseudonymous groups`
        : Object.entries(identifiers)
            .map(([group, real]) => `${group}  ${real}`)
            .join('\n'),
    );
  },
};
