import { initEngine } from '../src-main/core/engine/backend.js';
import { benchEcgResnet } from './ecg-resnet.js';
import { ECG_PEER_SCRIPT, SKIPPED_PEER, peerRatios, runTorchPeer } from './torch-peer.js';
import { benchWfdbRead } from './wfdb-read.js';
import { benchRecordViewer } from './record-viewer.js';
import { benchImageModels } from './image-models.js';
import { benchOnnxRuntime } from './onnx-runtime.js';

/**
 * The benchmark of `attest bench [--samples N] [--no-peer] [--json]` (and `npm run bench`, which runs it): one
 * JSON object with our figures, the PyTorch peer's measured in the same run (when python3-torch is installed),
 * and the ratios. The command validates the options.
 */
export async function runBench(
  options: { samples?: number; peer?: boolean } = {},
): Promise<Record<string, unknown>> {
  const samples = options.samples ?? 2048;
  const withPeer = options.peer ?? true;
  const engine = await initEngine();
  const ours = await benchEcgResnet(samples);
  const peer = withPeer ? runTorchPeer(ECG_PEER_SCRIPT, samples) : SKIPPED_PEER;
  const result = {
    backend: engine.backend,
    threads: engine.threads,
    kernels: engine.kernels ?? null,
    workers: ours.train_workers,
    samples,
    ecg_resnet: ours,
    // The same model's inference through ONNX Runtime (exported with Attest's ONNX exporter).
    ecg_resnet_onnxruntime: await benchOnnxRuntime(samples),
    peer,
    wfdb_read: benchWfdbRead(),
    record_viewer: benchRecordViewer(),
    image_models: await benchImageModels(256, withPeer),
    ratios: peerRatios(ours, peer),
  };
  return result;
}
