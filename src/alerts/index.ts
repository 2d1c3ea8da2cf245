/**
 * Detection shared by detect and guard: the rule pack with its configuration, the alert model, and the
 * runtime that turns Sigma engine results into deduplicated alerts.
 */
export * from './config.js';
export * from './derived.js';
export * from './model.js';
export * from './pack.js';
export * from './placeholders.js';
export * from './runtime.js';
export * from './tracker.js';
