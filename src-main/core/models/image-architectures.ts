import type { Architecture } from './registry.js';
import { buildSmallCnn } from './small-cnn.js';
import { buildMobilenetStudent } from './mobilenet-student.js';
import { buildImageResnet } from './image-resnet.js';

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
      'MobileNet-style student with depthwise separable convolutions, batch norm and residual connections, width 0.5, for 32 to 512 px images, ~21k parameters',
    inputKinds: ['image'],
    build: ({ sampleShape, classes, seed }) => buildMobilenetStudent({ sampleShape, classes, seed }),
  },
  resnet18: {
    description:
      'ResNet-18 layout (4 stages of 2 residual blocks with batch norm) at quarter width (16 to 128 filters) so that it trains on a CPU, for 16 to 512 px images (from 48 px the stem downsamples), ~700k parameters',
    inputKinds: ['image'],
    build: ({ sampleShape, classes, seed }) =>
      buildImageResnet({
        arch: 'resnet18',
        shape: { blocks: [2, 2, 2, 2], baseFilters: 16 },
        sampleShape,
        classes,
        seed,
      }),
  },
  'resnet-small': {
    description:
      'Small ResNet (3 stages of 1 residual block with batch norm, 16/32/64 filters) for 16 to 512 px images, ~80k parameters: quick to train on a CPU',
    inputKinds: ['image'],
    build: ({ sampleShape, classes, seed }) =>
      buildImageResnet({
        arch: 'resnet-small',
        shape: { blocks: [1, 1, 1], baseFilters: 16 },
        sampleShape,
        classes,
        seed,
      }),
  },
};
