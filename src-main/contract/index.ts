export * from './result.js';
export * from './jobs.js';
export * from './events.js';
export * from './actions.js';
