import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSmallCnn } from '../src-main/core/models/small-cnn.js';
import { buildMobilenetStudent } from '../src-main/core/models/mobilenet-student.js';
import { readDicomImage } from '../src-main/core/data/dicom/read-dicom.js';
import { benchModel } from './model-bench.js';
import { IMAGE_PEER_SCRIPT, SKIPPED_PEER, peerRatios, runTorchPeer } from './torch-peer.js';

const SIZE = 64;
const CLASSES = 3;

/** Milliseconds to parse and decode each DICOM fixture through the display pipeline (best of three, after a warm-up). */
async function benchDicomDecode(): Promise<Record<string, number>> {
  const dir = fileURLToPath(new URL('../../test/fixtures/dicom/', import.meta.url));
  if (!existsSync(dir)) return {};
  const out: Record<string, number> = {};
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.dcm'))
    .sort()) {
    const bytes = readFileSync(join(dir, name));
    await readDicomImage(name, { bytes });
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const start = performance.now();
      await readDicomImage(name, { bytes });
      best = Math.min(best, performance.now() - start);
    }
    out[name] = Math.round(best * 100) / 100;
  }
  return out;
}

/** The image part of `npm run bench`: small-cnn beside its PyTorch peer (same network, same run), the student, decoding. */
export async function benchImageModels(samples = 256, withPeer = true): Promise<Record<string, unknown>> {
  // Training at batch 32 and inference at batch 128 on 64 x 64 x 1 inputs, as the peer script runs.
  const spec = { sampleShape: [SIZE, SIZE, 1], classes: CLASSES, samples, trainBatch: 32, inferBatch: 128 };
  const smallCnn = await benchModel({
    name: 'small-cnn',
    build: () => buildSmallCnn({ sampleShape: [SIZE, SIZE, 1], classes: CLASSES, seed: 0 }),
    ...spec,
  });
  const student = await benchModel({
    name: 'mobilenet-student',
    build: () => buildMobilenetStudent({ sampleShape: [SIZE, SIZE, 1], classes: CLASSES, seed: 0 }),
    ...spec,
  });
  const peer = withPeer ? runTorchPeer(IMAGE_PEER_SCRIPT, samples) : SKIPPED_PEER;
  return {
    samples,
    small_cnn: smallCnn,
    mobilenet_student: student,
    peer,
    ratios: peerRatios(smallCnn, peer),
    dicom_decode_ms: await benchDicomDecode(),
  };
}
