import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

/**
 * ONNX Runtime sessions for imported ONNX files and exported ones. The CPU provider ships inside
 * onnxruntime-node; CUDA (Linux) and DirectML (Windows) run where the site has installed them, and a provider
 * that fails to start falls back to the CPU rather than failing the import: results agree within float error.
 */
export interface OrtSession {
  session: ort.InferenceSession;
  provider: string;
}

/** Where onnxruntime-node keeps its native libraries (and, once installed, the CUDA provider's). */
function bindingDir(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  return path.join(path.dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** GPU providers worth trying: bundled ones (DirectML on Windows), CUDA only when its library is installed. */
function acceleratedProviders(): string[] {
  return ort
    .listSupportedBackends()
    .filter(
      (b) =>
        (b.name === 'dml' && b.bundled) ||
        (b.name === 'cuda' &&
          (b.bundled || existsSync(path.join(bindingDir(), 'libonnxruntime_providers_cuda.so')))),
    )
    .map((b) => b.name);
}

export async function createOrtSession(bytes: Uint8Array): Promise<OrtSession> {
  for (const provider of acceleratedProviders()) {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        logSeverityLevel: 4,
      });
      return { session, provider };
    } catch {
      // The provider's libraries are not installed here (npm install skips the GPU download): CPU below.
    }
  }
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    logSeverityLevel: 3,
  });
  return { session, provider: 'cpu' };
}

/** Runs one float32 input through a session and returns its one output. */
export async function runOrt(
  session: ort.InferenceSession,
  data: Float32Array,
  dims: number[],
): Promise<{ data: Float32Array; dims: number[] }> {
  const inputName = session.inputNames[0] ?? '';
  const outputName = session.outputNames[0] ?? '';
  const results = await session.run({ [inputName]: new ort.Tensor('float32', data, dims) });
  const output = results[outputName];
  if (output === undefined) throw new Error(`ONNX Runtime returned no output "${outputName}"`);
  return { data: output.data as Float32Array, dims: [...output.dims] };
}
