import type {
  ActionResponse,
  AuditEventView,
  DatasetView,
  ExportView,
  ModelView,
  ValidationView,
  VerificationView,
} from '../../../../src-main/contract/index.js';
import type { ApiClient } from '../api/client.js';

type Section = 'datasets' | 'models' | 'validations' | 'audit' | 'exports';

/** What the workspace holds (datasets, models, validations, audit trail, exports), fetched again on change. */
export class LibraryManager {
  info = $state<ActionResponse<'engine.info'> | null>(null);
  /** The project the lists show (null: every project), set by the project picker. */
  projectScope = $state<string | null>(null);
  allDatasets = $state<DatasetView[]>([]);
  allModels = $state<ModelView[]>([]);
  allValidations = $state<ValidationView[]>([]);
  datasets = $derived(this.allDatasets.filter((d) => this.inScope(d.projectId)));
  models = $derived(this.allModels.filter((m) => this.inScope(m.projectId)));
  validations = $derived(
    this.allValidations.filter((v) => this.inScope(this.model(v.modelId)?.projectId ?? null)),
  );
  auditEvents = $state<AuditEventView[]>([]);
  verification = $state<VerificationView | null>(null);
  verifying = $state(false);
  exports = $state<ExportView[]>([]);
  error = $state<string | null>(null);

  constructor(private readonly api: ApiClient) {}

  async loadAll(): Promise<void> {
    await this.refreshInfo();
    await Promise.all(
      (['datasets', 'models', 'validations', 'audit', 'exports'] as const).map((s) => this.refresh(s)),
    );
  }

  /** Engine facts; the backend is known once the first job has started TF.js. */
  async refreshInfo(): Promise<void> {
    const info = await this.api.call('engine.info', {});
    if (info.ok) this.info = info.value;
    else this.error = info.error.message;
  }

  async refresh(section: Section): Promise<void> {
    switch (section) {
      case 'datasets': {
        const r = await this.api.call('datasets.list', {});
        if (r.ok) this.allDatasets = r.value.datasets;
        break;
      }
      case 'models': {
        const r = await this.api.call('models.list', {});
        if (r.ok) this.allModels = r.value.models;
        break;
      }
      case 'validations': {
        const r = await this.api.call('validations.list', {});
        if (r.ok) this.allValidations = r.value.validations;
        break;
      }
      case 'audit': {
        const r = await this.api.call('audit.log', {});
        if (r.ok) this.auditEvents = r.value.events;
        // The trail changed: an earlier verification no longer speaks for it.
        this.verification = null;
        await this.refresh('exports');
        break;
      }
      case 'exports': {
        const r = await this.api.call('exports.list', {});
        if (r.ok) this.exports = r.value.exports;
        break;
      }
    }
  }

  /** Signs a checkpoint over every event so far, then verifies again to show it. */
  async checkpoint(): Promise<void> {
    const r = await this.api.call('audit.checkpoint', {});
    if (!r.ok) this.error = r.error.message;
    await this.refresh('audit');
    await this.verify();
  }

  async verify(): Promise<void> {
    this.verifying = true;
    const r = await this.api.call('audit.verify', {});
    this.verifying = false;
    if (r.ok) this.verification = r.value;
    else this.error = r.error.message;
  }

  private inScope(projectId: string | null): boolean {
    return this.projectScope === null || projectId === this.projectScope;
  }

  /** By id, in any project: a model's parent or dataset may sit in another one. */
  dataset(id: string | null): DatasetView | undefined {
    return this.allDatasets.find((d) => d.id === id);
  }

  model(id: string | null): ModelView | undefined {
    return this.allModels.find((m) => m.id === id);
  }

  /** The newest validation of a model that has clean metrics, for the tables and the Pareto plot. */
  latestClean(modelId: string): ValidationView | undefined {
    return [...this.validations]
      .reverse()
      .find((v) => v.modelId === modelId && v.result['clean'] !== undefined);
  }

  exportUrl(name: string): string {
    return this.api.exportUrl(name);
  }
}
