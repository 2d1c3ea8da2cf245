/**
 * Windows of one correlation rule, per group-by key, in event time.
 *
 * Two window modes (see src/sigma/README.md):
 * - sliding: event_count and value_count whose condition is a floor (gt/gte, threshold ≤
 *   MAX_SLIDING), temporal and temporal_ordered. Fires on the event that completes the condition
 *   within any interval shorter than the timespan, then stays quiet for that group for one timespan.
 * - anchored: everything else (upper bounds, value_sum, value_avg, value_percentile). A window opens at
 *   a group's first event and closes one timespan later; it is judged when it closes (or at once for
 *   value_sum floors, which only grow).
 *
 * State is struct-of-arrays indexed by a slot per live group, so a group with one event costs a map
 * entry, its key and a few numbers. Slots sit in a list ordered by their deadline; advancing the
 * watermark (the newest event time seen) closes and evicts from the head.
 */
import type { SigmaEvent } from '../types.js';
import type { CompiledCorrelation, CorrelationHit } from './types.js';
import { countThreshold, distinctCap, lowerBoundOnly, percentile, satisfies } from './window.js';

/** Largest floor an exact sliding event_count/value_count keeps timestamps for. */
export const MAX_SLIDING = 1024;
/** Values a value_percentile window keeps (reservoir-sampled beyond). */
export const MAX_PERCENTILE_VALUES = 10_000;

export type Mode = 'sliding' | 'anchored';

export function modeOf(c: Pick<CompiledCorrelation, 'type' | 'condition'>): Mode {
  if (c.type === 'temporal_ordered') return 'sliding';
  if (!lowerBoundOnly(c.condition)) return 'anchored';
  if (c.type === 'temporal') return 'sliding';
  if ((c.type === 'event_count' || c.type === 'value_count') && countThreshold(c.condition) <= MAX_SLIDING)
    return 'sliding';
  return 'anchored';
}

export interface GroupSnapshot {
  readonly k: string;
  readonly a: number;
  readonly b: number | null;
  readonly n: number;
  readonly m: number | null;
  readonly x?: unknown;
}

export interface RuntimeSnapshot {
  readonly sig: string;
  readonly groups: readonly GroupSnapshot[];
}

export class CorrelationRuntime {
  readonly mode: Mode;
  private readonly span: number;
  private readonly R: number;
  private readonly threshold: number;
  private readonly cap: number;
  private readonly index = new Map<string, number>();
  private keys: (string | undefined)[] = [];
  /** sliding: last event time; anchored: window start. */
  private a = new Float64Array(16);
  /** sliding: muted until; anchored: 1 once fired. */
  private b = new Float64Array(16);
  /** count, or sum for value_sum/value_avg. */
  private n = new Float64Array(16);
  /** sliding single-event groups: that event's time; value_avg: event count. */
  private m = new Float64Array(16);
  private prev = new Int32Array(16);
  private next = new Int32Array(16);
  private extra: unknown[] = [];
  /** temporal: last time each rule was seen; temporal_ordered: latest chain start per step. */
  private slab: Float64Array;
  /** temporal_ordered: event sequence that set each step (one event may not fill two steps). */
  private slabSeq: Float64Array;
  private free: number[] = [];
  private head = -1;
  private tail = -1;
  private used = 0;
  late = 0;
  dropped = 0;

  constructor(
    readonly meta: CompiledCorrelation,
    private readonly maxGroups: number,
  ) {
    this.mode = meta.mode;
    this.span = meta.timespanMs;
    this.R = meta.rules.length;
    this.threshold = countThreshold(meta.condition);
    this.cap =
      meta.type === 'value_count'
        ? this.mode === 'sliding'
          ? this.threshold
          : distinctCap(meta.condition)
        : 0;
    const temporal = meta.type === 'temporal' || meta.type === 'temporal_ordered';
    this.slab = new Float64Array(temporal ? 16 * this.R : 0);
    this.slabSeq = new Float64Array(meta.type === 'temporal_ordered' ? 16 * this.R : 0);
  }

  get size(): number {
    return this.index.size;
  }

  /** Signature used to match snapshot state to this rule after a restart. */
  get signature(): string {
    const m = this.meta;
    return JSON.stringify([m.id ?? m.name ?? m.title, m.type, m.timespanMs, m.groupBy, m.rules, m.condition]);
  }

  private grow(): void {
    const size = this.a.length * 2;
    const g = (x: Float64Array) => {
      const y = new Float64Array(size);
      y.set(x);
      return y;
    };
    const gi = (x: Int32Array) => {
      const y = new Int32Array(size);
      y.set(x);
      return y;
    };
    this.a = g(this.a);
    this.b = g(this.b);
    this.n = g(this.n);
    this.m = g(this.m);
    this.prev = gi(this.prev);
    this.next = gi(this.next);
    if (this.slab.length) {
      const s = new Float64Array(size * this.R);
      s.set(this.slab);
      this.slab = s;
    }
    if (this.slabSeq.length) {
      const s = new Float64Array(size * this.R);
      s.set(this.slabSeq);
      this.slabSeq = s;
    }
  }

  private alloc(key: string, ts: number, out: CorrelationHit[]): number {
    if (this.index.size >= this.maxGroups && this.head >= 0) {
      // Over the group budget: close the group whose deadline is nearest, as if its time had come.
      this.dropped++;
      this.expire(this.head, out);
    }
    let s = this.free.pop();
    if (s === undefined) {
      s = this.used++;
      if (s >= this.a.length) this.grow();
    }
    this.index.set(key, s);
    this.keys[s] = key;
    this.a[s] = ts;
    this.b[s] = this.mode === 'sliding' ? Number.NEGATIVE_INFINITY : 0;
    this.n[s] = 0;
    this.m[s] = Number.NaN;
    this.extra[s] = undefined;
    if (this.slab.length) this.slab.fill(Number.NaN, s * this.R, (s + 1) * this.R);
    if (this.slabSeq.length) this.slabSeq.fill(-1, s * this.R, (s + 1) * this.R);
    this.append(s);
    return s;
  }

  private append(s: number): void {
    this.prev[s] = this.tail;
    this.next[s] = -1;
    if (this.tail >= 0) this.next[this.tail] = s;
    else this.head = s;
    this.tail = s;
  }

  private unlink(s: number): void {
    const p = this.prev[s]!;
    const nx = this.next[s]!;
    if (p >= 0) this.next[p] = nx;
    else this.head = nx;
    if (nx >= 0) this.prev[nx] = p;
    else this.tail = p;
  }

  private release(s: number): void {
    this.unlink(s);
    this.index.delete(this.keys[s]!);
    this.keys[s] = undefined;
    this.extra[s] = undefined;
    this.free.push(s);
  }

  private deadline(s: number): number {
    return this.a[s]! + this.span;
  }

  /** Closes windows and evicts groups whose deadline has passed. */
  advance(watermark: number, out: CorrelationHit[]): void {
    while (this.head >= 0 && this.deadline(this.head) <= watermark) this.expire(this.head, out);
  }

  /** End of input: judges every open anchored window. */
  flush(out: CorrelationHit[]): void {
    while (this.head >= 0) this.expire(this.head, out);
  }

  private expire(s: number, out: CorrelationHit[]): void {
    if (this.mode === 'anchored' && this.b[s] === 0) {
      const v = this.closingValue(s);
      if (v !== undefined && satisfies(this.meta.condition, v)) {
        out.push(this.hit(s, this.deadline(s), v, undefined));
      }
    }
    this.release(s);
  }

  private closingValue(s: number): number | undefined {
    switch (this.meta.type) {
      case 'event_count':
        return this.n[s];
      case 'value_count':
        return (this.extra[s] as Set<string> | undefined)?.size ?? 0;
      case 'value_sum':
        return this.n[s];
      case 'value_avg':
        return this.m[s]! > 0 ? this.n[s]! / this.m[s]! : undefined;
      case 'value_percentile': {
        const vals = (this.extra[s] as { v: number[] } | undefined)?.v;
        return vals?.length ? percentile(vals, this.meta.condition.percentile ?? 50) : undefined;
      }
      case 'temporal': {
        let k = 0;
        for (let i = 0; i < this.R; i++) if (!Number.isNaN(this.slab[s * this.R + i]!)) k++;
        return k;
      }
      default:
        return undefined;
    }
  }

  private hit(
    s: number,
    ts: number,
    value: number,
    event: SigmaEvent | undefined,
    rules?: string[],
  ): CorrelationHit {
    const key = this.keys[s]!;
    const parts = this.meta.groupBy.length ? key.split('\x1f') : [];
    const group: Record<string, string> = Object.fromEntries(
      this.meta.groupBy.map((g, i) => [g, parts[i] ?? '']),
    );
    const start = this.a[s]!;
    return {
      correlation: this.meta,
      group,
      groupKey: key,
      timestamp: ts,
      windowStart: this.mode === 'anchored' ? start : ts - this.span,
      windowEnd: this.mode === 'anchored' ? start + this.span : ts,
      value,
      rules: rules ?? [],
      event,
      standalone: this.meta.standalone,
    };
  }

  /**
   * One matching event (or lower-level correlation hit) for input rule `input`.
   * `value` is the value_* field (string for value_count, number otherwise).
   */
  add(
    ts: number,
    input: number,
    key: string,
    value: string | number | undefined,
    event: SigmaEvent | undefined,
    seq: number,
    out: CorrelationHit[],
  ): void {
    let s = this.index.get(key);
    if (s !== undefined && this.mode === 'anchored' && ts >= this.a[s]! + this.span) {
      // The group's window ended but has not been reached in the deadline list yet (out-of-order start).
      this.expire(s, out);
      s = undefined;
    }
    if (s === undefined) s = this.alloc(key, ts, out);
    if (this.mode === 'anchored') {
      this.addAnchored(s, ts, input, value, event, out);
      return;
    }
    // Sliding: keep the list ordered by last activity.
    if (ts > this.a[s]!) this.a[s] = ts;
    if (this.tail !== s) {
      this.unlink(s);
      this.append(s);
    }
    switch (this.meta.type) {
      case 'event_count':
        this.addCount(s, ts, event, out);
        break;
      case 'value_count':
        this.addDistinct(s, ts, value as string, event, out);
        break;
      case 'temporal':
        this.addTemporal(s, ts, input, event, out);
        break;
      case 'temporal_ordered':
        this.addOrdered(s, ts, input, event, seq, out);
        break;
    }
  }

  private fire(
    s: number,
    ts: number,
    value: number,
    event: SigmaEvent | undefined,
    out: CorrelationHit[],
    rules?: string[],
  ): void {
    if (ts < this.b[s]!) return;
    this.b[s] = ts + this.span;
    out.push(this.hit(s, ts, value, event, rules));
  }

  private addCount(s: number, ts: number, event: SigmaEvent | undefined, out: CorrelationHit[]): void {
    const N = this.threshold;
    let times = this.extra[s] as number[] | undefined;
    if (!times) {
      if (Number.isNaN(this.m[s]!)) {
        this.m[s] = ts;
        if (N === 1) this.fire(s, ts, 1, event, out);
        return;
      }
      times = [this.m[s]!];
      this.extra[s] = times;
    }
    insertSorted(times, ts);
    if (times.length > N) times.shift();
    if (times.length === N && times[N - 1]! - times[0]! < this.span) this.fire(s, ts, N, event, out);
  }

  private addDistinct(
    s: number,
    ts: number,
    value: string,
    event: SigmaEvent | undefined,
    out: CorrelationHit[],
  ): void {
    const N = this.threshold;
    const cur = this.extra[s] as Map<string, number> | string | undefined;
    let seen: Map<string, number>;
    if (cur === undefined || cur === value) {
      // One distinct value so far: kept inline (value in extra, time in m), no Map per group.
      this.extra[s] = value;
      this.m[s] = ts;
      if (N === 1) this.fire(s, ts, 1, event, out);
      return;
    }
    if (typeof cur === 'string') {
      seen = new Map([[cur, this.m[s]!]]);
      this.extra[s] = seen;
    } else seen = cur;
    // Most recently seen values last; only the newest N matter for "N distinct within the span".
    seen.delete(value);
    seen.set(value, ts);
    if (seen.size > N) seen.delete(seen.keys().next().value!);
    if (seen.size === N) {
      const oldest = seen.values().next().value!;
      if (ts - oldest < this.span) this.fire(s, ts, N, event, out);
    }
  }

  private addTemporal(
    s: number,
    ts: number,
    input: number,
    event: SigmaEvent | undefined,
    out: CorrelationHit[],
  ): void {
    const base = s * this.R;
    const prev = this.slab[base + input]!;
    if (Number.isNaN(prev) || ts > prev) this.slab[base + input] = ts;
    const rules: string[] = [];
    for (let i = 0; i < this.R; i++) {
      const t = this.slab[base + i]!;
      if (!Number.isNaN(t) && ts - t < this.span && t - ts < this.span) rules.push(this.meta.rules[i]!);
    }
    if (satisfies(this.meta.condition, rules.length)) this.fire(s, ts, rules.length, event, out, rules);
  }

  private addOrdered(
    s: number,
    ts: number,
    input: number,
    event: SigmaEvent | undefined,
    seq: number,
    out: CorrelationHit[],
  ): void {
    const base = s * this.R;
    const slab = this.slab;
    let start: number;
    if (input === 0) start = ts;
    else {
      const p = slab[base + input - 1]!;
      // The previous step must be filled by an earlier event, and the chain must still fit the span.
      if (Number.isNaN(p) || this.slabSeq[base + input - 1] === seq || ts - p >= this.span) return;
      start = p;
    }
    const cur = slab[base + input]!;
    if (Number.isNaN(cur) || start > cur) {
      slab[base + input] = start;
      this.slabSeq[base + input] = seq;
    }
    if (input === this.R - 1 && ts - start < this.span)
      this.fire(s, ts, this.R, event, out, [...this.meta.rules]);
  }

  private addAnchored(
    s: number,
    ts: number,
    input: number,
    value: string | number | undefined,
    event: SigmaEvent | undefined,
    out: CorrelationHit[],
  ): void {
    const c = this.meta.condition;
    let early: number | undefined;
    switch (this.meta.type) {
      case 'event_count':
        this.n[s]! += 1;
        early = this.n[s];
        break;
      case 'value_count': {
        let set = this.extra[s] as Set<string> | undefined;
        if (!set) {
          set = new Set();
          this.extra[s] = set;
        }
        if (set.size < this.cap) set.add(value as string);
        early = set.size;
        break;
      }
      case 'value_sum':
        this.n[s]! += value as number;
        early = this.n[s];
        break;
      case 'value_avg':
        this.n[s]! += value as number;
        this.m[s] = (Number.isNaN(this.m[s]!) ? 0 : this.m[s]!) + 1;
        break;
      case 'value_percentile': {
        let st = this.extra[s] as { v: number[]; seen: number } | undefined;
        if (!st) {
          st = { v: [], seen: 0 };
          this.extra[s] = st;
        }
        st.seen++;
        if (st.v.length < MAX_PERCENTILE_VALUES) st.v.push(value as number);
        else {
          // Reservoir sampling keeps a uniform sample; deterministic so replays agree.
          const j = hashIndex(st.seen) % st.seen;
          if (j < MAX_PERCENTILE_VALUES) st.v[j] = value as number;
        }
        break;
      }
      case 'temporal': {
        const base = s * this.R;
        if (Number.isNaN(this.slab[base + input]!)) this.slab[base + input] = ts;
        break;
      }
    }
    // Floors on growing totals can be reported as soon as they are reached.
    if (early !== undefined && this.b[s] === 0 && lowerBoundOnly(c) && satisfies(c, early)) {
      this.b[s] = 1;
      out.push(this.hit(s, ts, early, event));
    }
  }

  snapshot(): RuntimeSnapshot {
    const groups: GroupSnapshot[] = [];
    for (let s = this.head; s >= 0; s = this.next[s]!) {
      let x: unknown = this.extra[s];
      if (x instanceof Map) x = { map: [...x] };
      else if (typeof x === 'string') x = { one: x };
      else if (x instanceof Set) x = { set: [...x] };
      if (this.slab.length)
        x = {
          ...(x as object),
          slab: Array.from(this.slab.subarray(s * this.R, (s + 1) * this.R), nanToNull),
        };
      groups.push({
        k: this.keys[s]!,
        a: this.a[s]!,
        b: Number.isFinite(this.b[s]!) ? this.b[s]! : null,
        n: this.n[s]!,
        m: nanToNull(this.m[s]!),
        ...(x === undefined ? {} : { x }),
      });
    }
    return { sig: this.signature, groups };
  }

  restore(snap: RuntimeSnapshot): void {
    const noop: CorrelationHit[] = [];
    for (const g of snap.groups) {
      const s = this.alloc(g.k, g.a, noop);
      this.a[s] = g.a;
      this.b[s] = g.b === null ? Number.NEGATIVE_INFINITY : g.b;
      this.n[s] = g.n;
      this.m[s] = g.m === null ? Number.NaN : g.m;
      const x = g.x as
        | {
            map?: [string, number][];
            set?: string[];
            one?: string;
            slab?: (number | null)[];
            v?: number[];
            seen?: number;
          }
        | number[]
        | undefined;
      if (Array.isArray(x)) this.extra[s] = [...x];
      else if (x) {
        if (x.map) this.extra[s] = new Map(x.map);
        else if (x.one !== undefined) this.extra[s] = x.one;
        else if (x.set) this.extra[s] = new Set(x.set);
        else if (x.v) this.extra[s] = { v: [...x.v], seen: x.seen ?? x.v.length };
        if (x.slab)
          x.slab.forEach((v, i) => {
            this.slab[s * this.R + i] = v === null ? Number.NaN : v;
          });
      }
    }
  }
}

function insertSorted(a: number[], v: number): void {
  let i = a.length;
  while (i > 0 && a[i - 1]! > v) i--;
  if (i === a.length) a.push(v);
  else a.splice(i, 0, v);
}

function nanToNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/** A small integer hash (xorshift-multiply) standing in for a seeded random index. */
function hashIndex(n: number): number {
  let x = n ^ 0x9e3779b9;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
