/**
 * Value modifiers (sigma-appendix-modifiers.md): validates a `field|mod|mod` key and turns its YAML
 * values into ValueSpecs. Transformations run in the order written, as the spec says, so
 * `|base64offset|contains` works and `|contains|base64` is an error that says why.
 */

import { parseCidr } from './cidr.js';
import { closest, isPlainObject } from './context.js';
import {
  hasPlaceholders,
  hasWildcards,
  normalizeParts,
  ONE,
  parseSigmaString,
  type SigmaStr,
  STAR,
  type StrPart,
} from './sigma-string.js';
import type { CompareOp, TimePart, ValueSpec } from './types.js';

const TYPE_MODS = new Set([
  're',
  'cidr',
  'exists',
  'fieldref',
  'gt',
  'gte',
  'lt',
  'lte',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
]);
const RE_FLAGS: Record<string, string> = {
  i: 'i',
  ignorecase: 'i',
  m: 'm',
  multiline: 'm',
  s: 's',
  dotall: 's',
};
const POSITION = new Set(['contains', 'startswith', 'endswith']);
const ENCODINGS = new Set(['base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide']);
const STRING_MODS = new Set([...POSITION, ...ENCODINGS, 'windash', 'cased', 'expand']);
const TIME_PARTS: Record<TimePart, [number, number]> = {
  minute: [0, 59],
  hour: [0, 23],
  day: [1, 31],
  week: [1, 53],
  month: [1, 12],
  year: [0, 9999],
};

/** Every modifier of the Sigma 2.1 appendix, plus pySigma's long names for the regex flags. */
export const KNOWN_MODIFIERS: ReadonlySet<string> = new Set([
  ...TYPE_MODS,
  ...Object.keys(RE_FLAGS),
  ...STRING_MODS,
  'all',
  'neq',
]);

/** Allowed companions of each type modifier. */
const COMPANIONS: Record<string, ReadonlySet<string>> = {
  re: new Set([...Object.keys(RE_FLAGS), ...POSITION, 'all', 'neq']),
  cidr: new Set(['all', 'neq']),
  exists: new Set(),
  fieldref: new Set([...POSITION, 'cased', 'all', 'neq']),
  cmp: new Set(['all', 'neq']),
  time: new Set(['all', 'neq']),
};

/** Upper bound on values one item may expand to (windash, base64offset, placeholders). */
export const MAX_EXPANSION = 10_000;

export type Fail = (path: readonly (string | number)[], message: string) => never;

export interface ParsedKey {
  readonly field: string | null;
  readonly modifiers: readonly string[];
}

/** Splits `field|mod1|mod2` and checks every modifier name. */
export function parseKey(key: string, path: readonly (string | number)[], fail: Fail): ParsedKey {
  const [field = '', ...mods] = key.split('|');
  const seen = new Set<string>();
  for (const m of mods) {
    if (m === '') fail(path, `empty modifier in '${key}'`);
    if (!KNOWN_MODIFIERS.has(m)) {
      const hint = closest(m, KNOWN_MODIFIERS);
      fail(path, `unknown modifier '${m}' in '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    if (seen.has(m)) fail(path, `modifier '${m}' appears twice in '${key}'`);
    seen.add(m);
  }
  return { field: field === '' ? null : field, modifiers: mods };
}

interface Plan {
  type: 'none' | 're' | 'cidr' | 'exists' | 'fieldref' | 'cmp' | 'time';
  typeMod?: string;
  all: boolean;
  negate: boolean;
  cased: boolean;
  expand: boolean;
}

function plan(key: string, p: ParsedKey, path: readonly (string | number)[], fail: Fail): Plan {
  const mods = p.modifiers;
  const types = mods.filter((m) => TYPE_MODS.has(m));
  if (types.length > 1)
    fail(path, `modifiers '${types[0]}' and '${types[1]}' cannot be combined in '${key}'`);
  const t = types[0];
  const type: Plan['type'] =
    t === undefined
      ? 'none'
      : t === 'gt' || t === 'gte' || t === 'lt' || t === 'lte'
        ? 'cmp'
        : t in TIME_PARTS
          ? 'time'
          : (t as Plan['type']);
  if (t !== undefined) {
    const allowed = COMPANIONS[type]!;
    for (const m of mods) {
      if (m !== t && !allowed.has(m))
        fail(path, `modifier '${m}' cannot be combined with '${t}' in '${key}'`);
    }
  }
  for (const m of mods) {
    if (m in RE_FLAGS) {
      if (type !== 're') fail(path, `'${m}' is a sub-modifier of 're' and needs it in '${key}'`);
      if (mods.indexOf(m) < mods.indexOf('re')) fail(path, `'${m}' must come after 're' in '${key}'`);
    }
  }
  if (
    p.field === null &&
    (type === 'exists' || type === 'fieldref' || type === 'cmp' || type === 'time' || type === 'cidr')
  ) {
    fail(path, `modifier '${t}' needs a field name; keywords ('${key}') search the whole event`);
  }
  if (type === 're' && mods.indexOf('re') > 0) {
    const before = mods
      .slice(0, mods.indexOf('re'))
      .filter((m) => !POSITION.has(m) && m !== 'all' && m !== 'neq');
    if (before.length)
      fail(path, `'re' must apply to the value as written, not after '${before[0]}', in '${key}'`);
  }
  const expand = mods.includes('expand');
  if (expand) {
    const bad = mods.find((m) => ENCODINGS.has(m) || m === 'windash');
    if (bad)
      fail(
        path,
        `'expand' cannot be combined with '${bad}' in '${key}': placeholder values are only known when rules are compiled`,
      );
  }
  return {
    type,
    typeMod: t,
    all: mods.includes('all'),
    negate: mods.includes('neq'),
    cased: mods.includes('cased'),
    expand,
  };
}

/**
 * Builds the ValueSpecs of one detection item. `raw` is the YAML value (scalar or list).
 */
export function buildValues(
  key: string,
  parsed: ParsedKey,
  raw: unknown,
  path: readonly (string | number)[],
  fail: Fail,
): { values: ValueSpec[]; all: boolean; negate: boolean } {
  const pl = plan(key, parsed, path, fail);
  const isList = Array.isArray(raw);
  const list: unknown[] = isList ? (raw as unknown[]) : [raw];
  if (list.length === 0) fail(path, `'${key}' has an empty list of values`);
  if (isList) {
    list.forEach((v, i) => {
      if (Array.isArray(v) || isPlainObject(v))
        fail([...path, i], 'values must be strings, numbers or booleans, not nested lists or maps');
      if (v === null && list.length > 1)
        fail(
          [...path, i],
          'null cannot be part of a list of values (spec: use a separate selection for null)',
        );
    });
  } else if (isPlainObject(raw)) {
    fail(path, `the value of '${key}' must be a string, number, boolean, null or a list of them, not a map`);
  }
  if (pl.all && list.length < 2) fail(path, `'all' needs a list of at least two values ('${key}' has one)`);
  const out: ValueSpec[] = [];
  list.forEach((v, i) => {
    const vpath = isList ? [...path, i] : path;
    for (const spec of valueSpecs(key, parsed, pl, v, vpath, fail)) {
      out.push(spec);
      if (out.length > MAX_EXPANSION) fail(path, `'${key}' expands to more than ${MAX_EXPANSION} values`);
    }
  });
  return { values: out, all: pl.all, negate: pl.negate };
}

function valueSpecs(
  key: string,
  parsed: ParsedKey,
  pl: Plan,
  v: unknown,
  path: readonly (string | number)[],
  fail: Fail,
): ValueSpec[] {
  if (v instanceof Date) v = v.toISOString();
  const mods = parsed.modifiers;
  switch (pl.type) {
    case 'exists':
      if (typeof v !== 'boolean') fail(path, `'exists' needs true or false, got ${JSON.stringify(v)}`);
      return [{ kind: 'exists', b: v }];
    case 're': {
      if (typeof v !== 'string' && typeof v !== 'number')
        fail(path, `'re' needs a string (a regular expression), got ${JSON.stringify(v)}`);
      let { source, flags } = inlineFlags(String(v));
      for (const m of mods) if (m in RE_FLAGS && !flags.includes(RE_FLAGS[m]!)) flags += RE_FLAGS[m];
      const starts = mods.includes('startswith');
      const ends = mods.includes('endswith');
      if (starts || ends) source = `${starts ? '^' : ''}(?:${source})${ends ? '$' : ''}`;
      try {
        new RegExp(source, flags);
      } catch (e) {
        fail(
          path,
          `invalid regular expression ${JSON.stringify(String(v))}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
        );
      }
      return [{ kind: 're', source, flags }];
    }
    case 'cidr': {
      if (typeof v !== 'string' || !parseCidr(v))
        fail(
          path,
          `'cidr' needs an IPv4 or IPv6 network like 10.0.0.0/8 or fe80::/10, got ${JSON.stringify(v)}`,
        );
      return [{ kind: 'cidr', cidr: v }];
    }
    case 'fieldref': {
      if (typeof v !== 'string' || v === '')
        fail(path, `'fieldref' needs the name of another field, got ${JSON.stringify(v)}`);
      if (/[*?]/.test(v)) fail(path, `field references cannot contain wildcards ('${v}')`);
      return [
        {
          kind: 'fieldref',
          field: v,
          start: mods.includes('contains') || mods.includes('endswith'),
          end: mods.includes('contains') || mods.includes('startswith'),
          cased: pl.cased,
        },
      ];
    }
    case 'cmp': {
      const n = toNumber(v);
      if (n === undefined)
        fail(path, `'${pl.typeMod}' compares numbers; ${JSON.stringify(v)} is not a number`);
      return [{ kind: 'cmp', op: pl.typeMod as CompareOp, n }];
    }
    case 'time': {
      const n = toNumber(v);
      const [lo, hi] = TIME_PARTS[pl.typeMod as TimePart];
      if (n === undefined || !Number.isInteger(n) || n < lo || n > hi)
        fail(path, `'${pl.typeMod}' needs a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
      return [{ kind: 'time', part: pl.typeMod as TimePart, n }];
    }
    case 'none':
      break;
  }
  const stringMods = mods.filter((m) => STRING_MODS.has(m) && m !== 'cased');
  const keyword = parsed.field === null;
  if (v === null) {
    if (stringMods.length || pl.cased) fail(path, `null cannot take modifiers (${mods.join('|')})`);
    if (keyword) fail(path, 'null is not a keyword: keywords search for text');
    return [{ kind: 'null' }];
  }
  if (typeof v === 'boolean') {
    if (stringMods.length || keyword)
      fail(path, `${v} is a boolean: string modifiers and keywords need text`);
    return [{ kind: 'bool', b: v }];
  }
  if (typeof v === 'number' && !stringMods.length && !keyword) {
    if (!Number.isFinite(v)) fail(path, `${v} is not a finite number`);
    return [{ kind: 'num', n: v }];
  }
  if (typeof v !== 'string' && typeof v !== 'number') fail(path, `unsupported value ${JSON.stringify(v)}`);
  const text = String(v);
  let strs: SigmaStr[] = [{ parts: parseSigmaString(text, pl.expand), bytes: false }];
  for (const m of mods) {
    switch (m) {
      case 'windash': {
        if (strs.some((s) => s.bytes)) fail(path, `'windash' must come before UTF-16 encodings in '${key}'`);
        const out: SigmaStr[] = [];
        for (const s of strs) {
          const variants = windash(s, MAX_EXPANSION - out.length);
          if (!variants) fail(path, `'${key}' expands to more than ${MAX_EXPANSION} values`);
          out.push(...variants);
        }
        strs = out;
        break;
      }
      case 'utf16le':
      case 'wide':
      case 'utf16be':
      case 'utf16':
        if (strs.some((s) => s.bytes))
          fail(path, `'${m}' encodes text, but the value is already UTF-16 encoded in '${key}'`);
        strs = strs.map((s) => utf16(s, m));
        break;
      case 'base64':
      case 'base64offset':
        if (strs.some((s) => hasWildcards(s.parts))) {
          fail(
            path,
            `'${m}' cannot encode wildcards in ${JSON.stringify(text)}: escape them (\\*) or put 'contains' after '${m}'`,
          );
        }
        strs = strs.flatMap((s) => (m === 'base64' ? [base64(s)] : base64offset(s)));
        break;
      case 'contains':
        strs = strs.map((s) => wrap(s, true, true));
        break;
      case 'startswith':
        strs = strs.map((s) => wrap(s, false, true));
        break;
      case 'endswith':
        strs = strs.map((s) => wrap(s, true, false));
        break;
    }
    if (strs.length > MAX_EXPANSION) fail(path, `'${key}' expands to more than ${MAX_EXPANSION} values`);
  }
  // Keywords without a position modifier search anywhere in the event text.
  if (keyword && !mods.some((m) => POSITION.has(m))) strs = strs.map((s) => wrap(s, true, true));
  return strs.map((str) => ({
    kind: 'str',
    str: { parts: normalizeParts(str.parts), bytes: str.bytes },
    cased: pl.cased,
  }));
}

/** Leading `(?i)`, `(?s)`, `(?m)` groups (PCRE style, used by SigmaHQ rules) become JS flags. */
export function inlineFlags(src: string): { source: string; flags: string } {
  const m = /^\(\?([ims]+)\)/.exec(src);
  if (!m) return { source: src, flags: '' };
  return { source: src.slice(m[0].length), flags: [...new Set(m[1]!)].join('') };
}

export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

function wrap(s: SigmaStr, before: boolean, after: boolean): SigmaStr {
  const parts: StrPart[] = [...s.parts];
  if (before && parts[0] !== STAR) parts.unshift(STAR);
  if (after && parts[parts.length - 1] !== STAR) parts.push(STAR);
  return { parts, bytes: s.bytes };
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

/**
 * pySigma's rule: a `-` or `/` that starts a word (`\B[-/]\b`) takes each dash form. Returns null
 * when that would make more than `limit` values.
 */
function windash(s: SigmaStr, limit: number): SigmaStr[] | null {
  let variants: StrPart[][] = [[]];
  for (const p of s.parts) {
    if (typeof p !== 'string') {
      for (const v of variants) v.push(p);
      continue;
    }
    let texts = [''];
    let last = 0;
    for (const m of p.matchAll(/\B[-/]\b/g)) {
      const lead = p.slice(last, m.index);
      texts = texts.flatMap((t) => DASHES.map((d) => t + lead + d));
      if (texts.length * variants.length > limit) return null;
      last = m.index + 1;
    }
    const tail = p.slice(last);
    variants = variants.flatMap((v) => texts.map((t) => [...v, t + tail]));
  }
  return variants.map((parts) => ({ parts, bytes: s.bytes }));
}

function utf16(s: SigmaStr, mod: string): SigmaStr {
  const parts: StrPart[] = s.parts.map((p) => {
    if (typeof p !== 'string') return p;
    const le = Buffer.from(p, 'utf16le');
    if (mod === 'utf16be') le.swap16();
    return le.toString('latin1');
  });
  if (mod === 'utf16') parts.unshift('\xff\xfe');
  return { parts, bytes: true };
}

function bytesOf(s: SigmaStr): Buffer {
  const text = s.parts.map((p) => (typeof p === 'string' ? p : '')).join('');
  return Buffer.from(text, s.bytes ? 'latin1' : 'utf8');
}

function base64(s: SigmaStr): SigmaStr {
  return { parts: [bytesOf(s).toString('base64')], bytes: false };
}

/** The three shifted encodings whose stable middle appears wherever the value sits in a base64 blob. */
function base64offset(s: SigmaStr): SigmaStr[] {
  const raw = bytesOf(s);
  const starts = [0, 2, 3];
  const ends = [0, -3, -2];
  const out: SigmaStr[] = [];
  for (let i = 0; i < 3; i++) {
    const enc = Buffer.concat([Buffer.alloc(i, 0x20), raw]).toString('base64');
    const end = ends[(raw.length + i) % 3]!;
    out.push({ parts: [enc.slice(starts[i], end === 0 ? undefined : end)], bytes: false });
  }
  return out;
}

export function isPlaceholderValue(spec: ValueSpec): boolean {
  return spec.kind === 'str' && hasPlaceholders(spec.str.parts);
}

export { ONE, STAR };
