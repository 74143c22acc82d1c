import type { ComparisonView, TrainingMethodView } from '../../../../src-main/contract/index.js';
import type { ApiClient } from '../api/client.js';

/** Words before a setting whose value alone would not say what it is ("1" of a stability term). */
const PREFIX: Record<string, string> = {
  'Learning-rate policy': 'learning rate ',
  'Stability term (ALPHA:SIGMA)': 'stability ',
  'Hardening during training': 'hardening ',
};

/** The stored comparisons of training methods and which models were trained with a method. */
export class ComparisonsManager {
  comparisons = $state<ComparisonView[]>([]);
  trainingMethods = $state<Record<string, TrainingMethodView[]>>({});
  error = $state<string | null>(null);
  /** False until the first answer: defaults that depend on the models' methods wait for it. */
  loaded = $state(false);

  constructor(private readonly api: ApiClient) {}

  async refresh(): Promise<void> {
    const r = await this.api.call('comparisons.list', {});
    if (!r.ok) {
      this.error = r.error.message;
      return;
    }
    this.error = null;
    this.comparisons = r.value.comparisons;
    this.trainingMethods = Object.fromEntries(r.value.trainingMethods.map((m) => [m.modelId, m.methods]));
    this.loaded = true;
  }

  /** Newest first, of one kind, on one dataset. */
  of(kind: string, datasetId: string): ComparisonView[] {
    return this.comparisons.filter((c) => c.kind === kind && c.datasetId === datasetId);
  }

  /**
   * A sensible first choice for a before/after comparison: the newest plain model (no method, no recipe) and
   * the newest model trained with a method the comparison speaks for.
   */
  defaultPair(models: { id: string; recipe: string | null }[], kind: string): string[] {
    const newest = [...models].reverse();
    const plain = newest.find((m) => m.recipe === null && (this.trainingMethods[m.id] ?? []).length === 0);
    const method = newest.find((m) => (this.trainingMethods[m.id] ?? []).some((t) => t.comparison === kind));
    return [plain?.id, method?.id].filter((id): id is string => id !== undefined);
  }

  /** "cosine; stability 1:0.05", or "plain" for a model trained without any method. */
  methodsLabel(modelId: string): string {
    const methods = this.trainingMethods[modelId] ?? [];
    return methods.length === 0
      ? 'plain'
      : methods.map((m) => `${PREFIX[m.label] ?? ''}${m.value}`).join('; ');
  }

  /** A chart category: the method, short, and the end of the model id (unique even for two plain models). */
  chartLabel(modelId: string): string {
    const label = this.methodsLabel(modelId).replace(/ \([^)]*\)/g, '');
    return `${label.length > 26 ? `${label.slice(0, 25)}…` : label} ·${modelId.slice(-4)}`;
  }
}
