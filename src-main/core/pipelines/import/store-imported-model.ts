import type { tfl } from '../../engine/tf.js';
import type { Workspace } from '../../store/workspace.js';
import { engineInfo } from '../../engine/backend.js';
import { encodeModelArtifact } from '../../models/artifact.js';
import { countParams } from '../../compress/model-size.js';
import { currentActor } from '../../audit/log.js';
import { badInput } from '../../errors.js';
import { newId, utcNow } from '../../util/ids.js';
import { sha256Hex } from '../../util/hash.js';
import type { InputContract } from '../../models/input-contract.js';
import { settleInputContract, type ContractOptions } from '../../models/import/settle-contract.js';
import type { ModelOrigin } from '../../models/import/model-origin.js';
import { persistModel } from '../../persist/persist-model.js';

export type { ModelOrigin };

export interface StoredImportedModel {
  modelId: string;
  name: string;
  framework: string;
  frameworkVersion: string | null;
  format: string;
  input: {
    shape: number[];
    layout: string;
    preset: string | null;
    valueRange: [number, number] | null;
    /** An image model's size, channels and normalization, when --normalize was given. */
    image?: InputContract['image'];
  };
  classes: string[];
  output: InputContract['output'];
  softmaxAppended: boolean;
  sha256: string;
  fileName: string;
  artifactSha256: string;
  sizeBytes: number;
  params: number;
  importedBy: string;
  importedAt: string;
  /** Set when the ONNX graph could not be converted to TF.js: ONNX Runtime runs it, forward passes only. */
  runtimeOnly?: { operator: string; reason: string; forwardOnly: string };
}

const FORWARD_ONLY =
  'kept to be run by ONNX Runtime: validation runs the suites that need only forward passes (clean, calibration, ' +
  'noise, corruptions, square); the gradient attacks, attributions, nMutant detection and compression cannot run on it';

function inputKindOf(preset: string | null, shape: number[], image: boolean): string | undefined {
  if (image) return 'image';
  if (preset === 'standardize-per-beat' || preset === 'kachuee2018') return 'ecg-beat';
  if (preset === 'record-normalized-rr') return 'ecg-beat-rr';
  if (preset?.startsWith('image-') === true) return 'image';
  return shape.length === 2 && shape[1] === 1 ? 'ecg-beat' : undefined;
}

/**
 * Stores a model made elsewhere as an ordinary Attest model artifact (so every suite, compression, report and
 * model card treats it like a trained one), with its input contract and origin, and the audit event, in one
 * transaction. Any format's reader (Keras, TF.js, ONNX) ends here with a tfl.LayersModel. The given model is
 * disposed of.
 */
export async function storeImportedModel(
  workspace: Workspace,
  imported: tfl.LayersModel,
  origin: ModelOrigin,
  options: ContractOptions & { name: string },
  keepFile?: Uint8Array,
): Promise<StoredImportedModel> {
  const name = options.name.trim();
  let model: tfl.LayersModel = imported;
  try {
    if (name === '' || name.length > 200) throw badInput('--name must be 1 to 200 characters');
    const settled = settleInputContract(imported, options, origin.path);
    model = settled.model;
    const { contract } = settled;
    const importedBy = currentActor();
    const importedAt = utcNow();
    const kept = keepFile !== undefined && origin.onnx !== undefined;
    const storedOrigin = {
      ...origin,
      ...(kept && origin.onnx !== undefined ? { onnx: { ...origin.onnx, fileKept: true } } : {}),
      importedBy,
      importedAt,
    };
    const inputKind = inputKindOf(contract.preset, contract.shape, contract.image !== undefined);
    const meta = {
      arch: `imported ${origin.framework}`,
      sampleShape: contract.shape,
      classes: contract.classes,
      ...(inputKind !== undefined ? { inputKind } : {}),
      ...(contract.preset !== null ? { preprocessing: contract.preset } : {}),
    };
    // The artifact describes itself: contract and origin travel with the weights.
    const bytes = await encodeModelArtifact(model, {
      meta: { ...meta, inputContract: contract, origin: storedOrigin },
    });
    const counts = countParams(model);
    const modelId = newId('m');
    // Importing the same model twice shares one artifact: only a file this import created may be removed.
    const wasStored = workspace.artifacts.has(sha256Hex(bytes));
    const stored = workspace.artifacts.put(bytes);
    const fileWasStored = kept && workspace.artifacts.has(origin.sha256);
    const file = kept ? workspace.artifacts.put(keepFile) : undefined;
    const backend = engineInfo().backend;
    try {
      if (file !== undefined && file.sha256 !== origin.sha256)
        throw badInput('the file changed while it was read', origin.path);
      persistModel(
        workspace.db,
        {
          id: modelId,
          name,
          arch: `imported-${origin.framework}`,
          datasetId: null,
          parentId: null,
          recipe: null,
          artifactSha256: stored.sha256,
          sizeBytes: stored.size,
          params: counts.params,
          nonzeroParams: counts.nonzero,
          backend,
          seed: null,
          config: { meta, inputContract: contract, origin: storedOrigin },
          summary: { imported: true },
          createdAt: importedAt,
        },
        {
          action: 'model.import',
          payload: {
            params: { ...options, name, fileName: origin.fileName },
            backend,
            sources: [
              ...(
                origin.files ?? [{ name: origin.fileName, bytes: origin.bytes, sha256: origin.sha256 }]
              ).map((file) => ({ path: file.name, sha256: file.sha256, size: file.bytes })),
            ],
            outputs: [
              { role: 'model', sha256: stored.sha256 },
              ...(file !== undefined ? [{ role: 'onnx-file', sha256: file.sha256 }] : []),
            ],
            result: {
              framework: origin.framework,
              frameworkVersion: origin.frameworkVersion,
              format: origin.format,
              inputContract: contract,
              params: counts.params,
            },
          },
        },
      );
    } catch (error) {
      if (!wasStored) workspace.artifacts.remove(stored.sha256);
      if (file !== undefined && !fileWasStored) workspace.artifacts.remove(file.sha256);
      throw error;
    }
    return {
      modelId,
      name,
      framework: origin.framework,
      frameworkVersion: origin.frameworkVersion,
      format: origin.format,
      input: {
        shape: contract.shape,
        layout: contract.sourceLayout,
        preset: contract.preset,
        valueRange: contract.valueRange,
        ...(contract.image !== undefined ? { image: contract.image } : {}),
      },
      classes: contract.classes,
      output: contract.output,
      softmaxAppended: contract.output === 'logits',
      sha256: origin.sha256,
      fileName: origin.fileName,
      artifactSha256: stored.sha256,
      sizeBytes: stored.size,
      params: counts.params,
      importedBy,
      importedAt,
      ...(origin.onnx?.runtimeOnly !== undefined
        ? { runtimeOnly: { ...origin.onnx.runtimeOnly, forwardOnly: FORWARD_ONLY } }
        : {}),
    };
  } finally {
    // A wrapper (transpose in front, softmax after) holds the imported model as a layer and disposes of it.
    model.dispose();
  }
}
