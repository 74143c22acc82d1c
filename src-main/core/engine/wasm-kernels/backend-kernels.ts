import { tf } from '../tf.js';

/**
 * The backend's own kernels that ours replace but fall back to, for the cases our kernels do not cover. Ours
 * also run their setup: the backend binds its C functions there, for the kernels registered when it starts.
 */
const kept = new Map<string, tf.KernelConfig>();

export function keepBackendKernel(config: tf.KernelConfig): void {
  kept.set(config.kernelName, config);
}

export function backendKernel(name: string): tf.KernelConfig {
  const config = kept.get(name);
  if (config === undefined) throw new Error(`the wasm backend has no ${name} kernel`);
  return config;
}

export function setupBackendKernel(name: string): NonNullable<tf.KernelConfig['setupFunc']> {
  return (backend) => kept.get(name)?.setupFunc?.(backend);
}
