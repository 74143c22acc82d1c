import { getContext, setContext } from 'svelte';
import type { ApiClient } from './api/client.js';
import type { JobsManager } from './state/jobs.svelte.js';
import type { LibraryManager } from './state/library.svelte.js';
import type { SessionManager } from './state/session.svelte.js';

export interface AppContext {
  api: ApiClient;
  jobs: JobsManager;
  library: LibraryManager;
  session: SessionManager;
  navigate(view: ViewName): void;
}

export type ViewName =
  | 'datasets'
  | 'train'
  | 'compress'
  | 'validate'
  | 'models'
  | 'audit'
  | 'jobs'
  | 'compare'
  | 'detection'
  | 'accounts';

const KEY = Symbol('attest');

export function provideApp(context: AppContext): void {
  setContext(KEY, context);
}

export function app(): AppContext {
  return getContext<AppContext>(KEY);
}
