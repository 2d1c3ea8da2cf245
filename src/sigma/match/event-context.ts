/**
 * Per-event scratch space, reused across events so matching allocates nothing in the common case:
 * field values, their string and lowercase forms and the needles found in them are computed at most
 * once per event, on first use, and invalidated by bumping a generation counter instead of clearing.
 */
import type { SigmaEvent } from '../types.js';
import type { Automaton, HitSink } from './aho-corasick.js';

export type Getter = (ev: SigmaEvent) => unknown;

/** A scan target: one event field, or the keyword haystack (null field). */
export interface Target {
  readonly field: number | null;
  automaton?: Automaton;
}

export class EventContext implements HitSink {
  event: SigmaEvent = {};
  gen = 0;
  private fieldGen: Uint32Array;
  private readonly values: unknown[];
  private strGen: Uint32Array;
  private readonly strs: (string | undefined)[];
  private lowerGen: Uint32Array;
  private readonly lowers: (string | undefined)[];
  private targetGen: Uint32Array;
  private hits: Uint32Array;
  readonly hitList: Int32Array;
  hitCount = 0;
  private haystackGen = 0;
  private readonly haystack: string[] = [];

  constructor(
    private readonly getters: readonly Getter[],
    private readonly targets: readonly Target[],
    needleCount: number,
  ) {
    const n = getters.length;
    this.fieldGen = new Uint32Array(n);
    this.values = new Array<unknown>(n);
    this.strGen = new Uint32Array(n);
    this.strs = new Array<string | undefined>(n);
    this.lowerGen = new Uint32Array(n);
    this.lowers = new Array<string | undefined>(n);
    this.targetGen = new Uint32Array(targets.length);
    this.hits = new Uint32Array(needleCount);
    this.hitList = new Int32Array(needleCount);
  }

  reset(event: SigmaEvent): void {
    this.event = event;
    this.hitCount = 0;
    if (++this.gen === 0xffffffff) {
      // Generation wrapped: clear the stamps once every 4 billion events.
      this.gen = 1;
      this.fieldGen.fill(0);
      this.strGen.fill(0);
      this.lowerGen.fill(0);
      this.targetGen.fill(0);
      this.hits.fill(0);
      this.haystackGen = 0;
    }
  }

  /** The raw value of field `fi` (undefined when absent). */
  value(fi: number): unknown {
    if (this.fieldGen[fi] !== this.gen) {
      this.fieldGen[fi] = this.gen;
      this.values[fi] = this.getters[fi]!(this.event);
    }
    return this.values[fi];
  }

  /** The field as a string when it is a scalar (string, number, boolean), else undefined. */
  str(fi: number): string | undefined {
    if (this.strGen[fi] !== this.gen) {
      this.strGen[fi] = this.gen;
      this.strs[fi] = scalarString(this.value(fi));
    }
    return this.strs[fi];
  }

  lower(fi: number): string | undefined {
    if (this.lowerGen[fi] !== this.gen) {
      this.lowerGen[fi] = this.gen;
      this.lowers[fi] = this.str(fi)?.toLowerCase();
    }
    return this.lowers[fi];
  }

  mark(id: number): void {
    if (this.hits[id] !== this.gen) {
      this.hits[id] = this.gen;
      this.hitList[this.hitCount++] = id;
    }
  }

  hit(id: number): boolean {
    return this.hits[id] === this.gen;
  }

  /** Runs the target's automaton over its text once per event. */
  scan(ti: number): void {
    if (this.targetGen[ti] === this.gen) return;
    this.targetGen[ti] = this.gen;
    const t = this.targets[ti]!;
    const a = t.automaton;
    if (!a) return;
    if (t.field === null) {
      for (const s of this.keywordHaystack()) a.scan(s, this);
      return;
    }
    const s = this.str(t.field);
    if (s !== undefined) a.scan(s, this);
    else {
      const v = this.value(t.field);
      if (Array.isArray(v))
        for (const e of v) {
          const es = scalarString(e);
          if (es !== undefined) a.scan(es, this);
        }
    }
  }

  /**
   * What keywords search: the original line (`_raw`) when the event has one, otherwise every
   * string, number and boolean value in the event.
   */
  keywordHaystack(): readonly string[] {
    if (this.haystackGen !== this.gen) {
      this.haystackGen = this.gen;
      this.haystack.length = 0;
      const raw = this.event['_raw'];
      if (typeof raw === 'string') this.haystack.push(raw);
      else collectStrings(this.event, this.haystack, 0);
    }
    return this.haystack;
  }
}

export function scalarString(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return undefined;
  }
}

function collectStrings(v: unknown, out: string[], depth: number): void {
  if (depth > 8) return;
  const s = scalarString(v);
  if (s !== undefined) {
    out.push(s);
    return;
  }
  if (Array.isArray(v)) {
    for (const e of v) collectStrings(e, out, depth + 1);
  } else if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    for (const k in v) collectStrings((v as Record<string, unknown>)[k], out, depth + 1);
  }
}
