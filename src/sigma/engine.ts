/**
 * A compiled rule collection: `match(event)` for single-event rules, `correlate()` for correlation
 * rules. Compile once, then evaluate millions of events without re-parsing anything.
 */
import { UserError } from '../util/errors.js';
import { issuePath } from '../util/validate.js';
import { CorrelationRuntime, modeOf, type RuntimeSnapshot } from './correlation/runtime.js';
import type { CompiledCorrelation, CorrelationHit } from './correlation/types.js';
import {
  allOf,
  type Compiled,
  type CompileFail,
  compileDetection,
  type LitTree,
  type Test,
} from './match/compile.js';
import { EventContext, type Getter, scalarString } from './match/event-context.js';
import { getterFor, Registry } from './match/registry.js';
import { toNumber } from './modifiers.js';
import type {
  AlertMeta,
  SigmaCollection,
  SigmaCorrelation,
  SigmaEvent,
  SigmaFilter,
  SigmaLogsource,
  SigmaRule,
  SigmaWarning,
} from './types.js';

export interface CompileOptions {
  /** Values for `%name%` placeholders of `expand` values (Sigma standard names like Servers, or your own). */
  readonly placeholders?: Readonly<Record<string, readonly string[]>>;
  /** Sigma field name → event field name, for logs whose fields are named differently. */
  readonly fieldMap?: Readonly<Record<string, string>>;
  /** A placeholder without values makes its value match nothing (with a warning) instead of failing. */
  readonly lenientPlaceholders?: boolean;
  /** Live groups per correlation before the oldest are closed early (default 1,000,000). */
  readonly maxGroupsPerCorrelation?: number;
  /**
   * Evaluate only rules whose literals occur in the event (default true). Turning it off evaluates
   * every rule on every event: slower, same results; for testing and debugging.
   */
  readonly prefilter?: boolean;
}

/** A single-event rule ready to run, with the metadata an alert needs. */
export interface CompiledRule extends AlertMeta {
  readonly kind: 'rule';
  readonly index: number;
  readonly fields: readonly string[];
  readonly logsource: SigmaLogsource;
  readonly date?: string;
  readonly modified?: string;
  /**
   * False when the rule only feeds correlations: per the spec, rules a correlation refers to are not
   * alerts of their own unless one of those correlations says `generate: true`.
   */
  readonly standalone: boolean;
  /** Filters (by title) applied to this rule. */
  readonly filters: readonly string[];
  readonly rule: SigmaRule;
}

/**
 * Literals a rule's match requires (filters aside), for prefilters outside the engine: `lits` = one of
 * these lowercase texts occurs in `field` (null: in the keyword haystack, `_raw`); `and` / `or` combine.
 */
export type LiteralTree =
  | { readonly t: 'lits'; readonly field: string | null; readonly texts: readonly string[] }
  | { readonly t: 'and' | 'or'; readonly kids: readonly LiteralTree[] };

export interface EngineSnapshot {
  readonly version: 1;
  readonly watermark: number | null;
  readonly seq: number;
  readonly correlations: readonly RuntimeSnapshot[];
}

export interface EngineStats {
  /** Live correlation groups, by correlation title. */
  readonly groups: Readonly<Record<string, number>>;
  /** Events older than a correlation's window when they arrived (ignored by that correlation). */
  readonly late: number;
  /** Groups closed early because a correlation reached maxGroupsPerCorrelation. */
  readonly dropped: number;
}

interface Binding {
  readonly rt: CorrelationRuntime;
  readonly input: number;
  readonly group: readonly Getter[];
  readonly value: readonly Getter[] | null;
  readonly numeric: boolean;
}

const EMPTY: readonly never[] = Object.freeze([]);

export class SigmaEngine {
  readonly rules: readonly CompiledRule[];
  readonly correlations: readonly CompiledCorrelation[];
  readonly warnings: readonly SigmaWarning[];
  private readonly ctx: EventContext;
  private readonly tests: readonly Test[];
  private readonly always: Int32Array;
  private readonly needleRules: readonly (Int32Array | undefined)[];
  private readonly triggers: Int32Array;
  private readonly ruleStamp: Uint32Array;
  private readonly candidates: Int32Array;
  private readonly ruleBindings: readonly (readonly Binding[])[];
  private readonly corrBindings: readonly (readonly Binding[])[];
  private readonly runtimes: readonly CorrelationRuntime[];
  private readonly literalTrees: readonly (LiteralTree | null)[];
  private watermark = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private late = 0;

  /** Use compileCollection(). */
  constructor(parts: {
    rules: CompiledRule[];
    tests: Test[];
    atoms: Compiled['atoms'][];
    lits: (LitTree | null)[];
    reg: Registry;
    correlations: CompiledCorrelation[];
    ruleBindings: Binding[][];
    corrBindings: Binding[][];
    runtimes: CorrelationRuntime[];
    warnings: SigmaWarning[];
  }) {
    this.rules = parts.rules;
    this.tests = parts.tests;
    this.correlations = parts.correlations;
    this.ruleBindings = parts.ruleBindings;
    this.corrBindings = parts.corrBindings;
    this.runtimes = parts.runtimes;
    this.warnings = parts.warnings;
    const reg = parts.reg;
    const always: number[] = [];
    const byNeedle: number[][] = [];
    const triggerSet = new Set<number>();
    parts.atoms.forEach((a, i) => {
      if (!a) always.push(i);
      else
        for (const id of a.ids) {
          {
            const list = byNeedle[id] ?? [];
            list.push(i);
            byNeedle[id] = list;
          }
          triggerSet.add(reg.needleTarget[id]!);
        }
    });
    this.always = Int32Array.from(always);
    this.needleRules = Array.from({ length: reg.needleCount }, (_, i) =>
      byNeedle[i] ? Int32Array.from(byNeedle[i]) : undefined,
    );
    this.triggers = Int32Array.from([...triggerSet].sort((x, y) => x - y));
    this.ruleStamp = new Uint32Array(this.rules.length);
    this.candidates = new Int32Array(this.rules.length);
    reg.finalize();
    this.ctx = new EventContext(reg.getters, reg.targets, reg.needleCount);
    const resolve = (l: LitTree): LiteralTree => {
      if (l.t !== 'any') return { t: l.t, kids: l.kids.map(resolve) };
      const fi = reg.targets[reg.needleTarget[l.ids[0]!]!]!.field;
      return {
        t: 'lits',
        field: fi === null ? null : reg.fieldNames[fi]!,
        texts: l.ids.map((id) => reg.needleText[id]!),
      };
    };
    this.literalTrees = parts.lits.map((l) => (l ? resolve(l) : null));
  }

  /**
   * What rule `index` needs to occur in an event (before filters), or null when nothing is known (a
   * rule made only of numbers, regexes, `null` or negations). See LiteralTree.
   */
  literalTree(index: number): LiteralTree | null {
    return this.literalTrees[index] ?? null;
  }

  /**
   * Single-event rules that match `event`, in rule order (including rules that only feed
   * correlations: check `standalone`). Returns a shared empty array when nothing matches.
   */
  match(event: SigmaEvent): readonly CompiledRule[] {
    const ctx = this.ctx;
    ctx.reset(event);
    for (let i = 0; i < this.triggers.length; i++) ctx.scan(this.triggers[i]!);
    let nc = 0;
    const gen = ctx.gen;
    const stamp = this.ruleStamp;
    const cand = this.candidates;
    for (let h = 0; h < ctx.hitCount; h++) {
      const rules = this.needleRules[ctx.hitList[h]!];
      if (!rules) continue;
      for (let k = 0; k < rules.length; k++) {
        const r = rules[k]!;
        if (stamp[r] !== gen) {
          stamp[r] = gen;
          cand[nc++] = r;
        }
      }
    }
    for (let k = 0; k < this.always.length; k++) {
      const r = this.always[k]!;
      if (stamp[r] !== gen) {
        stamp[r] = gen;
        cand[nc++] = r;
      }
    }
    if (nc === 0) return EMPTY;
    // Rule order for stable output; candidate lists are short, so insertion sort (no allocation).
    for (let i = 1; i < nc; i++) {
      const v = cand[i]!;
      let j = i - 1;
      while (j >= 0 && cand[j]! > v) {
        cand[j + 1] = cand[j]!;
        j--;
      }
      cand[j + 1] = v;
    }
    let out: CompiledRule[] | undefined;
    for (let k = 0; k < nc; k++) {
      const r = cand[k]!;
      if (this.tests[r]!(ctx)) {
        out ??= [];
        out.push(this.rules[r]!);
      }
    }
    return out ?? EMPTY;
  }

  /**
   * Feeds `matches` (from match()) into the correlation rules at event time `timestampMs` and
   * returns the correlations that fired, including windows that closed because time moved on.
   */
  correlate(
    event: SigmaEvent,
    timestampMs: number,
    matches: readonly CompiledRule[],
  ): readonly CorrelationHit[] {
    if (this.runtimes.length === 0) return EMPTY;
    if (!Number.isFinite(timestampMs))
      throw new TypeError(`correlate: timestamp must be a finite number of milliseconds, got ${timestampMs}`);
    let out: CorrelationHit[] | undefined;
    if (timestampMs > this.watermark) {
      this.watermark = timestampMs;
      out = this.advanceAll();
    }
    if (matches.length === 0) return out?.length ? out : EMPTY;
    const seq = ++this.seq;
    const hits: CorrelationHit[] = out ?? [];
    for (const rule of matches) {
      const bindings = this.ruleBindings[rule.index];
      if (!bindings) continue;
      for (const b of bindings) this.feed(b, event, timestampMs, seq, hits);
    }
    return hits.length ? hits : EMPTY;
  }

  /** match() then correlate(). */
  evaluate(
    event: SigmaEvent,
    timestampMs: number,
  ): { matches: readonly CompiledRule[]; hits: readonly CorrelationHit[] } {
    const matches = this.match(event);
    return { matches, hits: this.correlate(event, timestampMs, matches) };
  }

  /** Moves event time forward without an event (idle live input), closing due windows. */
  advance(timestampMs: number): readonly CorrelationHit[] {
    if (timestampMs <= this.watermark) return EMPTY;
    this.watermark = timestampMs;
    const out = this.advanceAll();
    return out.length ? out : EMPTY;
  }

  /** End of input: judges every open window (anchored correlations) and clears all state. */
  flush(): readonly CorrelationHit[] {
    const out: CorrelationHit[] = [];
    for (const rt of this.runtimes) {
      const closed: CorrelationHit[] = [];
      rt.flush(closed);
      for (const h of closed) this.emit(h, out);
    }
    return out.length ? out : EMPTY;
  }

  private advanceAll(): CorrelationHit[] {
    const out: CorrelationHit[] = [];
    for (const rt of this.runtimes) {
      const closed: CorrelationHit[] = [];
      rt.advance(this.watermark, closed);
      for (const h of closed) this.emit(h, out);
    }
    return out;
  }

  private feed(b: Binding, event: SigmaEvent, ts: number, seq: number, out: CorrelationHit[]): void {
    if (ts <= this.watermark - b.rt.meta.timespanMs) {
      this.late++;
      return;
    }
    let key = '';
    for (let i = 0; i < b.group.length; i++) {
      const s = scalarString(b.group[i]!(event));
      if (s === undefined) return;
      key = i === 0 ? s : `${key}\x1f${s}`;
    }
    let value: string | number | undefined;
    if (b.value) {
      if (b.numeric) {
        const v = b.value[0]!(event);
        value = typeof v === 'number' ? v : toNumber(v);
        if (value === undefined || !Number.isFinite(value)) return;
      } else {
        let joined = '';
        for (let i = 0; i < b.value.length; i++) {
          const s = scalarString(b.value[i]!(event));
          if (s === undefined) return;
          joined = i === 0 ? s : `${joined}\x1f${s}`;
        }
        value = joined;
      }
    }
    const fired: CorrelationHit[] = [];
    b.rt.add(ts, b.input, key, value, event, seq, fired);
    for (const h of fired) this.emit(h, out);
  }

  /** Reports a hit and feeds it to correlations that refer to this one. */
  private emit(h: CorrelationHit, out: CorrelationHit[]): void {
    out.push(h);
    const parents = this.corrBindings[h.correlation.index];
    if (!parents?.length) return;
    const ev: SigmaEvent = { ...(h.event ?? {}), ...h.group };
    for (const b of parents) this.feed(b, ev, h.timestamp, this.seq, out);
  }

  /** Correlation state as plain JSON: store it, and restore() it after a restart to resume windows. */
  snapshot(): EngineSnapshot {
    return {
      version: 1,
      watermark: Number.isFinite(this.watermark) ? this.watermark : null,
      seq: this.seq,
      correlations: this.runtimes.map((rt) => rt.snapshot()),
    };
  }

  /**
   * Restores snapshot() state into a freshly compiled engine. Correlations are matched by their
   * definition; state of correlations that changed or disappeared is dropped.
   */
  restore(state: unknown): void {
    const s = state as Partial<EngineSnapshot> | null;
    if (!s || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.correlations)) {
      throw new UserError('not a Sigma engine snapshot (version 1)', 'restore');
    }
    const bySig = new Map(s.correlations.map((c) => [c.sig, c]));
    for (const rt of this.runtimes) {
      if (rt.size) throw new UserError('restore() needs a freshly compiled engine', 'restore');
      const snap = bySig.get(rt.signature);
      if (snap) rt.restore(snap);
    }
    this.watermark = typeof s.watermark === 'number' ? s.watermark : Number.NEGATIVE_INFINITY;
    this.seq = typeof s.seq === 'number' ? s.seq : 0;
  }

  stats(): EngineStats {
    const groups: Record<string, number> = {};
    let dropped = 0;
    for (const rt of this.runtimes) {
      groups[rt.meta.title] = rt.size;
      dropped += rt.dropped;
    }
    return { groups, late: this.late, dropped };
  }
}

function label(d: { kind: string; title: string }): string {
  return `${d.kind} '${d.title}'`;
}

function failFor(d: SigmaRule | SigmaFilter | SigmaCorrelation): CompileFail {
  return (path, message) => {
    const key = issuePath(path as (string | number)[]);
    throw new UserError(
      `${label(d)}: ${key ? `${key}: ` : ''}${message}`,
      `${d.source.file}:${d.source.line}`,
    );
  };
}

function logsourceCovers(filter: SigmaLogsource, rule: SigmaLogsource): boolean {
  for (const k of ['category', 'product', 'service'] as const) {
    if (filter[k] !== undefined && filter[k] !== rule[k]) return false;
  }
  return true;
}

/** Compiles every rule, filter and correlation of a collection into an engine. */
export function compileCollection(collection: SigmaCollection, options: CompileOptions = {}): SigmaEngine {
  const warnings: SigmaWarning[] = [];
  const reg = new Registry(options.fieldMap);
  const placeholders = options.placeholders ?? {};
  const byRef = new Map<string, SigmaRule | SigmaCorrelation>();
  for (const d of [...collection.rules, ...collection.correlations]) {
    if (d.id) byRef.set(d.id, d);
    if (d.name) byRef.set(d.name, d);
  }
  const lookup = (ref: string) => byRef.get(ref) ?? byRef.get(ref.toLowerCase());

  // Which rules feed which correlations decides whether they alert on their own.
  const referrers = new Map<SigmaRule | SigmaCorrelation, SigmaCorrelation[]>();
  for (const c of collection.correlations) {
    const fail: CompileFail = failFor(c);
    c.rules.forEach((ref, i) => {
      const target = lookup(ref);
      if (!target) {
        fail(['correlation', 'rules', i], `'${ref}' is not the id or name of any loaded rule or correlation`);
      }
      if (target === c) fail(['correlation', 'rules', i], 'a correlation cannot refer to itself');
      const list = referrers.get(target) ?? [];
      list.push(c);
      referrers.set(target, list);
    });
  }
  const standalone = (d: SigmaRule | SigmaCorrelation) => {
    const r = referrers.get(d);
    return !r || r.some((c) => c.generate);
  };

  // Filters: compile once, attach to the rules they name (or every rule of their log source).
  const filterTests = new Map<SigmaRule, { test: Test; title: string }[]>();
  for (const f of collection.filters) {
    const compiled = compileDetection(
      f.detection,
      reg,
      { placeholders, lenientPlaceholders: options.lenientPlaceholders },
      failFor(f),
    );
    let targets: SigmaRule[];
    if (f.rules === 'any')
      targets = collection.rules.filter((r) => logsourceCovers(f.logsource, r.logsource));
    else {
      targets = [];
      for (const ref of f.rules) {
        const t = lookup(ref);
        if (t?.kind !== 'rule') {
          warnings.push({
            code: 'filter-unresolved',
            where: `${f.source.file}:${f.source.line}`,
            message: `${label(f)}: '${ref}' is not the id or name of a loaded rule; the filter does nothing for it`,
          });
          continue;
        }
        if (!logsourceCovers(f.logsource, t.logsource)) {
          warnings.push({
            code: 'filter-logsource',
            where: `${f.source.file}:${f.source.line}`,
            message: `${label(f)}: its logsource does not cover rule '${t.title}'; not applied to it`,
          });
          continue;
        }
        targets.push(t);
      }
    }
    for (const t of targets) {
      const list = filterTests.get(t) ?? [];
      list.push({ test: compiled.test, title: f.title });
      filterTests.set(t, list);
    }
  }

  const rules: CompiledRule[] = [];
  const tests: Test[] = [];
  const atoms: Compiled['atoms'][] = [];
  const lits: (LitTree | null)[] = [];
  collection.rules.forEach((r, index) => {
    const missing = new Set<string>();
    const base = compileDetection(
      r.detection,
      reg,
      {
        placeholders,
        lenientPlaceholders: options.lenientPlaceholders,
        onMissingPlaceholder: (n) => missing.add(n),
      },
      failFor(r),
    );
    for (const n of missing) {
      warnings.push({
        code: 'placeholder-missing',
        where: `${r.source.file}:${r.source.line}`,
        message: `${label(r)}: placeholder %${n}% has no values; values using it match nothing`,
      });
    }
    const filters = filterTests.get(r) ?? [];
    const full = filters.length
      ? allOf([{ ...base, cost: 0 }, ...filters.map((f) => ({ test: f.test, cost: 1, atoms: null }))])
      : base;
    tests.push(full.test);
    atoms.push(options.prefilter === false ? null : base.atoms);
    lits.push(base.lits ?? null);
    rules.push({
      kind: 'rule',
      index,
      id: r.id,
      name: r.name,
      title: r.title,
      description: r.description,
      level: r.level,
      status: r.status,
      author: r.author,
      tags: r.tags,
      references: r.references,
      falsepositives: r.falsepositives,
      fields: r.fields,
      logsource: r.logsource,
      date: r.date,
      modified: r.modified,
      source: r.source,
      standalone: standalone(r),
      filters: filters.map((f) => f.title),
      rule: r,
    });
  });

  // Correlations, in dependency order so chains can be checked for cycles.
  const corrIndex = new Map<SigmaCorrelation, number>();
  collection.correlations.forEach((c, i) => {
    corrIndex.set(c, i);
  });
  const visiting = new Set<SigmaCorrelation>();
  const done = new Set<SigmaCorrelation>();
  const visit = (c: SigmaCorrelation, chain: string[]) => {
    if (done.has(c)) return;
    if (visiting.has(c))
      failFor(c)(['correlation', 'rules'], `correlation cycle: ${[...chain, c.title].join(' → ')}`);
    visiting.add(c);
    for (const ref of c.rules) {
      const t = lookup(ref);
      if (t?.kind === 'correlation') visit(t, [...chain, c.title]);
    }
    visiting.delete(c);
    done.add(c);
  };
  for (const c of collection.correlations) visit(c, []);

  const compiledCorrs: CompiledCorrelation[] = [];
  const runtimes: CorrelationRuntime[] = [];
  const ruleBindings: Binding[][] = collection.rules.map(() => []);
  const corrBindings: Binding[][] = collection.correlations.map(() => []);
  const ruleIndex = new Map<SigmaRule, number>();
  collection.rules.forEach((r, i) => {
    ruleIndex.set(r, i);
  });
  const mapField = (f: string) =>
    options.fieldMap && Object.hasOwn(options.fieldMap, f) ? options.fieldMap[f]! : f;
  collection.correlations.forEach((c, index) => {
    const fail: CompileFail = failFor(c);
    if (c.type === 'value_percentile' && c.condition.percentile === undefined) {
      fail(
        ['correlation', 'condition'],
        "value_percentile needs 'percentile' (which percentile to compute, e.g. 95): Sigma 2.1 does not define one",
      );
    }
    const meta: CompiledCorrelation = {
      kind: 'correlation',
      index,
      type: c.type,
      id: c.id,
      name: c.name,
      title: c.title,
      description: c.description,
      level: c.level,
      status: c.status,
      author: c.author,
      tags: c.tags,
      references: c.references,
      falsepositives: c.falsepositives,
      source: c.source,
      rules: c.rules,
      groupBy: c.groupBy,
      timespanMs: c.timespanMs,
      condition: c.condition,
      generate: c.generate,
      mode: modeOf(c),
      standalone: standalone(c),
      correlation: c,
    };
    if (c.type === 'temporal_ordered') {
      const k = c.condition;
      const full =
        k.gte === c.rules.length &&
        k.gt === undefined &&
        k.lt === undefined &&
        k.lte === undefined &&
        k.eq === undefined &&
        k.neq === undefined;
      if (!full)
        fail(
          ['correlation', 'condition'],
          `temporal_ordered supports only the full ordered sequence (gte: ${c.rules.length}, the default)`,
        );
    }
    const rt = new CorrelationRuntime(meta, options.maxGroupsPerCorrelation ?? 1_000_000);
    compiledCorrs.push(meta);
    runtimes.push(rt);
    c.rules.forEach((ref, input) => {
      const resolve = (name: string): string => {
        const alias = c.aliases.get(name);
        if (!alias) return mapField(name);
        const target = lookup(ref)!;
        const f =
          alias.get(ref) ??
          (target.name ? alias.get(target.name) : undefined) ??
          (target.id ? alias.get(target.id) : undefined);
        if (!f) fail(['correlation', 'aliases', name], `alias '${name}' has no field for rule '${ref}'`);
        return mapField(f);
      };
      const group = c.groupBy.map((g) => getterFor(resolve(g)));
      const fieldNames = c.condition.field;
      const value =
        fieldNames && c.type !== 'temporal' && c.type !== 'temporal_ordered'
          ? fieldNames.map((f) => getterFor(resolve(f)))
          : null;
      const b: Binding = {
        rt,
        input,
        group,
        value,
        numeric: c.type === 'value_sum' || c.type === 'value_avg' || c.type === 'value_percentile',
      };
      const target = lookup(ref)!;
      if (target.kind === 'rule') ruleBindings[ruleIndex.get(target)!]!.push(b);
      else corrBindings[corrIndex.get(target)!]!.push(b);
    });
  });

  return new SigmaEngine({
    rules,
    tests,
    atoms,
    lits,
    reg,
    correlations: compiledCorrs,
    ruleBindings,
    corrBindings,
    runtimes,
    warnings,
  });
}
