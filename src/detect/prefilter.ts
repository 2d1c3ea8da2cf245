/**
 * The line prefilter: most access-log lines hold none of the literals any rule needs (no version
 * endpoint, no MCP path, no scanner name), so they cannot match and the rules need not be evaluated
 * on them. One automaton pass over the line decides that. (Lines are still parsed: their time moves
 * the correlation clock, and a malformed one is still counted as skipped.)
 *
 * Exact, not a heuristic, because:
 *   - the literals come from the engine (LiteralTree: what each rule's match requires), and a rule
 *     whose requirement is unknown turns the prefilter off;
 *   - it is used only for formats whose fields appear verbatim in the line (PREFILTER_FORMATS), and
 *     only literals on such fields count;
 *   - a line with a backslash (an escape that could hide a character) or any non-ASCII byte (case
 *     folding beyond ASCII) is always parsed.
 * Which literals: each rule may be satisfiable by several literal sets (`and` of selections); the set
 * that occurs least in a sample of the log is chosen, so a rule needing "a version endpoint and a
 * browser User-Agent" is keyed on the endpoints, not on `mozilla/`.
 */
import type { LiteralTree, SigmaEngine } from '../sigma/index.js';

/** Formats whose event fields are substrings of the line as written (modulo escapes). */
export const PREFILTER_FORMATS: ReadonlySet<string> = new Set([
  'combined',
  'common',
  'vhost_combined',
  'nginx_main',
  'caddy',
  'traefik',
  'envoy',
  'mcpward',
]);

/** Fields copied from the line as written, in those formats (aliases included). */
const VERBATIM_FIELDS: ReadonlySet<string> = new Set([
  'c-ip',
  'src_ip',
  'cs-username',
  'cs-method',
  'cs-uri-stem',
  'cs-uri-query',
  'cs-uri',
  'c-uri',
  'c-uri-stem',
  'c-uri-query',
  'c-uri-extension',
  'cs-version',
  'cs-user-agent',
  'c-useragent',
  'cs-referer',
  'cs-referrer',
  'cs-host',
  'mcp-method',
  'x-mcpward-action',
  'x-mcpward-rule',
  'x-mcpward-reason',
]);

/** Typical lines, for choosing literals when the input cannot be sampled (stdin). */
const BUILTIN_SAMPLE = [
  '203.0.113.9 - - [05/Jan/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 5120 "https://www.example.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"',
  '198.51.100.23 - - [05/Jan/2026:10:00:01 +0000] "GET /static/js/app.3f9a1c.js HTTP/2.0" 304 0 "https://www.example.com/docs" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"',
  '192.0.2.44 - - [05/Jan/2026:10:00:02 +0000] "POST /api/items HTTP/1.1" 201 311 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"',
  '192.0.2.45 - - [05/Jan/2026:10:00:03 +0000] "GET /api/items?page=2 HTTP/1.1" 200 8812 "https://www.example.com/pricing" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"',
  '203.0.113.77 - - [05/Jan/2026:10:00:04 +0000] "GET /images/logo.png HTTP/1.1" 200 10240 "https://www.example.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"',
  '198.51.100.8 - - [05/Jan/2026:10:00:05 +0000] "GET /docs/getting-started HTTP/2.0" 200 20480 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"',
];

/** Alternatives kept per rule (an `or` of `and`s multiplies them). */
const MAX_ALTERNATIVES = 64;

/**
 * The literals to prefilter on, or undefined when the pack cannot be prefiltered (a rule with no
 * literal requirement on verbatim fields). `sample`: lines of the log to judge literal frequency on.
 *
 * Each rule can be satisfied by several literal sets (one per `and` branch); rules with a single choice
 * go first, then each rule takes the set that lets the fewest extra sample lines through given the sets
 * chosen so far (then the fewest new literals). A pack whose rules all need a version endpoint path
 * ends up keyed on those paths, whatever else each rule also needs.
 */
export interface PrefilterPlan {
  /** Lower-case literals, one of which every matching line holds. */
  literals: string[];
  /**
   * All of them are literals of the request line (method, target, protocol): for `combined`-family
   * lines it is enough to look between the request's quotes.
   */
  requestOnly: boolean;
}

/** Fields that come from the request line of a CLF line. */
const REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'cs-method',
  'cs-uri-stem',
  'cs-uri-query',
  'cs-uri',
  'c-uri',
  'c-uri-stem',
  'c-uri-query',
  'c-uri-extension',
  'cs-version',
]);

export function planPrefilter(
  engine: SigmaEngine,
  sample: readonly string[] = [],
): PrefilterPlan | undefined {
  const lines = (sample.length ? sample : BUILTIN_SAMPLE).slice(0, 500).map((l) => l.toLowerCase());
  const through = new Map<string, Uint8Array>();
  const linesWith = (t: string): Uint8Array => {
    let b = through.get(t);
    if (!b) {
      b = new Uint8Array(lines.length);
      for (let i = 0; i < lines.length; i++) if (lines[i]!.includes(t)) b[i] = 1;
      through.set(t, b);
    }
    return b;
  };
  const fieldOf = new Map<string, Set<string>>();
  const alternatives = (tree: LiteralTree): string[][] | undefined => {
    if (tree.t === 'lits') {
      if (tree.field !== null && !VERBATIM_FIELDS.has(tree.field)) return undefined;
      if (tree.texts.some((t) => t === '' || /[^\x20-\x7e]/.test(t))) return undefined;
      for (const t of tree.texts) {
        const f = fieldOf.get(t) ?? new Set<string>();
        f.add(tree.field ?? '_raw');
        fieldOf.set(t, f);
      }
      return [[...tree.texts]];
    }
    const kids = tree.kids.map(alternatives);
    if (tree.t === 'and') {
      const usable = kids.filter((k): k is string[][] => k !== undefined);
      return usable.length ? usable.flat() : undefined;
    }
    if (kids.some((k) => k === undefined)) return undefined;
    let acc: string[][] = [[]];
    for (const k of kids as string[][][]) {
      const nextAcc: string[][] = [];
      for (const a of acc) for (const b of k) nextAcc.push([...a, ...b]);
      acc = nextAcc.length > MAX_ALTERNATIVES ? cheapest(nextAcc, MAX_ALTERNATIVES) : nextAcc;
    }
    return acc;
  };
  const cheapest = (alts: string[][], n: number): string[][] =>
    alts
      .map((a) => ({ a, c: letThrough(a, undefined) }))
      .sort((x, y) => x.c - y.c || x.a.length - y.a.length)
      .slice(0, n)
      .map((x) => x.a);
  /** Sample lines `set` lets through that `base` does not already. */
  const letThrough = (set: readonly string[], base: Uint8Array | undefined): number => {
    let n = 0;
    for (let i = 0; i < lines.length; i++) {
      if (base?.[i]) continue;
      if (set.some((t) => linesWith(t)[i])) n++;
    }
    return n;
  };
  const perRule: string[][][] = [];
  for (const r of engine.rules) {
    const tree = engine.literalTree(r.index);
    const alts = tree ? alternatives(tree) : undefined;
    if (!alts?.length) return undefined;
    perRule.push(alts);
  }
  perRule.sort((a, b) => a.length - b.length);
  const chosen = new Set<string>();
  const covered = new Uint8Array(lines.length);
  for (const alts of perRule) {
    let best: string[] | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    let bestNew = Number.POSITIVE_INFINITY;
    for (const a of alts) {
      const cost = letThrough(a, covered);
      const fresh = a.filter((t) => !chosen.has(t)).length;
      if (cost < bestCost || (cost === bestCost && fresh < bestNew)) {
        best = a;
        bestCost = cost;
        bestNew = fresh;
      }
    }
    for (const t of best!) {
      chosen.add(t);
      const b = linesWith(t);
      for (let i = 0; i < lines.length; i++) if (b[i]) covered[i] = 1;
    }
  }
  const requestOnly = [...chosen].every((t) =>
    [...(fieldOf.get(t) ?? ['_raw'])].every((f) => REQUEST_FIELDS.has(f)),
  );
  // A line holding `/version/` holds `/version`: keep only literals no other literal is part of.
  const lits = [...chosen];
  return { literals: lits.filter((l) => !lits.some((m) => m !== l && l.includes(m))).sort(), requestOnly };
}

const SINK = -1;

/**
 * A dense byte automaton (Aho-Corasick made a DFA) that falls into SINK as soon as a literal occurs,
 * on a backslash, or on a non-ASCII byte. Upper-case ASCII letters fold to lower case.
 */
export function literalAutomaton(literals: readonly string[]): Int32Array {
  const next: Map<number, number>[] = [new Map()];
  const out: boolean[] = [false];
  for (const lit of literals) {
    let s = 0;
    for (let i = 0; i < lit.length; i++) {
      const c = lit.charCodeAt(i);
      let t = next[s]!.get(c);
      if (t === undefined) {
        t = next.length;
        next.push(new Map());
        out.push(false);
        next[s]!.set(c, t);
      }
      s = t;
    }
    out[s] = true;
  }
  const n = next.length;
  const delta = new Int32Array(n * 256);
  const fail = new Int32Array(n);
  const queue: number[] = [];
  for (let c = 0; c < 256; c++) {
    const t = next[0]!.get(c);
    delta[c] = t ?? 0;
    if (t !== undefined) queue.push(t);
  }
  for (let q = 0; q < queue.length; q++) {
    const r = queue[q]!;
    if (out[fail[r]!]) out[r] = true;
    for (let c = 0; c < 256; c++) {
      const t = next[r]!.get(c);
      if (t !== undefined) {
        fail[t] = delta[fail[r]! * 256 + c]!;
        delta[r * 256 + c] = t;
        queue.push(t);
      } else delta[r * 256 + c] = delta[fail[r]! * 256 + c]!;
    }
  }
  const table = new Int32Array(n * 256);
  for (let s = 0; s < n; s++) {
    for (let b = 0; b < 256; b++) {
      let v: number;
      if (b === 0x5c || b >= 0x80) v = SINK;
      else {
        const c = b >= 0x41 && b <= 0x5a ? b + 32 : b;
        const t = delta[s * 256 + c]!;
        v = out[t] ? SINK : t;
      }
      table[s * 256 + b] = v;
    }
  }
  return table;
}

/** Whether line[from, to) may match (false: it holds none of the literals); see planPrefilter. */
export type LinePrefilter = (line: string, from?: number, to?: number) => boolean;

export function linePrefilter(literals: readonly string[]): LinePrefilter {
  const table = literalAutomaton(literals);
  return (line, from = 0, to = line.length) => {
    let s = 0;
    for (let i = from; i < to; i++) {
      const c = line.charCodeAt(i);
      if (c > 0xff) return true;
      s = table[(s << 8) | c]!;
      if (s < 0) return true;
    }
    return false;
  };
}
