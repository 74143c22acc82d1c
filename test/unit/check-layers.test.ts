import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '../helpers/temp-home.js';

/* The import-boundary check of `npm run check` (scripts/check-layers.js), on a planted tree and on the real one. */

type Edge = [string, string];
interface LayerCheck {
  importsOf(src: string): Edge[];
  violations(edges: Edge[]): Edge[];
  KNOWN: Edge[];
}

const checker = (): Promise<LayerCheck> =>
  import(new URL('../../../scripts/check-layers.js', import.meta.url).href) as Promise<LayerCheck>;

test('an upward import is caught (a tool importing a pipeline, models importing compress/); downward, side and type imports of the contract’s schemas pass', async () => {
  const { importsOf, violations } = await checker();
  const tree = tempHome('layers');
  try {
    const write = (path: string, text: string): void => {
      mkdirSync(join(tree.dir, path, '..'), { recursive: true });
      writeFileSync(join(tree.dir, path), text);
    };
    write('core/util/hash.ts', "import { x } from '../train/fit.js';\n");
    write(
      'core/store/jobs.ts',
      "import { sha } from '../util/hash.js';\nimport { e } from '../errors.js';\n",
    );
    write(
      'core/train/fit.ts',
      "import { s } from '../store/jobs.js';\nconst m = await import('../../server/serve.js');\n",
    );
    // A pipeline drives tools; a tool never imports a pipeline, and the models never reach up into compress/.
    write('core/pipelines/train/train-model.ts', "import { f } from '../../train/fit.js';\n");
    write('core/validate/membership-suite.ts', "import { t } from '../pipelines/train/train-model.js';\n");
    write('core/models/artifact.ts', "import { q } from '../compress/quantize-int8.js';\n");
    write('contract/jobs.ts', "import { policySchema } from '../core/validate/policy-schema.js';\n");
    write('contract/bad.ts', "import { fit } from '../core/train/fit.js';\n");
    write('server/serve.ts', "import { help } from '../cli/help.js';\n");
    const found = violations(importsOf(tree.dir)).map(([a, b]) => `${a} -> ${b}`);
    assert.deepEqual(found.sort(), [
      'contract/bad.ts -> core/train/fit.ts',
      'core/models/artifact.ts -> core/compress/quantize-int8.ts',
      'core/train/fit.ts -> server/serve.ts',
      'core/util/hash.ts -> core/train/fit.ts',
      'core/validate/membership-suite.ts -> core/pipelines/train/train-model.ts',
      'server/serve.ts -> cli/help.ts',
    ]);
  } finally {
    tree.cleanup();
  }
});

test('the project’s own sources break no layer beyond the listed imports still to be moved', async () => {
  const { importsOf, violations, KNOWN } = await checker();
  const src = new URL('../../../src-main', import.meta.url).pathname;
  const found = new Set(violations(importsOf(src)).map(([a, b]) => `${a} -> ${b}`));
  assert.deepEqual(found, new Set(KNOWN.map(([a, b]) => `${a} -> ${b}`)));
});
