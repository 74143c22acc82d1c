import { initEngine } from '../src-main/core/engine/backend.js';
import { benchEcgResnet } from './ecg-resnet.js';
import { ECG_PEER_SCRIPT, runTorchPeer } from './torch-peer.js';
import { benchWfdbRead } from './wfdb-read.js';
import { benchRecordViewer } from './record-viewer.js';
import { benchImageModels } from './image-models.js';

/**
 * The benchmark of `npm run bench [-- --json] [--samples N] [--no-peer]` and `attest bench`: one JSON object with
 * our figures, the PyTorch peer's measured in the same run (when python3-torch is installed), and the ratios.
 */
export async function runBench(args: string[]): Promise<Record<string, unknown>> {
  const samplesArg = args.indexOf('--samples');
  const samples = samplesArg >= 0 ? Number(args[samplesArg + 1]) : 2048;
  const engine = await initEngine();
  const ours = await benchEcgResnet(samples);
  const peer = args.includes('--no-peer')
    ? { available: false, reason: 'skipped (--no-peer)' }
    : runTorchPeer(ECG_PEER_SCRIPT, samples);
  const ratio = (key: 'train_samples_per_s' | 'infer_samples_per_s'): number | null => {
    const theirs = peer[key];
    return typeof theirs === 'number' && theirs > 0 ? Math.round((ours[key] / theirs) * 1000) / 1000 : null;
  };
  const result = {
    backend: engine.backend,
    threads: engine.threads,
    kernels: engine.kernels ?? null,
    workers: ours.train_workers,
    samples,
    ecg_resnet: ours,
    peer,
    wfdb_read: benchWfdbRead(),
    record_viewer: benchRecordViewer(),
    image_models: await benchImageModels(256, !args.includes('--no-peer')),
    ratios: { train: ratio('train_samples_per_s'), infer: ratio('infer_samples_per_s') },
  };
  return result;
}
