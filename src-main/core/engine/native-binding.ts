import { tf } from './tf.js';

/**
 * The optional native TensorFlow binding. `@tensorflow/tfjs-node` (or `-node-gpu`) is an optional dependency
 * whose install downloads libtensorflow, so on an air-gapped machine it is usually absent: loading it must
 * fail quietly with a reason the engine info can show.
 *
 * Assumption (checked below, not just hoped for): the binding re-exports its own `@tensorflow/tfjs`, which
 * depends on `@tensorflow/tfjs-core` at the same exact version as ours (4.22.0), so npm dedupes them into one
 * node_modules/@tensorflow/tfjs-core. Both it and our code then load the same CommonJS build of tfjs-core, and
 * its `registerBackend('tensorflow', ...)` lands in the engine our code uses. (tfjs-core also keeps its engine
 * and kernel registry on globalThis, so even two copies of the same version would share them.) If the versions
 * ever diverge, the 'tensorflow' backend does not show up in our registry and we fall back with that reason.
 */

const BINDINGS = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export type NativeBindingResult = { ok: true; packageName: string } | { ok: false; reason: string };

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** Imports the first binding that loads and checks that it registered 'tensorflow' into our tfjs-core. */
export async function loadNativeBinding(): Promise<NativeBindingResult> {
  const failures: string[] = [];
  for (const packageName of BINDINGS) {
    try {
      // A variable specifier keeps TypeScript (and bundlers) from requiring the optional package at build time.
      const specifier: string = packageName;
      await import(specifier);
    } catch (error) {
      const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
      failures.push(`${packageName}: ${missing ? 'not installed' : firstLine(error)}`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') === null) {
      failures.push(
        `${packageName} loaded but registered its backend into another copy of @tensorflow/tfjs-core ` +
          `(ours is ${tf.version_core}); reinstall so that npm dedupes them`,
      );
      continue;
    }
    return { ok: true, packageName };
  }
  return { ok: false, reason: failures.join('; ') };
}
