export * from './advisory-store.js';
export * from './fleet-store.js';
export * from './jsonl-results.js';
export * from './open.js';
export * from './target-result-schema.js';
