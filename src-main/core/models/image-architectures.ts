import type { Architecture } from './registry.js';
import { buildSmallCnn } from './small-cnn.js';
import { buildMobilenetStudent } from './mobilenet-student.js';

/** The 2-D architectures for image datasets (input kind 'image': [height, width, channels]). */
export const IMAGE_ARCHITECTURES: Record<string, Architecture> = {
  'small-cnn': {
    description:
      'Small 2-D CNN for 16 to 512 px images: 3 double-conv blocks (16/32/64 filters), global pooling, ~72k parameters with one channel',
    inputKinds: ['image'],
    build: ({ sampleShape, classes, seed }) => buildSmallCnn({ sampleShape, classes, seed }),
  },
  'mobilenet-student': {
    description:
      'MobileNet-style student with depthwise separable convolutions, width 0.5, for 32 to 512 px images, ~19k parameters',
    inputKinds: ['image'],
    build: ({ sampleShape, classes, seed }) => buildMobilenetStudent({ sampleShape, classes, seed }),
    // test/models/architectures-learn.test.ts: from scratch its loss stays at ln 2 and it answers one class.
    offered: false,
    notOfferedBecause:
      'trained from scratch it does not learn (the loss stays at that of a guess): plain convolutions without batch norm or skip connections',
  },
};
