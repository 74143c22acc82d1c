import type { ModelRow } from '../store/models.js';
import { INPUT_PRESETS, isImportedModel, modelInputContract } from '../models/input-contract.js';
import { describeNormalization } from '../models/image-contract.js';

interface StoredOrigin {
  fileName?: string;
  sha256?: string;
  bytes?: number;
  framework?: string;
  frameworkVersion?: string | null;
  format?: string;
  importedBy?: string;
  importedAt?: string;
  onnx?: {
    maxAbsDifference?: number | null;
    checkedWith?: string;
    runtimeOnly?: { operator: string; reason: string };
  };
}

/**
 * Where a model made outside Attest came from and what it expects, as rows for the model card and the report:
 * a reviewer must see which file was checked (its SHA-256), what made it, who brought it in, and the input
 * contract it was validated under. Undefined for models Attest trained.
 */
export function modelOriginRows(row: ModelRow): [string, string][] | undefined {
  if (!isImportedModel(row)) return undefined;
  const origin = row.config['origin'] as StoredOrigin;
  const contract = modelInputContract(row);
  const made = `${origin.framework ?? 'unknown'}${origin.frameworkVersion != null ? ` ${origin.frameworkVersion}` : ''}`;
  const conversion: [string, string][] =
    origin.onnx?.runtimeOnly !== undefined
      ? [
          [
            'Conversion check',
            `not converted to TF.js (operator ${origin.onnx.runtimeOnly.operator} is not one Attest converts): run by ${origin.onnx.checkedWith ?? 'ONNX Runtime'} as delivered`,
          ],
          [
            'Suites that cannot run',
            'the model has no gradients in Attest: FGSM, PGD and sparse attacks, attributions, nMutant detection and compression are not run on it; clean, calibration, noise, corruptions and Square are',
          ],
        ]
      : origin.onnx !== undefined
        ? [
            [
              'Conversion check',
              `converted to TF.js; largest difference from ${origin.onnx.checkedWith ?? 'ONNX Runtime'} on a probe batch ${origin.onnx.maxAbsDifference?.toExponential(1) ?? '?'}`,
            ],
          ]
        : [];
  return [
    ['Made with', `${made} (${origin.format ?? 'unknown format'}), outside Attest`],
    ['Source file', `${origin.fileName ?? 'unknown'} (${origin.bytes ?? '?'} bytes)`],
    ['Source SHA-256', origin.sha256 ?? 'unknown'],
    ['Imported by', origin.importedBy ?? 'unknown'],
    ['Imported (UTC)', origin.importedAt ?? row.createdAt],
    ['Input per sample', `${contract.shape.join(' x ')} (delivered ${contract.sourceLayout})`],
    [
      'Preprocessing preset',
      contract.image !== undefined
        ? `image ${contract.image.height} x ${contract.image.width}, ${contract.image.channels} channel(s), normalized ${contract.image.normalize}: ${describeNormalization(contract.image.normalization)} (applied by Attest to the dataset's stored pixels)`
        : contract.preset !== null
          ? `${contract.preset}: ${(INPUT_PRESETS as Record<string, string>)[contract.preset] ?? ''}`
          : 'not given at import (validation on datasets is refused until it is)',
    ],
    ['Value range', contract.valueRange !== null ? `[${contract.valueRange.join(', ')}]` : 'not given'],
    ['Classes, in output order', contract.classes.join(', ')],
    [
      'Output',
      contract.output === 'logits'
        ? 'logits: Attest appended a softmax at import, so every figure is on probabilities'
        : 'probabilities (softmax)',
    ],
    ...conversion,
  ];
}
