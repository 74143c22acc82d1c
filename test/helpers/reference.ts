import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * Reference tools (Chromium, PyTorch, scikit-learn, numpy) and the shared conformance data beside the
 * checkout. On a developer's clone a missing one skips the check that needs it, with its name in the skip
 * report at the end of `npm test`; in CI (CI=true), where .ci/run installs the tools and the shared folder lies
 * beside the clone, a missing one fails the run, so a check cannot pass by not running.
 */

/** The repository's shared folder (../shared from the repository root), from dist/test/helpers/. */
export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
/** Its data folder. */
export const SHARED_DATA = `${SHARED}data/`;

/** Debian's Python, where the reference scripts run. */
export const PYTHON = '/usr/bin/python3';

export function inCi(): boolean {
  return process.env['CI'] === 'true';
}

/** Skips the test (a developer's machine) or fails it (CI) because `what` is missing. */
export function missingReference(t: TestContext, what: string): void {
  if (inCi()) assert.fail(`${what}: CI must have it (see .ci/run)`);
  t.skip(what);
}

/** Undefined when Debian's Python imports every module, else what is missing. */
export function pythonMissing(...modules: string[]): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  for (const name of modules) {
    const probe = spawnSync(PYTHON, ['-c', `import ${name}`], { encoding: 'utf8' });
    if (probe.status !== 0)
      return `the Python module ${name} is not installed (Debian package python3-${name})`;
  }
  return undefined;
}

/** True when every path exists; else skips (or, in CI, fails) naming the first missing one. */
export function sharedPresent(t: TestContext, ...paths: string[]): boolean {
  const missing = paths.find((path) => !existsSync(path));
  if (missing === undefined) return true;
  missingReference(t, `${missing} is not beside this checkout (../shared)`);
  return false;
}
