import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from '../src-main/core/compress/measure-model.js';

/** The PyTorch peers ship with the benchmark (the ECG one is a copy of ../shared/bench/torch_ecg_bench.py). */
export const ECG_PEER_SCRIPT = fileURLToPath(new URL('../../bench/torch_ecg_bench.py', import.meta.url));
export const IMAGE_PEER_SCRIPT = fileURLToPath(new URL('../../bench/torch_image_bench.py', import.meta.url));

/**
 * Runs a PyTorch peer script, when both it and Debian's python3-torch are there, `runs` times (its figures move by up to 1.6x from one run to the next on a 2-core
 * machine): the figures are the medians, each run's listed beside them. Otherwise says why not, so the JSON
 * shows an absent peer rather than a made-up one.
 */
export function runTorchPeer(script: string, samples: number, runs = 3): Record<string, unknown> {
  const first = runTorchPeerOnce(script, samples);
  if (first['available'] !== true) return first;
  const all = [first, ...Array.from({ length: runs - 1 }, () => runTorchPeerOnce(script, samples))];
  const figures = (key: string): number[] =>
    all.map((run) => run[key]).filter((v): v is number => typeof v === 'number');
  return {
    ...first,
    train_samples_per_s: median(figures('train_samples_per_s')),
    infer_samples_per_s: median(figures('infer_samples_per_s')),
    runs: all.length,
    train_runs: figures('train_samples_per_s'),
    infer_runs: figures('infer_samples_per_s'),
  };
}

function runTorchPeerOnce(script: string, samples: number): Record<string, unknown> {
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

/** What the JSON says for the peer under --no-peer. */
export const SKIPPED_PEER: Record<string, unknown> = { available: false, reason: 'skipped (--no-peer)' };

/** Ours over the peer's samples per second, to 3 decimals; null where the peer has no figure. */
export function peerRatios(
  ours: { train_samples_per_s: number; infer_samples_per_s: number },
  peer: Record<string, unknown>,
): { train: number | null; infer: number | null } {
  const ratio = (key: 'train_samples_per_s' | 'infer_samples_per_s'): number | null => {
    const theirs = peer[key];
    return typeof theirs === 'number' && theirs > 0 ? Math.round((ours[key] / theirs) * 1000) / 1000 : null;
  };
  return { train: ratio('train_samples_per_s'), infer: ratio('infer_samples_per_s') };
}
