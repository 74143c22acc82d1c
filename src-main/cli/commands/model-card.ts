import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { badInput } from '../../core/errors.js';
import { renderModelCard } from '../../core/report/model-card.js';

export const modelsCardCommand: Command = {
  path: ['models', 'card'],
  usage: 'models card --model ID --out FILE.html|FILE.md [--intended-use TEXT] [--json]',
  summary:
    'Write the model card (Mitchell et al. 2019) from the store: details, intended use, data, metrics by class, robustness, privacy, compression lineage, caveats',
  async run({ options, out, workspace }) {
    const modelId = options.requiredString('model');
    const target = resolve(options.requiredString('out'));
    const intendedUse = options.string('intended-use');
    options.rejectUnknown();
    const markdown = target.toLowerCase().endsWith('.md');
    if (!markdown && !target.toLowerCase().endsWith('.html'))
      throw badInput('the model card must be written to an .html or .md file', target);
    const card = renderModelCard(workspace(), modelId, intendedUse !== undefined ? { intendedUse } : {});
    try {
      writeFileSync(target, markdown ? card.markdown : card.html);
    } catch (error) {
      throw badInput(`cannot write the model card: ${(error as Error).message}`, target);
    }
    out.result(
      { path: target, modelId, sections: card.sections.map((s) => s.title) },
      () => `model card written to ${target}`,
    );
  },
};
