export { type Analysis, analyze } from './analyze/index.js';
export type { Observation } from './observation.js';
export { DEFAULT_USER_AGENT, defaultScanOptions, type ScanOptions, scan, scanTargets } from './scanner.js';
export { dedupe, expandTarget, parseTargetLines, type ScanTarget } from './targets.js';
