export * from './result.js';
export * from './jobs.js';
export * from './jobs-methods.js';
export * from './events.js';
export * from './actions.js';
