/** `mcpward detect`: access logs → Sigma rule pack → alerts. See src/detect/README.md. */
export { type BatchOptions, type BatchResult, detectBatch, orderInputs } from './batch.js';
export { detectFollow, type Following, type FollowOptions } from './follow.js';
export { applyBatch, type MatchBatch, Matcher } from './match-batch.js';
export { summaryLines } from './summary.js';
