/**
 * mcpward as a library. The capabilities have their own entry points too: `mcpward/scan`,
 * `mcpward/sigma`, `mcpward/logs`, `mcpward/intel`, `mcpward/lab`, `mcpward/disclosure`, `mcpward/guard`,
 * `mcpward/detect`, `mcpward/alerts`.
 */
export {
  type Alert,
  AlertRuntime,
  type DetectConfig,
  loadRulePack,
  parseDetectConfig,
  type RulePack,
} from './alerts/index.js';
export { detectBatch, detectFollow } from './detect/index.js';
export { defaultKnowledgeBase, type KnowledgeBase, loadKnowledgeBase } from './disclosure/index.js';
export { advisoryEnricher, loadAdvisoryDb, matchProduct } from './intel/index.js';
export type {
  AdvisoryRef,
  Evidence,
  Finding,
  ProductFingerprint,
  Severity,
  TargetResult,
} from './report/model.js';
export { expandTarget, type ScanOptions, type ScanTarget, scan, scanTargets } from './scan/index.js';
export { UserError } from './util/errors.js';
