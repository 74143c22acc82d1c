// The import-boundary check of `npm run check`: each layer of src-main imports only downward (ARCHITECTURE.md,
// "Layers"). Known upward imports that are still to be moved are listed in KNOWN with the reason; the check fails
// on any new one, and on a listed one that no longer exists (so the list only shrinks).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Which folders a layer may import from, besides itself. Paths are relative to src-main. */
export const RULES = [
  { layer: 'core/util/', may: [] },
  { layer: 'core/errors.ts', may: [] },
  { layer: 'core/engine/', may: ['core/util/', 'core/errors.ts'] },
  { layer: 'core/store/', may: ['core/util/', 'core/errors.ts'] },
  { layer: 'core/audit/', may: ['core/store/', 'core/util/', 'core/errors.ts'] },
  {
    layer: 'core/models/',
    may: ['core/engine/', 'core/store/', 'core/util/', 'core/errors.ts'],
  },
  // The core never reaches up into the sides that drive it.
  { layer: 'core/', may: ['core/', 'contract/'] },
  // The contract is shared with the renderer: it may take schemas and option lists from the core, nothing else.
  { layer: 'contract/', may: [/^core\/.*(-schema|-options|-presets)\.ts$/] },
  { layer: 'server/', may: ['core/', 'contract/'] },
];

/** Upward imports still to be moved (file -> imported file), each with why it is still there. */
export const KNOWN = [
  // Weight encodings live in compress/ and are read by every artifact: they move into models/ (issue 18).
  ['core/models/artifact.ts', 'core/compress/quantize-int8.ts'],
  ['core/models/artifact.ts', 'core/compress/float16.ts'],
  ['core/models/artifact.ts', 'core/compress/sparse-bitmap.ts'],
  ['core/models/onnx/int8-weights.ts', 'core/compress/sparse-bitmap.ts'],
  ['core/models/import/store-imported-model.ts', 'core/compress/model-size.ts'],
  // The registry builds the detector, whose model code sits in detect/, and sizes the R-R branch from data/.
  ['core/models/registry.ts', 'core/detect/centernet-model.ts'],
  ['core/models/registry.ts', 'core/data/ecg/rr-features.ts'],
  // Pipelines that still live in models/ (storing an imported model, measuring stored activation sparsity): they
  // move to the pipelines layer with the persistence module (issue 18).
  ['core/models/import/store-imported-model.ts', 'core/audit/log.ts'],
  ['core/models/stored-activation-sparsity.ts', 'core/audit/log.ts'],
  ['core/models/stored-activation-sparsity.ts', 'core/jobs/job-context.ts'],
  ['core/models/stored-activation-sparsity.ts', 'core/data/dataset-kinds.ts'],
  ['core/models/stored-activation-sparsity.ts', 'core/data/sample-dataset.ts'],
  // The input contract reads a dataset's split codes and image preprocessing from data/ (they move below both).
  ['core/models/input-contract.ts', 'core/data/sample-dataset.ts'],
  ['core/models/input-contract.ts', 'core/data/images/preprocess.ts'],
  ['core/models/image-contract.ts', 'core/data/sample-dataset.ts'],
  ['core/models/image-contract.ts', 'core/data/images/image-dataset.ts'],
  ['core/models/image-contract.ts', 'core/data/images/image-dataset-store.ts'],
  ['core/models/image-contract.ts', 'core/data/images/preprocess.ts'],
];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : /\.c?ts$/.test(name) ? [path] : [];
  });
}

/** Every relative import of every source file under `src`, as [importer, imported] relative to `src`. */
export function importsOf(src) {
  const edges = [];
  for (const file of walk(src)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), match[1] ?? '')
        .replace(/\.js$/, '.ts')
        .replace(/\.cjs$/, '.cts');
      edges.push([relative(src, file), relative(src, target)]);
    }
  }
  return edges;
}

const matches = (pattern, path) =>
  typeof pattern === 'string' ? path.startsWith(pattern) : pattern.test(path);

/** The imports that break a rule: the first rule whose layer holds the importer decides. */
export function violations(edges, rules = RULES) {
  const found = [];
  for (const [from, to] of edges) {
    const rule = rules.find((r) => from.startsWith(r.layer));
    if (rule === undefined || to.startsWith(rule.layer)) continue;
    if (!rule.may.some((p) => matches(p, to))) found.push([from, to]);
  }
  return found;
}

function main() {
  const found = violations(importsOf(join(ROOT, 'src-main')));
  const key = ([a, b]) => `${a} -> ${b}`;
  const known = new Set(KNOWN.map(key));
  const fresh = found.filter((e) => !known.has(key(e)));
  const gone = KNOWN.filter((e) => !found.some((f) => key(f) === key(e)));
  for (const [from, to] of fresh)
    console.error(`src-main/${from} imports src-main/${to}: against the layers in ARCHITECTURE.md`);
  for (const [from, to] of gone)
    console.error(
      `scripts/check-layers.js lists ${from} -> ${to}, which no longer exists: remove it from KNOWN`,
    );
  if (fresh.length > 0 || gone.length > 0) process.exit(1);
  console.log(`layers: ${found.length} known upward imports, no new one`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
