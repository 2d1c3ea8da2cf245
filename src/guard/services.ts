import { AuditLog } from './audit.js';
import { Blocklist } from './blocklist.js';
import type { GuardServices } from './core.js';
import { DetectionActions, type LiveDetector } from './detect.js';
import { GuardMetrics } from './metrics.js';
import { type GuardPolicyConfig, guardPolicySchema } from './options.js';
import { RateLimiter } from './rate-limit.js';
import { loadSessionKey, sessionKeyPath } from './session-key.js';
import { SessionTokens } from './session-tokens.js';

export interface ServiceOptions {
  /** Live detector; without one, `detect` settings only configure what happens on alerts. */
  detector?: LiveDetector | undefined;
  /** Where alerts (the `log` action) and operational notes go; default stderr. */
  log?: ((line: string) => void) | undefined;
}

/** The long-lived parts of a guard (they survive reloads). */
export function createServices(config: GuardPolicyConfig, opts: ServiceOptions = {}): GuardServices {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const metrics = new GuardMetrics();
  const limiter = new RateLimiter(config.rateLimit);
  const blocklist = new Blocklist(config.blocklist);
  const audit = config.audit ? new AuditLog(config.audit.path, config.audit.format) : undefined;
  // A detector without `detect` settings logs its alerts and does nothing else.
  const detect =
    config.detect ?? (opts.detector ? guardPolicySchema.parse({ detect: {} }).detect : undefined);
  const actions = detect ? new DetectionActions(detect, blocklist, limiter, metrics, log) : undefined;
  return {
    metrics,
    limiter,
    blocklist,
    // With a blocklist file, the token key lives beside it so tokens survive restarts.
    tokens: new SessionTokens(
      config.blocklist ? loadSessionKey(sessionKeyPath(config.blocklist)) : undefined,
    ),
    audit,
    detector: opts.detector,
    actions,
    log,
  };
}

/** Flushes and closes what the services hold open. */
export async function closeServices(s: GuardServices): Promise<void> {
  await Promise.all([s.audit?.close(), s.actions?.close()]);
}
