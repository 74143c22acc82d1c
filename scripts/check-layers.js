// The import-boundary check of `npm run check`: each layer of src-main imports only downward (ARCHITECTURE.md,
// "Layers"). Known upward imports that are still to be moved are listed in KNOWN with the reason; the check fails
// on any new one, and on a listed one that no longer exists (so the list only shrinks).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const BASE = ['core/util/', 'core/errors.ts'];
const STORE = [
  ...BASE,
  'core/engine/',
  'core/store/',
  'core/audit/',
  'core/persist/',
  'core/jobs/',
  'core/files/',
];

/**
 * Which folders a layer may import from, besides itself (never: refused even inside its own prefix); the first rule whose layer holds the importer decides.
 * Paths are relative to src-main. From the bottom up: base, store, data, models (with the metrics and the
 * prediction every tool shares), tools, pipelines (core/pipelines: one entry point per job), then the doors.
 */
export const RULES = [
  { layer: 'core/util/', may: [] },
  { layer: 'core/errors.ts', may: [] },
  { layer: 'core/engine/', may: BASE },
  { layer: 'core/files/', may: BASE },
  { layer: 'core/store/', may: BASE },
  { layer: 'core/audit/', may: [...BASE, 'core/store/'] },
  { layer: 'core/jobs/', may: [...BASE, 'core/store/'] },
  // A stored record and its audit event, written in one transaction.
  { layer: 'core/persist/', may: [...BASE, 'core/store/', 'core/audit/'] },
  { layer: 'core/data/', may: STORE },
  { layer: 'core/metrics/', may: BASE },
  { layer: 'core/models/', may: [...STORE, 'core/data/'] },
  { layer: 'core/predict/', may: [...STORE, 'core/data/', 'core/models/', 'core/metrics/'] },
  // Pipelines drive the tools and store their results: any part of the core, never the doors.
  { layer: 'core/pipelines/', may: ['core/', 'contract/'] },
  // Tools (train, compress, validate, detect, report, ...) use each other and everything below; never a pipeline,
  // never the sides that drive the core.
  { layer: 'core/', may: ['core/', 'contract/'], never: ['core/pipelines/'] },
  // The contract is shared with the renderer: it may take schemas and option lists from the core, nothing else.
  { layer: 'contract/', may: [/^core\/.*(-schema|-options|-presets)\.ts$/] },
  // The server (and the dispatcher Electron's host runs) drives the core; it never imports the CLI.
  { layer: 'server/', may: ['core/', 'contract/'] },
];

/** Upward imports still to be moved (file -> imported file), each with why it is still there. None today. */
export const KNOWN = [];

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
    if (rule === undefined) continue;
    // `never` holds the folders refused even inside the layer's own prefix (the tools' core/ holds core/pipelines).
    if ((rule.never ?? []).some((p) => matches(p, to))) found.push([from, to]);
    else if (!to.startsWith(rule.layer) && !rule.may.some((p) => matches(p, to))) found.push([from, to]);
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
