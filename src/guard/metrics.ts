import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type RewriteKind =
  | 'headers'
  | 'serverinfo'
  | 'error'
  | 'endpoint'
  | 'sse-endpoint'
  | 'session-id'
  | 'ui';
export type BlockReason = 'client' | 'blocklist' | 'ratelimit' | 'host' | 'origin' | 'detect';

/**
 * The guard's own Prometheus metrics, in a registry of its own (nothing global, so two guards in
 * one process do not collide). Children are bound once so the hot path only increments.
 */
export class GuardMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'action'>;
  private readonly rewrites: Counter<'kind'>;
  private readonly blocks: Counter<'reason'>;
  private readonly upstreamErrors: Counter<'kind'>;
  private readonly alerts: Counter<'action'>;
  private readonly duration: Histogram;
  readonly openStreams: Gauge;
  private readonly bound = {
    allowed: undefined as unknown as ReturnType<Counter<'action'>['labels']>,
    rewritten: undefined as unknown as ReturnType<Counter<'action'>['labels']>,
    blocked: undefined as unknown as ReturnType<Counter<'action'>['labels']>,
  };

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'mcpward_guard_requests_total',
      help: 'Requests handled, by what the guard did (allowed, rewritten, blocked).',
      labelNames: ['action'],
      registers,
    });
    this.rewrites = new Counter({
      name: 'mcpward_guard_rewrites_total',
      help: 'Responses changed, by what was changed.',
      labelNames: ['kind'],
      registers,
    });
    this.blocks = new Counter({
      name: 'mcpward_guard_blocks_total',
      help: 'Requests refused, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: 'mcpward_guard_upstream_errors_total',
      help: 'Upstream failures: connect (no answer) or stream (broken mid-response).',
      labelNames: ['kind'],
      registers,
    });
    this.alerts = new Counter({
      name: 'mcpward_guard_detections_total',
      help: 'Live detections, by action taken.',
      labelNames: ['action'],
      registers,
    });
    this.duration = new Histogram({
      name: 'mcpward_guard_request_duration_seconds',
      help: 'Time from request to the end of the response (SSE streams excluded).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.openStreams = new Gauge({
      name: 'mcpward_guard_open_streams',
      help: 'SSE streams open through the guard.',
      registers,
    });
    this.bound.allowed = this.requests.labels('allowed');
    this.bound.rewritten = this.requests.labels('rewritten');
    this.bound.blocked = this.requests.labels('blocked');
  }

  request(action: 'allowed' | 'rewritten' | 'blocked', seconds: number | undefined): void {
    this.bound[action].inc();
    if (seconds !== undefined) this.duration.observe(seconds);
  }

  rewrite(kind: RewriteKind): void {
    this.rewrites.labels(kind).inc();
  }

  block(reason: BlockReason): void {
    this.blocks.labels(reason).inc();
  }

  upstreamError(kind: 'connect' | 'stream'): void {
    this.upstreamErrors.labels(kind).inc();
  }

  detection(action: string): void {
    this.alerts.labels(action).inc();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
