import { buildEcgResnet } from '../src-main/core/models/ecg-resnet.js';
import { benchModel, type ModelBench } from './model-bench.js';

/** The same measurement as the PyTorch peer: random N(0,1) inputs, Adam, batch 64; inference at batch 256. */
export function benchEcgResnet(samples = 2048): Promise<ModelBench> {
  return benchModel({
    name: 'ecg-resnet',
    build: () => buildEcgResnet({ inputLength: 187, classes: 5, seed: 0 }),
    sampleShape: [187, 1],
    classes: 5,
    samples,
    trainBatch: 64,
    inferBatch: 256,
  });
}
