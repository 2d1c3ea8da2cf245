import { Pool } from 'undici';
import type { Blocklist } from './blocklist.js';
import type { SigmaEventFields } from './event.js';
import type { GuardMetrics } from './metrics.js';
import type { GuardPolicyConfig } from './options.js';
import type { RateLimiter } from './rate-limit.js';

/** An alert from live detection: which rule fired, and against which source address. */
export interface LiveAlert {
  rule: string;
  title: string;
  level?: string | undefined;
  /** The client address the alert is about (a correlation's group-by `c-ip`, or the event's). */
  source?: string | undefined;
}

/**
 * What the guard feeds every request to (SAFE-M-11). The Sigma engine (src/sigma) with the SAFE-T1604
 * rule pack is the real one; anything that turns webserver events into alerts fits.
 */
export interface LiveDetector {
  observe(event: SigmaEventFields): readonly LiveAlert[];
}

type DetectConfig = NonNullable<GuardPolicyConfig['detect']>;

/** Same source and rule alerted again within this time: acted on, but not re-announced. */
const REPEAT_MS = 60_000;

/**
 * Acts on alerts: `log` writes one JSON line, `alert` POSTs it to the webhook, `block` puts the source
 * on the blocklist for `blockFor`, `ratelimit` slows it down for `limitFor`. Webhook calls run in the
 * background, at most 16 at a time; the rest are dropped and counted.
 */
export class DetectionActions {
  private webhook: { pool: Pool; path: string; origin: string } | undefined;
  private inflight = 0;
  private readonly recent = new Map<string, number>();
  droppedAlerts = 0;

  constructor(
    private config: DetectConfig,
    private readonly blocklist: Blocklist,
    private readonly limiter: RateLimiter,
    private readonly metrics: GuardMetrics,
    private readonly log: (line: string) => void,
  ) {
    this.webhook = this.openWebhook(config.webhook);
  }

  private openWebhook(url: string | undefined) {
    if (!url) return undefined;
    const u = new URL(url);
    return { pool: new Pool(u.origin, { connections: 4 }), path: u.pathname + u.search, origin: u.origin };
  }

  reconfigure(config: DetectConfig): void {
    if (config.webhook !== this.config.webhook) {
      void this.webhook?.pool.close();
      this.webhook = this.openWebhook(config.webhook);
    }
    this.config = config;
  }

  handle(alerts: readonly LiveAlert[], event: SigmaEventFields): void {
    const now = Date.now();
    for (const a of alerts) {
      const source = a.source ?? event['c-ip'];
      const key = `${source}\u0000${a.rule}`;
      const last = this.recent.get(key);
      const repeat = last !== undefined && now - last < REPEAT_MS;
      if (!repeat) {
        this.recent.set(key, now);
        if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value!);
      }
      const actions = this.config.actions;
      if (actions.includes('block')) {
        this.blocklist.add(source, this.config.blockFor, a.title);
        this.metrics.detection('block');
      }
      if (actions.includes('ratelimit')) {
        this.limiter.limit(source, this.config.rateLimit, now + this.config.limitFor);
        this.metrics.detection('ratelimit');
      }
      if (repeat) continue;
      const record = {
        '@timestamp': new Date(now).toISOString(),
        type: 'mcpward.alert',
        rule: a.rule,
        title: a.title,
        ...(a.level ? { level: a.level } : {}),
        source,
        actions,
        request: {
          method: event['cs-method'],
          uri: event['cs-uri-query'],
          status: event['sc-status'],
          'user-agent': event['cs-user-agent'],
        },
      };
      const line = JSON.stringify(record);
      if (actions.includes('log')) {
        this.log(line);
        this.metrics.detection('log');
      }
      if (actions.includes('alert') && this.webhook) this.post(line);
    }
  }

  private post(body: string): void {
    const hook = this.webhook!;
    if (this.inflight >= 16) {
      this.droppedAlerts++;
      return;
    }
    this.inflight++;
    this.metrics.detection('alert');
    hook.pool
      .request({
        path: hook.path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      })
      .then((r) => r.body.dump())
      .catch(() => {
        this.droppedAlerts++;
      })
      .finally(() => {
        this.inflight--;
      });
  }

  async close(): Promise<void> {
    await this.webhook?.pool.close();
  }
}
