/**
 * The stateful half of detection: correlation windows and alert tracking, fed with events that already
 * matched at least one rule. detect runs `match()` (the stateless half) inline or in worker threads
 * and feeds the matches here in log order; guard calls `observe()` per request.
 *
 * Event time: an event's `_time`, else the last time seen before it (else the start time). The
 * watermark (newest time seen, across every line, matching or not) is passed with each event, so
 * windows close exactly as if every line had been fed.
 */
import type { CompiledRule, CorrelationHit, SigmaEvent } from '../sigma/index.js';
import { addDerivedFields, DERIVED_FIELDS } from './derived.js';
import type { Alert } from './model.js';
import type { RulePack } from './pack.js';
import { AlertTracker, type TrackerOptions } from './tracker.js';

/** Fields the tracker reads from every matching event (`_raw` and `_source` may come separately). */
const ALERT_FIELDS = [
  'c-ip',
  'cs-uri-query',
  'cs-uri-stem',
  'cs-user-agent',
  'sc-status',
  '_line',
  '_offset',
];

export interface RuntimeSnapshot {
  readonly version: 1;
  readonly engine: unknown;
  readonly tracker: unknown;
  readonly maxTime: number | null;
  readonly lastTime: number | null;
}

export class AlertRuntime {
  readonly tracker: AlertTracker;
  /** Newest event time seen (−∞ before any). */
  maxTime = Number.NEGATIVE_INFINITY;
  /** Time of the last event that had one (NaN before any). */
  lastTime = Number.NaN;
  /** Time for events when no line so far had one. */
  readonly startTime: number;
  /** Per rule: a correlation it feeds groups or counts by a derived field (c-net). */
  private readonly derivedFor: boolean[];

  constructor(
    readonly pack: RulePack,
    opts: TrackerOptions & { startTime?: number } = {},
  ) {
    this.tracker = new AlertTracker(pack.engine, {
      windowMs: pack.config.alerts.window,
      maxSamples: pack.config.alerts.samples,
      maxUris: pack.config.alerts.uris,
      ...opts,
    });
    this.startTime = opts.startTime ?? Date.now();
    const derived = new Set(DERIVED_FIELDS);
    const refs = new Set<string>();
    for (const c of pack.engine.correlations) {
      const names = [...c.groupBy, ...(c.condition.field ?? [])];
      for (const m of c.correlation.aliases.values()) names.push(...m.values());
      if (names.some((n) => derived.has(n))) for (const r of c.rules) refs.add(r.toLowerCase());
    }
    this.derivedFor = pack.engine.rules.map(
      (r) => refs.has(r.id?.toLowerCase() ?? '\0') || refs.has(r.name?.toLowerCase() ?? '\0'),
    );
  }

  /**
   * The event fields this runtime reads: what a worker must send back for a matching event. Correlation
   * group-by and value fields (and alias targets) plus what alerts show; derived fields are recomputed.
   */
  static fieldsFor(pack: RulePack, opts: { raw?: boolean; source?: boolean } = {}): string[] {
    const out = new Set(ALERT_FIELDS);
    if (opts.raw !== false) out.add('_raw');
    if (opts.source !== false) out.add('_source');
    for (const c of pack.engine.correlations) {
      for (const g of c.groupBy) out.add(g);
      for (const f of c.condition.field ?? []) out.add(f);
      for (const m of c.correlation.aliases.values()) for (const f of m.values()) out.add(f);
    }
    for (const d of DERIVED_FIELDS) out.delete(d);
    return [...out];
  }

  /**
   * One matching event, in log order. `time` is its own time (NaN if none), `lastTime` the time of the
   * last line before it that had one (NaN if unknown here: the runtime's own is used), `watermark` the
   * newest time of every line up to and including it (−∞ if unknown here).
   */
  process(
    ev: Record<string, unknown>,
    time: number,
    lastTime: number,
    watermark: number,
    matches: readonly CompiledRule[],
    out: Alert[],
  ): void {
    const t = Number.isFinite(time)
      ? time
      : Number.isFinite(lastTime)
        ? lastTime
        : Number.isFinite(this.lastTime)
          ? this.lastTime
          : this.startTime;
    this.moveTo(watermark, out);
    for (let i = 0; i < matches.length; i++)
      if (this.derivedFor[matches[i]!.index]) {
        addDerivedFields(ev);
        break;
      }
    const hits = this.pack.engine.correlate(ev, t, matches);
    if (t > this.maxTime) this.maxTime = t;
    if (Number.isFinite(time)) this.lastTime = time;
    this.tracker.observe(ev, t, matches, hits, out);
  }

  /** Lines without matches moved time on: newest time `maxTime`, last time `lastTime` (NaN: unchanged). */
  progress(maxTime: number, lastTime: number, out: Alert[]): void {
    if (Number.isFinite(lastTime)) this.lastTime = lastTime;
    this.moveTo(maxTime, out);
  }

  /** End of input: closes every window. */
  finish(out: Alert[]): void {
    const hits = this.pack.engine.flush();
    this.tracker.hits(hits, out);
    this.tracker.flush(out);
  }

  /**
   * Live use (guard): one request event, its time `now` (ms). Matches the rules and returns the alerts
   * that opened or closed (per the tracker's `emit`).
   */
  observe(event: SigmaEvent, now: number = Date.now()): Alert[] {
    const out: Alert[] = [];
    const ev: Record<string, unknown> = { ...event };
    if (this.pack.derivedInDetection) addDerivedFields(ev);
    const matches = this.pack.engine.match(ev);
    if (matches.length === 0) {
      this.progress(now, now, out);
      return out;
    }
    this.lastTime = now;
    this.process(ev, now, now, now, matches, out);
    return out;
  }

  private moveTo(wm: number, out: Alert[]): void {
    if (!(wm > this.maxTime)) return;
    this.maxTime = wm;
    const hits: readonly CorrelationHit[] = this.pack.engine.advance(wm);
    this.tracker.hits(hits, out);
    this.tracker.advance(wm, out);
  }

  snapshot(): RuntimeSnapshot {
    return {
      version: 1,
      engine: this.pack.engine.snapshot(),
      tracker: this.tracker.snapshot(),
      maxTime: Number.isFinite(this.maxTime) ? this.maxTime : null,
      lastTime: Number.isFinite(this.lastTime) ? this.lastTime : null,
    };
  }

  /** Restores snapshot() state (a freshly loaded pack). */
  restore(state: unknown): void {
    const s = state as Partial<RuntimeSnapshot> | null;
    if (s?.version !== 1) return;
    if (s.engine) this.pack.engine.restore(s.engine);
    if (s.tracker) this.tracker.restore(s.tracker);
    if (typeof s.maxTime === 'number') this.maxTime = s.maxTime;
    if (typeof s.lastTime === 'number') this.lastTime = s.lastTime;
  }
}
