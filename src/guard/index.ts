/**
 * mcpward guard: a hardening reverse proxy and middleware for MCP servers (`mcpward/guard`).
 * See src/guard/README.md.
 */
export { type Answer, errorAnswer, genericError } from './answers.js';
export { AuditLog, formatCombinedRecord, formatJsonRecord } from './audit.js';
export { Blocklist } from './blocklist.js';
export { type ConfigOverrides, loadGuardConfig } from './config-file.js';
export { GuardCore, type GuardServices, type ResponsePlan } from './core.js';
export { DetectionActions, type LiveAlert, type LiveDetector } from './detect.js';
export { redactTarget, type SigmaEventFields, sigmaEvent } from './event.js';
export { Exchange, type RequestHead } from './exchange.js';
export { GuardMetrics } from './metrics.js';
export { type GuardMiddleware, type GuardMiddlewareOptions, mcpwardGuard } from './middleware.js';
export type { HonoContextLike } from './middleware-hono.js';
export {
  type GuardConfig,
  type GuardConfigInput,
  type GuardPolicyConfig,
  type GuardPolicyInput,
  guardConfigSchema,
  guardPolicySchema,
} from './options.js';
export { type CompiledPolicy, compilePolicy } from './policy.js';
export { type RunningGuard, type StartGuardOptions, startGuard } from './server.js';
export { loadSessionKey, sessionKeyPath } from './session-key.js';
export { SessionTokens, TOKEN_LENGTH, type TokenKind } from './session-tokens.js';
