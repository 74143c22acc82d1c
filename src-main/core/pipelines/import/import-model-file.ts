import type { Workspace } from '../../store/workspace.js';
import type { InputContract } from '../../models/input-contract.js';
import { readModelSource } from '../../models/import/read-model-source.js';
import type { ContractOptions } from '../../models/import/settle-contract.js';
import { storeImportedModel, type StoredImportedModel } from './store-imported-model.js';

/** What `attest export-model` writes about a model (model.json userDefinedMetadata.attest.inputContract). */
function exportedContract(metadata: unknown): Partial<InputContract> | undefined {
  const attest = (metadata as { attest?: { inputContract?: unknown } } | undefined)?.attest;
  const contract = attest?.inputContract;
  return contract !== null && typeof contract === 'object' ? (contract as Partial<InputContract>) : undefined;
}

/**
 * Imports a model file or folder made elsewhere: read it, settle its input contract (options given, else what
 * an Attest export says about itself), store it. Nothing is stored when any step fails.
 */
export async function importModelFile(
  workspace: Workspace,
  path: string,
  options: ContractOptions & { name: string },
): Promise<StoredImportedModel> {
  const { imported, origin, metadata, contract, keepFile } = await readModelSource(
    path,
    options.layout !== undefined ? { layout: options.layout } : {},
  );
  const exported = exportedContract(metadata);
  const classes = options.classes ?? (Array.isArray(exported?.classes) ? exported.classes : undefined);
  const preset = options.preset ?? (typeof exported?.preset === 'string' ? exported.preset : undefined);
  return storeImportedModel(
    workspace,
    imported.model,
    origin,
    {
      ...options,
      ...contract,
      ...(classes !== undefined ? { classes } : {}),
      ...(preset !== undefined ? { preset } : {}),
    },
    keepFile,
  );
}
