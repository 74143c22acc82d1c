import { getContext, setContext } from 'svelte';
import type { JobSpec, JobView, ProjectView, Result } from '../../../../src-main/contract/index.js';
import type { ApiClient } from '../api/client.js';
import type { LibraryManager } from './library.svelte.js';

/** The project of every record that was never put in another one (core/projects/projects.ts). */
export const DEFAULT_PROJECT_ID = 'prj-default';
const CURRENT_KEY = 'attest.project';
const SCOPE_KEY = 'attest.projectScope';

function remembered(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage refused (a locked-down profile): the choice lasts for this window only
  }
}

function remember(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // as above
  }
}

/**
 * Projects and the current one. New imports go into the current project; the lists, the Pareto plot and the
 * project's audit bundle show only its datasets and models unless "every project" is chosen.
 */
export class ProjectsManager {
  projects = $state<ProjectView[]>([]);
  currentId = $state(remembered(CURRENT_KEY) ?? DEFAULT_PROJECT_ID);
  everyProject = $state(remembered(SCOPE_KEY) === 'all');
  dialogOpen = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly api: ApiClient,
    private readonly library: LibraryManager,
  ) {
    this.applyScope();
  }

  get current(): ProjectView | undefined {
    return this.projects.find((p) => p.id === this.currentId);
  }

  name(id: string): string {
    return this.projects.find((p) => p.id === id)?.name ?? id;
  }

  async refresh(): Promise<void> {
    const r = await this.api.call('projects.list', {});
    if (!r.ok) {
      this.error = r.error.message;
      return;
    }
    this.projects = r.value.projects;
    // A project remembered from another home does not exist here: fall back to the default one.
    if (this.current === undefined) this.select(DEFAULT_PROJECT_ID);
  }

  select(id: string): void {
    this.currentId = id;
    remember(CURRENT_KEY, id);
    this.applyScope();
  }

  showEveryProject(every: boolean): void {
    this.everyProject = every;
    remember(SCOPE_KEY, every ? 'all' : 'project');
    this.applyScope();
  }

  private applyScope(): void {
    this.library.projectScope = this.everyProject ? null : this.currentId;
  }

  async create(name: string): Promise<string | null> {
    const r = await this.api.call('projects.create', { name });
    if (!r.ok) return r.error.message;
    await this.refresh();
    this.select(r.value.project.id);
    return null;
  }

  async rename(projectId: string, name: string): Promise<string | null> {
    const r = await this.api.call('projects.rename', { projectId, name });
    if (!r.ok) return r.error.message;
    await this.refresh();
    return null;
  }

  async assign(entityType: 'dataset' | 'model', entityId: string): Promise<string | null> {
    const r = await this.api.call('projects.assign', { projectId: this.currentId, entityType, entityId });
    if (!r.ok) return r.error.message;
    await this.refresh();
    return null;
  }

  /** Starts a job in the current project: the dataset (or model) it makes goes there. */
  async startJob(spec: JobSpec): Promise<Result<JobView>> {
    const r = await this.api.call('projects.startJob', { projectId: this.currentId, spec });
    return r.ok ? { ok: true, value: r.value.job } : r;
  }
}

const KEY = Symbol('attest.projects');

export function provideProjects(manager: ProjectsManager): void {
  setContext(KEY, manager);
}

export function projects(): ProjectsManager {
  return getContext<ProjectsManager>(KEY);
}
