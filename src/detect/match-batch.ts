/**
 * The hand-over between the stateless half of detection (parse + match, run inline or in worker
 * threads) and the stateful half (correlations + alerts, AlertRuntime, always on the main thread, in log
 * order). Only events that matched a rule cross, as a compact batch: the fields the runtime reads, the
 * matched rule indices, and the times it needs to move its clock exactly as if it had seen every line.
 * Both paths build and apply the same batches, so they give the same alerts by construction.
 */
import { addDerivedFields } from '../alerts/derived.js';
import type { Alert } from '../alerts/model.js';
import type { RulePack } from '../alerts/pack.js';
import type { AlertRuntime } from '../alerts/runtime.js';
import type { CompiledRule, SigmaEngine } from '../sigma/index.js';
import { type LinePrefilter, PREFILTER_FORMATS } from './prefilter.js';

export interface MatchBatch {
  /** Matching events in this batch. */
  n: number;
  /** n × fields.length values, row by row. */
  values: unknown[];
  /** Matched rule indices of every event, concatenated; `ruleEnd[i]` ends event i's. */
  ruleIdx: number[];
  ruleEnd: number[];
  /** Each event's own time (NaN when the line has none). */
  times: number[];
  /** Time of the last line before it in this batch that had one (NaN: none in this batch). */
  lastTimes: number[];
  /** Newest time of the batch's lines up to and including it (−∞: none yet). */
  watermarks: number[];
  /** Over every line of the batch, matching or not. */
  maxTime: number;
  lastTime: number;
  /** Lines the batch covered (parsed events). */
  events: number;
}

/**
 * Stage one: events → MatchBatch. One per thread (the engine keeps per-event scratch space). With a
 * prefilter (see prefilter.ts), lines of a format it is exact for that hold none of the rules' literals
 * skip the rules; their time still counts.
 */
export class Matcher {
  private batch!: MatchBatch;
  private readonly engine: SigmaEngine;
  private readonly derived: boolean;
  private active: LinePrefilter | undefined;
  /** Lines the prefilter let skip the rules (for diagnostics). */
  prefiltered = 0;

  constructor(
    pack: RulePack,
    private readonly fields: readonly string[],
    private readonly prefilter?: LinePrefilter,
  ) {
    this.engine = pack.engine;
    this.derived = pack.derivedInDetection;
    this.reset();
  }

  /** The format of the events that follow (the prefilter applies to some formats only). */
  setFormat(name: string): void {
    this.active = this.prefilters(name) ? this.prefilter : undefined;
  }

  /** Whether lines of this format are prefiltered. */
  prefilters(format: string): boolean {
    return this.prefilter !== undefined && PREFILTER_FORMATS.has(format);
  }

  /**
   * A line the prefilter ruled out, known only by its time (epoch ms, NaN for none): exactly what
   * add() does with such a line's event.
   */
  time(t: number): void {
    const b = this.batch;
    b.events++;
    this.prefiltered++;
    if (!Number.isNaN(t)) {
      b.lastTime = t;
      if (t > b.maxTime) b.maxTime = t;
    }
  }

  private reset(): void {
    this.batch = {
      n: 0,
      values: [],
      ruleIdx: [],
      ruleEnd: [],
      times: [],
      lastTimes: [],
      watermarks: [],
      maxTime: Number.NEGATIVE_INFINITY,
      lastTime: Number.NaN,
      events: 0,
    };
  }

  /** Matches one event (events in log order). `candidate`: the caller's prefilter already let it through. */
  add(ev: Readonly<Record<string, unknown>>, candidate = false): void {
    const b = this.batch;
    b.events++;
    const lastBefore = b.lastTime;
    const time = ev['_time'];
    const t = typeof time === 'number' && Number.isFinite(time) ? time : Number.NaN;
    if (!Number.isNaN(t)) {
      b.lastTime = t;
      if (t > b.maxTime) b.maxTime = t;
    }
    const pf = this.active;
    if (pf !== undefined && !candidate && !pf(ev['_raw'] as string)) {
      this.prefiltered++;
      return;
    }
    if (this.derived) addDerivedFields(ev as Record<string, unknown>);
    const matches = this.engine.match(ev);
    if (matches.length === 0) return;
    for (let i = 0; i < this.fields.length; i++) b.values.push(ev[this.fields[i]!]);
    for (let i = 0; i < matches.length; i++) b.ruleIdx.push(matches[i]!.index);
    b.ruleEnd.push(b.ruleIdx.length);
    b.times.push(t);
    b.lastTimes.push(lastBefore);
    b.watermarks.push(b.maxTime);
    b.n++;
  }

  /** The batch so far; the matcher starts a new one. */
  take(): MatchBatch {
    const b = this.batch;
    this.reset();
    return b;
  }
}

/**
 * Stage two: feeds a batch to the runtime in order. `lineBase` is added to `_line` (a worker numbers the
 * lines of its chunk from 1); `source`, when given, is every event's `_source` (workers do not send it).
 */
export function applyBatch(
  rt: AlertRuntime,
  fields: readonly string[],
  b: MatchBatch,
  lineBase: number,
  out: Alert[],
  source?: string,
): void {
  const rules: readonly CompiledRule[] = rt.pack.engine.rules;
  const F = fields.length;
  const lineAt = fields.indexOf('_line');
  let r = 0;
  for (let i = 0; i < b.n; i++) {
    const ev: Record<string, unknown> = {};
    for (let k = 0; k < F; k++) ev[fields[k]!] = b.values[i * F + k];
    if (source !== undefined) ev['_source'] = source;
    if (lineBase && lineAt !== -1 && typeof ev['_line'] === 'number') ev['_line'] = ev['_line'] + lineBase;
    const end = b.ruleEnd[i]!;
    const matches: CompiledRule[] = [];
    for (; r < end; r++) matches.push(rules[b.ruleIdx[r]!]!);
    rt.process(ev, b.times[i]!, b.lastTimes[i]!, b.watermarks[i]!, matches, out);
  }
  rt.progress(b.maxTime, b.lastTime, out);
}
