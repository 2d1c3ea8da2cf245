/**
 * Detection → closures. Each search item becomes a test over the per-event context; each rule gets
 * a set of "atoms" (literals, one of which must occur in the event for the rule to match) so the
 * engine only evaluates rules whose atoms the automata found.
 */

import { cidrMatcher, parseCidr } from '../cidr.js';
import type { ConditionNode } from '../condition.js';
import { toNumber } from '../modifiers.js';
import { isPlaceholder, normalizeParts, ONE, parseSigmaString, STAR, type StrPart } from '../sigma-string.js';
import type { Detection, DetectionItem, SearchDef, ValueSpec } from '../types.js';
import { type EventContext, scalarString } from './event-context.js';
import type { Registry } from './registry.js';
import { timePart } from './time-parts.js';

export type Test = (ctx: EventContext) => boolean;

/** Needle ids, one of which must be present for a match; null when no such set exists. */
export interface Atoms {
  readonly ids: ReadonlySet<number>;
  readonly minLen: number;
}

export interface Compiled {
  readonly test: Test;
  readonly cost: number;
  readonly atoms: Atoms | null;
}

export interface CompileOptions {
  readonly placeholders: Readonly<Record<string, readonly string[]>>;
  /** When true, a placeholder without values matches nothing instead of failing. */
  readonly lenientPlaceholders?: boolean;
  readonly onMissingPlaceholder?: (name: string) => void;
}

export type CompileFail = (path: readonly (string | number)[], message: string) => never;

interface ValueTest {
  /** On the field's scalar value (cached forms in ctx); fi < 0 for keyword items. */
  readonly scalar: (ctx: EventContext, fi: number) => boolean;
  /** On any value (array elements, keyword haystack strings). */
  readonly any: (v: unknown, ctx: EventContext) => boolean;
  readonly cost: number;
  readonly atom: { id: number; len: number } | null;
}

const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/;

export function compileDetection(
  det: Detection,
  reg: Registry,
  opts: CompileOptions,
  fail: CompileFail,
): Compiled {
  const cache = new Map<string, Compiled>();
  const search = (name: string): Compiled => {
    let c = cache.get(name);
    if (!c) {
      c = compileSearch(det.searches.get(name)!, reg, opts, fail);
      cache.set(name, c);
    }
    return c;
  };
  const node = (n: ConditionNode): Compiled => {
    switch (n.t) {
      case 'id':
        return search(n.name);
      case 'not': {
        const inner = node(n.arg);
        const t = inner.test;
        return { test: (c) => !t(c), cost: inner.cost, atoms: null };
      }
      case 'and':
        return allOf(n.args.map(node));
      case 'or':
        return anyOf(n.args.map(node));
      case 'of': {
        const parts = n.names.map(search);
        return n.quant === 'all' ? allOf(parts) : anyOf(parts);
      }
    }
  };
  return node(det.condition);
}

function compileSearch(def: SearchDef, reg: Registry, opts: CompileOptions, fail: CompileFail): Compiled {
  if (def.kind === 'or') return anyOf(def.alts.map((a) => compileSearch(a, reg, opts, fail)));
  return allOf(def.items.map((it) => compileItem(it, reg, opts, fail)));
}

export function allOf(parts: Compiled[]): Compiled {
  if (parts.length === 1) return parts[0]!;
  const sorted = [...parts].sort((a, b) => a.cost - b.cost);
  const tests = sorted.map((p) => p.test);
  const cost = sorted.reduce((s, p) => s + p.cost, 0);
  let atoms: Atoms | null = null;
  for (const p of sorted) if (p.atoms && (!atoms || better(p.atoms, atoms))) atoms = p.atoms;
  const [a, b, c] = tests as [Test, Test, Test | undefined];
  const test: Test =
    tests.length === 2
      ? (x) => a(x) && b(x)
      : tests.length === 3
        ? (x) => a(x) && b(x) && c!(x)
        : (x) => {
            for (let i = 0; i < tests.length; i++) if (!tests[i]!(x)) return false;
            return true;
          };
  return { test, cost, atoms };
}

export function anyOf(parts: Compiled[]): Compiled {
  if (parts.length === 1) return parts[0]!;
  const sorted = [...parts].sort((a, b) => a.cost - b.cost);
  const tests = sorted.map((p) => p.test);
  const cost = sorted.reduce((s, p) => s + p.cost, 0);
  let atoms: Atoms | null = null;
  if (sorted.every((p) => p.atoms)) {
    const ids = new Set<number>();
    let minLen = Number.POSITIVE_INFINITY;
    for (const p of sorted) {
      for (const id of p.atoms!.ids) ids.add(id);
      minLen = Math.min(minLen, p.atoms!.minLen);
    }
    atoms = { ids, minLen };
  }
  const [a, b] = tests as [Test, Test];
  const test: Test =
    tests.length === 2
      ? (x) => a(x) || b(x)
      : (x) => {
          for (let i = 0; i < tests.length; i++) if (tests[i]!(x)) return true;
          return false;
        };
  return { test, cost, atoms };
}

/** Fewer needles is a sharper prefilter; among equals, longer needles match less often. */
function better(a: Atoms, b: Atoms): boolean {
  if (a.ids.size !== b.ids.size) return a.ids.size < b.ids.size;
  return a.minLen > b.minLen;
}

function expandPlaceholders(item: DetectionItem, opts: CompileOptions, fail: CompileFail): ValueSpec[] {
  const out: ValueSpec[] = [];
  for (const v of item.values) {
    if (v.kind !== 'str' || !v.str.parts.some(isPlaceholder)) {
      out.push(v);
      continue;
    }
    let variants: StrPart[][] = [[]];
    for (const p of v.str.parts) {
      if (!isPlaceholder(p)) {
        for (const x of variants) x.push(p);
        continue;
      }
      const values = Object.hasOwn(opts.placeholders, p.placeholder)
        ? opts.placeholders[p.placeholder]
        : undefined;
      if (!values) {
        if (opts.lenientPlaceholders) {
          opts.onMissingPlaceholder?.(p.placeholder);
          variants = [];
          break;
        }
        fail(
          item.path,
          `placeholder %${p.placeholder}% has no values: pass placeholders: { ${p.placeholder}: [...] } when compiling`,
        );
      }
      variants = variants.flatMap((x) => values.map((val) => [...x, ...parseSigmaString(val)]));
    }
    for (const parts of variants)
      out.push({ kind: 'str', str: { parts: normalizeParts(parts), bytes: v.str.bytes }, cased: v.cased });
  }
  return out;
}

function compileItem(item: DetectionItem, reg: Registry, opts: CompileOptions, fail: CompileFail): Compiled {
  const values = expandPlaceholders(item, opts, fail);
  const keyword = item.field === null;
  const fi = keyword ? -1 : reg.field(item.field!);
  const ti = reg.target(keyword ? null : fi);

  if (values.length === 0) return { test: () => item.negate, cost: 0, atoms: null };
  const first = values[0]!;
  if (first.kind === 'exists') {
    const want = first.b;
    return { test: (c) => (c.value(fi) !== undefined) === want, cost: 1, atoms: null };
  }
  if (first.kind === 'null') {
    const t: Test = (c) => {
      const v = c.value(fi);
      return v === undefined || v === null;
    };
    return { test: item.negate ? (c) => !t(c) : t, cost: 1, atoms: null };
  }

  const tests: ValueTest[] = [];
  if (item.all) {
    for (const v of values) tests.push(valueTest(v, reg, ti, fi));
  } else {
    // OR-linked values: equalities share one Set, contains needles one stamp check, networks one matcher.
    const eq: string[] = [];
    const needles: { id: number; len: number; text: string }[] = [];
    const cidrs: string[] = [];
    for (const v of values) {
      if (v.kind === 'str' && !v.cased) {
        const shape = shapeOf(v.str.parts);
        if (shape.kind === 'eq' && !keyword) {
          eq.push(shape.lit.toLowerCase());
          continue;
        }
        if (shape.kind === 'contains' && shape.lit) {
          const lit = shape.lit.toLowerCase();
          needles.push({ id: reg.needle(ti, lit), len: lit.length, text: lit });
          continue;
        }
      }
      if (v.kind === 'cidr') {
        cidrs.push(v.cidr);
        continue;
      }
      tests.push(valueTest(v, reg, ti, fi));
    }
    if (eq.length) tests.push(eqTest(eq, reg, ti));
    if (needles.length) tests.push(needleTest(needles, ti));
    if (cidrs.length) tests.push(cidrTest(cidrs));
  }
  tests.sort((a, b) => a.cost - b.cost);
  const cost = tests.reduce((s, t) => s + t.cost, 0);

  let atoms: Atoms | null = null;
  if (!item.negate) {
    if (item.all) {
      let best: { id: number; len: number } | null = null;
      for (const t of tests) if (t.atom && (!best || t.atom.len > best.len)) best = t.atom;
      if (best) atoms = { ids: new Set([best.id]), minLen: best.len };
    } else if (tests.every((t) => t.atom)) {
      // Every alternative must bring its literals; eqTest and needleTest bring one per value.
      const ids = new Set<number>();
      let minLen = Number.POSITIVE_INFINITY;
      for (const t of tests) {
        for (const a of (t as ValueTest & { atomsAll?: { id: number; len: number }[] }).atomsAll ?? [
          t.atom!,
        ]) {
          ids.add(a.id);
          minLen = Math.min(minLen, a.len);
        }
      }
      atoms = { ids, minLen };
    }
  }

  const all = item.all;
  const negate = item.negate;
  let test: Test;
  if (keyword) {
    const one = tests.length === 1 ? tests[0]! : undefined;
    const r: Test = one
      ? (c) => one.scalar(c, -1)
      : all
        ? (c) => tests.every((t) => t.scalar(c, -1))
        : (c) => tests.some((t) => t.scalar(c, -1));
    test = negate ? (c) => !r(c) : r;
  } else {
    const scalarTest: (c: EventContext) => boolean =
      tests.length === 1
        ? (
            (t) => (c: EventContext) =>
              t.scalar(c, fi)
          )(tests[0]!)
        : all
          ? (c) => {
              for (let i = 0; i < tests.length; i++) if (!tests[i]!.scalar(c, fi)) return false;
              return true;
            }
          : (c) => {
              for (let i = 0; i < tests.length; i++) if (tests[i]!.scalar(c, fi)) return true;
              return false;
            };
    const r: Test = (c) => {
      const v = c.value(fi);
      if (v === undefined || v === null) return false;
      if (Array.isArray(v)) {
        return all
          ? tests.every((t) => v.some((e) => t.any(e, c)))
          : tests.some((t) => v.some((e) => t.any(e, c)));
      }
      return scalarTest(c);
    };
    test = negate ? (c) => !r(c) : r;
  }
  return { test, cost, atoms };
}

type Shape =
  | { kind: 'eq' | 'contains' | 'starts' | 'ends'; lit: string }
  | { kind: 'any' }
  | { kind: 'glob'; segs: string[]; anchoredStart: boolean; anchoredEnd: boolean }
  | { kind: 'regex'; parts: readonly StrPart[] };

function shapeOf(parts: readonly StrPart[]): Shape {
  if (parts.some((p) => p === ONE)) return { kind: 'regex', parts };
  const lits = parts.filter((p): p is string => typeof p === 'string');
  const n = parts.length;
  if (n === 0) return { kind: 'eq', lit: '' };
  if (n === 1) return parts[0] === STAR ? { kind: 'any' } : { kind: 'eq', lit: parts[0] as string };
  if (n === 2 && parts[0] === STAR && typeof parts[1] === 'string') return { kind: 'ends', lit: parts[1] };
  if (n === 2 && parts[1] === STAR && typeof parts[0] === 'string') return { kind: 'starts', lit: parts[0] };
  if (n === 3 && parts[0] === STAR && parts[2] === STAR && typeof parts[1] === 'string')
    return { kind: 'contains', lit: parts[1] };
  return { kind: 'glob', segs: lits, anchoredStart: parts[0] !== STAR, anchoredEnd: parts[n - 1] !== STAR };
}

function longestLiteral(parts: readonly StrPart[]): string {
  let best = '';
  for (const p of parts) if (typeof p === 'string' && p.length > best.length) best = p;
  return best;
}

function valueTest(v: ValueSpec, reg: Registry, ti: number, fi: number): ValueTest {
  switch (v.kind) {
    case 'str':
      return strTest(v.str.parts, v.cased, reg, ti);
    case 'num': {
      const n = v.n;
      const ns = String(n);
      const any = (x: unknown) =>
        typeof x === 'number'
          ? x === n
          : typeof x === 'string' && (x === ns || (NUMERIC.test(x) && Number(x) === n));
      return { scalar: (c, f) => any(c.value(f)), any, cost: 2, atom: null };
    }
    case 'bool': {
      const b = v.b;
      const bs = b ? 'true' : 'false';
      const any = (x: unknown) =>
        typeof x === 'boolean' ? x === b : typeof x === 'string' && x.toLowerCase() === bs;
      return { scalar: (c, f) => any(c.value(f)), any, cost: 1, atom: null };
    }
    case 're': {
      const re = new RegExp(v.source, v.flags);
      const any = (x: unknown) => {
        const s = scalarString(x);
        return s !== undefined && re.test(s);
      };
      const scalar =
        fi < 0
          ? (c: EventContext) => c.keywordHaystack().some((h) => re.test(h))
          : (c: EventContext, f: number) => {
              const s = c.str(f);
              return s !== undefined && re.test(s);
            };
      return { scalar, any, cost: 20, atom: null };
    }
    case 'cidr':
      return cidrTest([v.cidr]);
    case 'cmp': {
      const n = v.n;
      const op = v.op;
      const any = (x: unknown) => {
        const num = typeof x === 'number' ? x : toNumber(x);
        if (num === undefined) return false;
        return op === 'gt' ? num > n : op === 'gte' ? num >= n : op === 'lt' ? num < n : num <= n;
      };
      return { scalar: (c, f) => any(c.value(f)), any, cost: 2, atom: null };
    }
    case 'time': {
      const { part, n } = v;
      const any = (x: unknown) => timePart(x, part) === n;
      return { scalar: (c, f) => any(c.value(f)), any, cost: 6, atom: null };
    }
    case 'fieldref': {
      const other = reg.field(v.field);
      const { start, end, cased } = v;
      const cmp = (a: string, b: string) => {
        if (!cased) {
          a = a.toLowerCase();
          b = b.toLowerCase();
        }
        return start && end ? a.includes(b) : start ? a.endsWith(b) : end ? a.startsWith(b) : a === b;
      };
      const any = (x: unknown, c: EventContext) => {
        const a = scalarString(x);
        const b = c.str(other);
        return a !== undefined && b !== undefined && cmp(a, b);
      };
      return { scalar: (c, f) => any(c.value(f), c), any, cost: 4, atom: null };
    }
    case 'exists':
    case 'null':
      throw new Error('unreachable: exists and null are handled per item');
  }
}

function strTest(parts: readonly StrPart[], cased: boolean, reg: Registry, ti: number): ValueTest {
  const shape = shapeOf(parts);
  const lit = longestLiteral(parts).toLowerCase();
  const atom = lit ? { id: reg.needle(ti, lit), len: lit.length } : null;
  let match: (s: string) => boolean;
  let cost = 2;
  const norm = cased ? (s: string) => s : (s: string) => s.toLowerCase();
  switch (shape.kind) {
    case 'eq': {
      const l = cased ? shape.lit : shape.lit.toLowerCase();
      match = (s) => norm(s) === l;
      break;
    }
    case 'contains': {
      const l = cased ? shape.lit : shape.lit.toLowerCase();
      match = (s) => norm(s).includes(l);
      cost = 3;
      break;
    }
    case 'starts': {
      const l = cased ? shape.lit : shape.lit.toLowerCase();
      match = (s) => norm(s).startsWith(l);
      break;
    }
    case 'ends': {
      const l = cased ? shape.lit : shape.lit.toLowerCase();
      match = (s) => norm(s).endsWith(l);
      break;
    }
    case 'any':
      match = () => true;
      cost = 1;
      break;
    case 'glob': {
      const segs = cased ? shape.segs : shape.segs.map((s) => s.toLowerCase());
      const { anchoredStart, anchoredEnd } = shape;
      match = (raw) => globMatch(norm(raw), segs, anchoredStart, anchoredEnd);
      cost = 4;
      break;
    }
    case 'regex': {
      const src = shape.parts
        .map((p) =>
          p === STAR
            ? '[\\s\\S]*'
            : p === ONE
              ? '[\\s\\S]'
              : (p as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      const re = new RegExp(`^${src}$`, cased ? '' : 'i');
      match = (s) => re.test(s);
      cost = 8;
      break;
    }
  }
  const any = (x: unknown) => {
    const s = scalarString(x);
    return s !== undefined && match(s);
  };
  const scalar = (c: EventContext, f: number): boolean => {
    if (f < 0) {
      for (const h of c.keywordHaystack()) if (match(h)) return true;
      return false;
    }
    // Skip the string work when the automaton saw that the needed literal is absent.
    if (atom) {
      c.scan(ti);
      if (!c.hit(atom.id)) return false;
    }
    const s = c.str(f);
    return s !== undefined && match(s);
  };
  return { scalar, any, cost: cost + (atom ? 0 : 2), atom };
}

/** `a*b*c` style match: anchored first/last segments, the rest found in order. */
function globMatch(
  s: string,
  segs: readonly string[],
  anchoredStart: boolean,
  anchoredEnd: boolean,
): boolean {
  let lo = 0;
  let hi = s.length;
  let first = 0;
  let last = segs.length - 1;
  if (anchoredStart) {
    if (!s.startsWith(segs[0]!)) return false;
    lo = segs[0]!.length;
    first = 1;
  }
  if (anchoredEnd && last >= first) {
    const tail = segs[last]!;
    if (s.length - tail.length < lo || !s.endsWith(tail)) return false;
    hi = s.length - tail.length;
    last--;
  }
  for (let i = first; i <= last; i++) {
    const at = s.indexOf(segs[i]!, lo);
    if (at < 0 || at + segs[i]!.length > hi) return false;
    lo = at + segs[i]!.length;
  }
  return true;
}

function eqTest(
  values: string[],
  reg: Registry,
  ti: number,
): ValueTest & { atomsAll: { id: number; len: number }[] } {
  const set = new Set(values);
  const one = values.length === 1 ? values[0]! : undefined;
  const atomsAll = values.filter((v) => v).map((v) => ({ id: reg.needle(ti, v), len: v.length }));
  const hasEmpty = values.includes('');
  const any = (x: unknown) => {
    const s = scalarString(x);
    return s !== undefined && set.has(s.toLowerCase());
  };
  const scalar =
    one !== undefined
      ? (c: EventContext, f: number) => {
          const s = c.str(f);
          return s !== undefined && c.lower(f) === one;
        }
      : (c: EventContext, f: number) => {
          const l = c.lower(f);
          return l !== undefined && set.has(l);
        };
  return { scalar, any, cost: 1, atom: hasEmpty ? null : (atomsAll[0] ?? null), atomsAll };
}

function needleTest(
  needles: { id: number; len: number; text: string }[],
  ti: number,
): ValueTest & { atomsAll: { id: number; len: number }[] } {
  const ids = Int32Array.from(needles.map((n) => n.id));
  return {
    scalar: (c) => {
      c.scan(ti);
      for (let i = 0; i < ids.length; i++) if (c.hit(ids[i]!)) return true;
      return false;
    },
    // Array elements: the automaton's stamps cover all elements together, so check each element.
    any: (x) => {
      const s = scalarString(x);
      if (s === undefined) return false;
      const l = s.toLowerCase();
      return needles.some((n) => l.includes(n.text));
    },
    cost: 1,
    atom: needles[0]!,
    atomsAll: needles,
  };
}

function cidrTest(cidrs: string[]): ValueTest {
  const m = cidrMatcher(cidrs.map((c) => parseCidr(c)!));
  const any = (x: unknown) => typeof x === 'string' && m(x);
  return { scalar: (c, f) => any(f < 0 ? undefined : c.value(f)), any, cost: 6, atom: null };
}
