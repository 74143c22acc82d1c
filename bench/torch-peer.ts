import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Runs the PyTorch peer script from the shared folder beside the checkout, when both it and Debian's
 * python3-torch are there; otherwise says why not, so the JSON shows an absent peer rather than a made-up one.
 */
export function runTorchPeer(samples: number): Record<string, unknown> {
  const script = fileURLToPath(new URL('../../../shared/bench/torch_ecg_bench.py', import.meta.url));
  if (!existsSync(script)) return { available: false, reason: `peer script not found at ${script}` };
  try {
    const output = execFileSync('/usr/bin/python3', [script, String(samples)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
    const line = output.trim().split('\n').pop() ?? '{}';
    return { available: true, ...(JSON.parse(line) as Record<string, unknown>) };
  } catch (error) {
    const message = (error as { stderr?: string }).stderr ?? (error as Error).message;
    return {
      available: false,
      reason: `peer did not run: ${message.split('\n').filter(Boolean).pop() ?? 'unknown error'} (apt-get install -y python3-torch)`,
    };
  }
}
