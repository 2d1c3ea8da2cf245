/**
 * The Sigma engine: parse → compile → evaluate, plus correlations. Shared by detect and guard.
 * See src/sigma/README.md.
 */
export type { ConditionNode } from './condition.js';
export type { CompiledCorrelation, CorrelationHit } from './correlation/types.js';
export {
  type CompiledRule,
  type CompileOptions,
  compileCollection,
  type EngineSnapshot,
  type EngineStats,
  SigmaEngine,
} from './engine.js';
export { lintCollection, lintDocument } from './lint.js';
export {
  buildCollection,
  loadSigmaFiles,
  mergeCollections,
  resolveRuleFiles,
  subsetCollection,
} from './load.js';
export { KNOWN_MODIFIERS } from './modifiers.js';
export { parseSigmaDocuments } from './parse.js';
export { CORRELATION_TYPES, LEVELS, STATUSES } from './schema.js';
export type {
  CorrelationCondition,
  CorrelationType,
  Detection,
  DetectionItem,
  SearchDef,
  SigmaCollection,
  SigmaCorrelation,
  SigmaDocument,
  SigmaEvent,
  SigmaFilter,
  SigmaLevel,
  SigmaLogsource,
  SigmaRule,
  SigmaSource,
  SigmaStatus,
  SigmaWarning,
  ValueSpec,
} from './types.js';
export { ruleToJSON, type ValidationResult, validateRuleFile, validateRuleFiles } from './validate.js';
