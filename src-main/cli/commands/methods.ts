import type { Command } from '../command.js';
import { initEngine } from '../../core/engine/backend.js';
import {
  METHODS,
  MITBIH_METHODS,
  REPRODUCTION_DATA,
  reproduceMethods,
  type ReproductionData,
} from '../../core/pipelines/methods/reproduce.js';
import { badInput } from '../../core/errors.js';
import { allMethodEvidence, recordReproductions } from '../../core/pipelines/methods/method-evidence.js';

const percent = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

export const methodsReproduceCommand: Command = {
  path: ['methods', 'reproduce'],
  usage: `methods reproduce [--method ${Object.keys(METHODS).join('|')}] [--seeds 3] [--data synthetic|mitbih] [--json]`,
  summary:
    "Each research method's claim beside the effect measured over seeds on a small seeded task (not patient data): mean, 95% interval and a plain verdict (shown / not shown / inconclusive); a few minutes with the defaults",
  async run(context) {
    const { options, out } = context;
    const method = options.string('method');
    const seeds = options.number('seeds', { min: 1, max: 50, integer: true }) ?? 3;
    const data = options.string('data') ?? 'synthetic';
    options.rejectUnknown();
    if (!(REPRODUCTION_DATA as readonly string[]).includes(data))
      throw badInput(
        `--data must be synthetic (the seeded task) or mitbih (MIT-BIH records: ${MITBIH_METHODS.join(', ')}), got "${data}"`,
      );
    await initEngine();
    const methods = await reproduceMethods({
      ...(method !== undefined ? { methods: method.split(',').map((m) => m.trim()) } : {}),
      seeds,
      data: data as ReproductionData,
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    // Recorded (audited), so that compress, train, defend and validate cite the newest figures of a method.
    recordReproductions(context.workspace(), methods);
    out.result({ seeds, data, methods }, () =>
      methods
        .map(
          (m) =>
            `${m.method} (${m.paper})\n  claim: ${m.claim}\n  effect: ${m.effect}\n  on: ${m.task}\n  ` +
            `measured over ${m.seeds.length} seeds: mean ${percent(m.mean)} points` +
            (m.interval !== null
              ? `, 95% interval ${percent(m.interval[0])} to ${percent(m.interval[1])}`
              : ', no interval with one seed') +
            ` -> ${m.verdict.toUpperCase()} (${m.seconds.toFixed(0)} s)`,
        )
        .join('\n\n'),
    );
  },
};

export const methodsEvidenceCommand: Command = {
  path: ['methods', 'evidence'],
  usage: 'methods evidence [--json]',
  summary:
    'Whether each research method has shown its effect here: the newest `methods reproduce` of it (shown / not shown / inconclusive) or "not measured"',
  run(context) {
    const { options, out } = context;
    options.rejectUnknown();
    const methods = allMethodEvidence(context.workspace(), Object.keys(METHODS));
    out.result({ methods }, () =>
      methods.map((m) => `${m.method}: ${m.verdict.toUpperCase()}\n  ${m.note}`).join('\n'),
    );
    return Promise.resolve(undefined);
  },
};
