import os from 'node:os';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { badInput } from '../errors.js';
import { tf } from './tf.js';
import { loadNativeBinding } from './native-binding.js';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';
import { fuseConv1dOnWasm } from './wasm-kernels/fused-conv1d.js';
import { prepareSimdKernels } from './wasm-kernels/simd-module.js';

/**
 * Backend choice. Preferred order: native TensorFlow (when its optional binding loads), then SIMD WebAssembly
 * (always shipped), then pure JS. `ATTEST_BACKEND` (or an explicit argument) forces one: then a backend that
 * cannot start is an error, not a silent fallback, because results are only reproducible on the same backend.
 */

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface EngineInfo {
  backend: BackendName;
  tfjsVersion: string;
  threads: number;
  /**
   * On wasm, which convolution and pooling kernels run: our SIMD ones with fused multiply-add, with a separate
   * multiply and add (either noting direct convolutions when Winograd's are off), or the backend's own
   * (switched off, or why they did not build).
   */
  kernels?: string;
  /** Why the automatic choice did not get the first backend in the preferred order. */
  fallbackReason?: string;
}

const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let current: EngineInfo | undefined;
let queue: Promise<unknown> = Promise.resolve();

function isBackendName(value: string): value is BackendName {
  return (BACKENDS as readonly string[]).includes(value);
}

function threadsOf(backend: BackendName): number {
  // tfjs-node runs TensorFlow's intra-op pool on every core; the wasm backend has no threads in Node (its
  // threaded build needs browser workers) and the cpu backend is plain single-threaded JS.
  if (backend === 'tensorflow') return os.availableParallelism();
  if (backend === 'wasm') return Math.max(1, getThreadsCount());
  return 1;
}

let wasmKernels = '';

/** Our SIMD kernels are a speed-up, not a requirement: when they cannot build, the backend's own kernels run. */
async function describeSimdKernels(backend: BackendWasm): Promise<string> {
  try {
    const kernels = await prepareSimdKernels(backend);
    if (kernels === undefined) return 'backend (ATTEST_WASM_KERNELS=off)';
    // Winograd's convolutions round differently from the direct ones: a seeded run repeats only on the same.
    return `${kernels.fma ? 'simd-fma' : 'simd'}${kernels.winograd ? '' : ' (direct convolutions)'}`;
  } catch (error) {
    return `backend (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Starts one backend; returns a reason instead of throwing when it cannot. */
async function tryStart(backend: BackendName): Promise<string | undefined> {
  try {
    if (backend === 'tensorflow') {
      const binding = await loadNativeBinding();
      if (!binding.ok) return binding.reason;
    }
    if (backend === 'wasm') {
      registerWasmTrainingKernels();
      fuseConv1dOnWasm();
    }
    const ok = await tf.setBackend(backend);
    if (!ok) return `${backend} backend failed to initialise`;
    await tf.ready();
    if (backend === 'wasm') wasmKernels = await describeSimdKernels(tf.backend() as BackendWasm);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function requested(preferred: BackendName | undefined): BackendName | 'auto' {
  if (preferred !== undefined) {
    if (!isBackendName(preferred))
      throw badInput(`unknown backend "${String(preferred)}"; use ${BACKENDS.join(', ')}`);
    return preferred;
  }
  const fromEnv = process.env['ATTEST_BACKEND']?.trim() ?? '';
  if (fromEnv === '' || fromEnv === 'auto') return 'auto';
  if (!isBackendName(fromEnv)) {
    throw badInput(`ATTEST_BACKEND must be one of ${BACKENDS.join(', ')} (or unset), got "${fromEnv}"`);
  }
  return fromEnv;
}

async function start(choice: BackendName | 'auto'): Promise<EngineInfo> {
  // The cpu backend prints a "install tfjs-node" banner on first use in Node; PROD silences TF.js warnings so
  // that stderr stays for our own progress and logs.
  tf.env().set('PROD', true);
  const made = (backend: BackendName, fallbackReason?: string): EngineInfo => ({
    backend,
    tfjsVersion: tf.version_core,
    threads: threadsOf(backend),
    ...(backend === 'wasm' ? { kernels: wasmKernels } : {}),
    ...(fallbackReason !== undefined ? { fallbackReason } : {}),
  });
  if (choice !== 'auto') {
    const failure = await tryStart(choice);
    if (failure !== undefined) throw badInput(`backend ${choice} was requested but cannot start: ${failure}`);
    return made(choice);
  }
  const reasons: string[] = [];
  for (const backend of BACKENDS) {
    const failure = await tryStart(backend);
    if (failure === undefined) return made(backend, reasons.length > 0 ? reasons.join('; ') : undefined);
    reasons.push(`${backend}: ${failure}`);
  }
  throw new Error(`no TF.js backend could start: ${reasons.join('; ')}`);
}

/**
 * Selects and initialises the backend: `preferred`, else `ATTEST_BACKEND`, else the automatic order. Once a
 * backend runs, an automatic request keeps it and a request for the same backend returns the same info without
 * redoing anything; an explicit request for another backend switches (tests compare backends this way). Calls
 * are serialised so that two callers never initialise at once.
 */
export async function initEngine(preferred?: BackendName): Promise<EngineInfo> {
  const choice = requested(preferred);
  const run = queue.then(async () => {
    const running = current !== undefined && tf.getBackend() === current.backend ? current : undefined;
    if (running !== undefined && (choice === 'auto' || choice === running.backend)) return running;
    current = await start(choice);
    return current;
  });
  queue = run.catch(() => undefined);
  return run;
}

/** The backend chosen by `initEngine`, for reports and the audit trail. */
export function engineInfo(): EngineInfo {
  if (current === undefined) throw new Error('TF.js engine not initialised: call initEngine() first');
  if (tf.getBackend() !== current.backend) {
    // Someone switched backend behind initEngine's back: the info would lie in a report.
    throw new Error(`TF.js backend is ${tf.getBackend()} but initEngine chose ${current.backend}`);
  }
  return current;
}
