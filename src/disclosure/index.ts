export * from './load.js';
export * from './match.js';
export * from './schema.js';
