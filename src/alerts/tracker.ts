/**
 * Engine results → alerts, one per rule and source per window.
 *
 * - A single-event rule (standalone) opens an alert for its source (`c-ip`) at its first matching
 *   event; later matches of the same rule and source within `windowMs` are folded into it (count, last
 *   seen, URIs, samples).
 * - A correlation hit opens an alert for its group. The events that led to it are taken from a small
 *   per-group lookback buffer ("evidence") kept for the rules the correlation refers to (directly, or
 *   through inner correlations with the same group-by); later events of the group are folded in until
 *   the correlation's window ends (the engine stays quiet for that group meanwhile).
 *
 * Alerts are emitted when they open (live use: act at once) or when their window closes (batch use:
 * complete counts). Memory is bounded: lookback buffers expire with the correlation's timespan and are
 * capped per correlation; open alerts are capped (the oldest is closed early).
 */
import {
  type CompiledRule,
  type CorrelationHit,
  detach,
  type SigmaEngine,
  type SigmaEvent,
} from '../sigma/index.js';
import { EvidenceStore, type Item } from './evidence.js';
import { type Alert, DEFAULT_LEVEL } from './model.js';

export interface TrackerOptions {
  /** Dedupe window of single-event rules, ms (default 1 h). */
  windowMs?: number;
  /** Log lines kept per alert (default 5). */
  maxSamples?: number;
  /** Distinct URIs listed per alert (default 20). */
  maxUris?: number;
  /** `open`: emit an alert when it opens; `close` (default): when its window ends, complete. */
  emit?: 'open' | 'close';
  /** Open alerts at most; beyond, the one closing soonest is closed early (default 100,000). */
  maxOpen?: number;
  /** Lookback buffers per correlation at most (default 10,000; least recently used dropped). */
  maxEvidenceGroups?: number;
  /** Events kept per lookback buffer (default 32, the newest: a full scan by mcpward fits). */
  evidencePerGroup?: number;
  /**
   * Whether a sample's log line can be read back from its file later (by offset), so the tracker need
   * not keep the text in memory meanwhile: detect's batch mode over plain files. Default: never.
   */
  rereadable?: (file: string) => boolean;
}

interface Open {
  /** `r` + rule index or `c` + correlation index. */
  kind: 'r' | 'c';
  index: number;
  /** Source (rules) or group key (correlations). */
  key: string;
  alert: Alert;
  uriSet: Set<string>;
  closeAt: number;
  seq: number;
  closed: boolean;
}

/** A rule feeding an alerting correlation, and the fields that make the correlation's group key for it. */
interface Leaf {
  corr: number;
  fields: readonly string[];
  /**
   * A later step of a temporal_ordered correlation: worth remembering only for groups whose earlier
   * steps were seen (otherwise it cannot complete the sequence).
   */
  needsPrior: boolean;
}

export interface TrackerSnapshot {
  readonly version: 1;
  readonly seq: number;
  readonly open: readonly {
    kind: 'r' | 'c';
    index: number;
    key: string;
    alert: Alert;
    uris: string[];
    closeAt: number;
    seq: number;
  }[];
  readonly evidence: readonly (readonly [string, number, Item[], boolean[]])[][];
}

const MAX_UAS = 5;

export class AlertTracker {
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly maxUris: number;
  private readonly emitOnOpen: boolean;
  private readonly maxOpen: number;
  private readonly maxEvidence: number;
  private readonly perGroup: number;
  private rereadable: (file: string) => boolean;
  /** User-Agents seen recently, stored once (they repeat, and a slice of a line keeps the line alive). */
  private readonly uas = new Map<string, string>();
  /** rule index → correlations (alerting ones) it feeds, with the group fields. */
  private readonly leaves: Leaf[][];
  /** correlation index → lookback span (its timespan plus inner correlations' timespans). */
  private readonly retention: number[];
  /** correlation index → lookback buffers by group key. */
  private readonly evidence: EvidenceStore[];
  /** Open alerts of single-event rules (by rule index, then source) and of correlations (by group key). */
  private readonly ruleOpen: Map<string, Open>[];
  private readonly corrOpen: Map<string, Open>[];
  private openCount = 0;
  private readonly heap: Open[] = [];
  private seq = 0;

  constructor(engine: SigmaEngine, opts: TrackerOptions = {}) {
    this.windowMs = opts.windowMs ?? 3_600_000;
    this.maxSamples = opts.maxSamples ?? 5;
    this.maxUris = opts.maxUris ?? 20;
    this.emitOnOpen = opts.emit === 'open';
    this.maxOpen = opts.maxOpen ?? 100_000;
    this.maxEvidence = opts.maxEvidenceGroups ?? 10_000;
    this.perGroup = Math.max(opts.evidencePerGroup ?? 32, this.maxSamples);
    this.rereadable = opts.rereadable ?? (() => false);
    const plan = planLeaves(engine);
    this.leaves = plan.leaves;
    this.retention = plan.retention;
    this.evidence = engine.correlations.map(
      (_, i) => new EvidenceStore(this.retention[i]!, this.maxEvidence, this.perGroup),
    );
    this.ruleOpen = engine.rules.map(() => new Map());
    this.corrOpen = engine.correlations.map(() => new Map());
  }

  private openOf(kind: 'r' | 'c', index: number): Map<string, Open> {
    return (kind === 'r' ? this.ruleOpen : this.corrOpen)[index]!;
  }

  /**
   * One event that matched `matches` at event time `t` (ms), and the correlation hits it caused.
   * Alerts that open (emit 'open') or close (emit 'close') are pushed to `out`.
   */
  observe(
    ev: SigmaEvent,
    t: number,
    matches: readonly CompiledRule[],
    hits: readonly CorrelationHit[],
    out: Alert[],
  ): void {
    let item: Item | undefined;
    for (const rule of matches) {
      const leaves = this.leaves[rule.index];
      if (rule.standalone) this.onRule(rule, ev, t, out);
      if (!leaves) continue;
      for (const leaf of leaves) {
        const key = groupKey(ev, leaf.fields);
        if (key === undefined) continue;
        if (leaf.needsPrior && !this.evidence[leaf.corr]!.has(key)) continue;
        item ??= this.itemOf(ev, t);
        const open = this.corrOpen[leaf.corr]!.get(key);
        const fold = open !== undefined && !open.closed && t < open.closeAt;
        if (fold) this.fold(open, item);
        this.remember(leaf.corr, key, item, fold);
      }
    }
    this.hits(hits, out);
  }

  /** Correlation hits that came without an event (windows closed by time): see SigmaEngine.advance(). */
  hits(hits: readonly CorrelationHit[], out: Alert[]): void {
    for (const h of hits) if (h.standalone) this.onHit(h, out);
  }

  /** Event time moved to `wm`: closes alert windows and drops lookback buffers that ended. */
  advance(wm: number, out: Alert[]): void {
    while (this.heap.length && this.heap[0]!.closeAt <= wm) this.close(this.popHeap(), out);
    for (const e of this.evidence) e.expire(wm);
  }

  /** End of input: closes every open alert (emitted now in 'close' mode). */
  flush(out: Alert[]): void {
    while (this.heap.length) this.close(this.popHeap(), out);
    for (const m of this.evidence) m.clear();
  }

  /** See TrackerOptions.rereadable. */
  setRereadable(fn: (file: string) => boolean): void {
    this.rereadable = fn;
  }

  get openAlerts(): number {
    return this.openCount;
  }

  /**
   * What the tracker keeps of an event: its time, target, User-Agent and where its line is. The line's
   * text is kept unless it can be read back from the file (then '' until the alert is reported); a
   * line that is not from a file is rebuilt from the fields. Kept strings are detached from the line.
   */
  private itemOf(ev: SigmaEvent, t: number): Item {
    const raw = ev['_raw'];
    const line = ev['_line'];
    const offset = ev['_offset'];
    const file = str(ev['_source']) ?? '';
    const fromFile = typeof offset === 'number' && file !== '' && file !== '-';
    let text: string;
    if (fromFile && this.rereadable(file)) text = '';
    else if (typeof raw === 'string') text = raw;
    else if (fromFile) text = '';
    else
      text = [ev['c-ip'], ev['cs-method'], uriOf(ev), ev['sc-status'], ev['cs-user-agent']]
        .filter((x) => x !== undefined && x !== null && x !== '')
        .join(' ');
    const uri = uriOf(ev);
    return {
      t,
      uri: uri === undefined ? undefined : detach(uri),
      ua: this.ua(str(ev['cs-user-agent'])),
      file,
      line: typeof line === 'number' ? line : 0,
      offset: typeof offset === 'number' ? offset : 0,
      text,
    };
  }

  private ua(ua: string | undefined): string | undefined {
    if (ua === undefined) return undefined;
    let own = this.uas.get(ua);
    if (own === undefined) {
      if (this.uas.size >= 10_000) this.uas.clear();
      own = detach(ua);
      this.uas.set(own, own);
    }
    return own;
  }

  private remember(corr: number, key: string, item: Item, used: boolean): void {
    this.evidence[corr]!.add(key, item, used);
  }

  private onRule(rule: CompiledRule, ev: SigmaEvent, t: number, out: Alert[]): void {
    const source = str(ev['c-ip']) ?? '-';
    const item = this.itemOf(ev, t);
    const cur = this.ruleOpen[rule.index]!.get(source);
    if (cur && !cur.closed && t < cur.closeAt) {
      this.fold(cur, item);
      return;
    }
    if (cur && !cur.closed) this.close(cur, out);
    const alert: Alert = {
      rule: rule.id ?? rule.name ?? rule.title,
      ...(rule.name ? { ruleName: rule.name } : {}),
      title: rule.title,
      level: rule.level ?? DEFAULT_LEVEL,
      kind: 'rule',
      tags: rule.tags,
      ruleFile: rule.source.file,
      ruleLine: rule.source.line,
      source,
      group: { 'c-ip': source },
      firstSeen: t,
      lastSeen: t,
      windowStart: t,
      windowEnd: t + this.windowMs,
      count: 0,
      uris: [],
      uriCount: 0,
      userAgents: [],
      samples: [],
    };
    const o = this.start('r', rule.index, source, alert, t + this.windowMs, out);
    this.fold(o, item);
    if (this.emitOnOpen) out.push(frozenCopy(alert));
  }

  private onHit(h: CorrelationHit, out: Alert[]): void {
    const c = h.correlation;
    const cur = this.corrOpen[c.index]!.get(h.groupKey);
    if (cur && !cur.closed) {
      if (h.timestamp < cur.closeAt) {
        cur.alert.value = Math.max(cur.alert.value ?? 0, h.value);
        return;
      }
      this.close(cur, out);
    }
    const sliding = c.mode === 'sliding';
    const closeAt = sliding ? h.timestamp + c.timespanMs : h.windowEnd;
    const lookback = this.retention[c.index]! - c.timespanMs;
    const lo = (sliding ? h.timestamp - c.timespanMs : h.windowStart) - lookback;
    const hi = sliding ? h.timestamp : h.windowEnd;
    const values = c.groupBy.map((g) => h.group[g] ?? '');
    const alert: Alert = {
      rule: c.id ?? c.name ?? c.title,
      ...(c.name ? { ruleName: c.name } : {}),
      title: c.title,
      level: c.level ?? DEFAULT_LEVEL,
      kind: 'correlation',
      correlationType: c.type,
      tags: c.tags,
      ruleFile: c.source.file,
      ruleLine: c.source.line,
      source: h.group['c-ip'] ?? h.group['c-net'] ?? (values.length ? values.join(' ') : '*'),
      group: { ...h.group },
      firstSeen: h.timestamp,
      lastSeen: h.timestamp,
      windowStart: lo,
      windowEnd: closeAt,
      count: 0,
      value: h.value,
      uris: [],
      uriCount: 0,
      userAgents: [],
      samples: [],
    };
    const o = this.start('c', c.index, h.groupKey, alert, closeAt, out);
    const e = this.evidence[c.index]!.get(h.groupKey);
    let first = Number.POSITIVE_INFINITY;
    if (e)
      for (let i = 0; i < e.items.length; i++) {
        const it = e.items[i]!;
        if (e.used[i] || it.t < lo || it.t > hi) continue;
        e.used[i] = true;
        first = Math.min(first, it.t);
        this.fold(o, it);
      }
    if (alert.count === 0 && h.event) this.fold(o, this.itemOf(h.event, h.timestamp));
    if (Number.isFinite(first)) alert.firstSeen = first;
    if (this.emitOnOpen) out.push(frozenCopy(alert));
  }

  private fold(o: Open, it: Item): void {
    const a = o.alert;
    a.count++;
    if (it.t < a.firstSeen) a.firstSeen = it.t;
    if (it.t > a.lastSeen) a.lastSeen = it.t;
    if (it.uri !== undefined && !o.uriSet.has(it.uri)) {
      o.uriSet.add(it.uri);
      a.uriCount++;
      if (a.uris.length < this.maxUris) a.uris.push(it.uri);
    }
    if (it.ua !== undefined && a.userAgents.length < MAX_UAS && !a.userAgents.includes(it.ua))
      a.userAgents.push(it.ua);
    if (a.samples.length < this.maxSamples)
      a.samples.push({ file: it.file, line: it.line, offset: it.offset, time: it.t, text: it.text });
  }

  private start(
    kind: 'r' | 'c',
    index: number,
    key: string,
    alert: Alert,
    closeAt: number,
    out: Alert[],
  ): Open {
    if (this.openCount >= this.maxOpen && this.heap.length) this.close(this.popHeap(), out);
    const o: Open = { kind, index, key, alert, uriSet: new Set(), closeAt, seq: ++this.seq, closed: false };
    this.openOf(kind, index).set(key, o);
    this.openCount++;
    this.pushHeap(o);
    return o;
  }

  private close(o: Open, out: Alert[]): void {
    if (o.closed) return;
    o.closed = true;
    const m = this.openOf(o.kind, o.index);
    if (m.get(o.key) === o) {
      m.delete(o.key);
      this.openCount--;
    }
    if (!this.emitOnOpen) out.push(o.alert);
  }

  // A binary heap of open alerts by (closeAt, seq); closed entries are skipped when popped.
  private pushHeap(o: Open): void {
    const h = this.heap;
    h.push(o);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private popHeap(): Open {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  /** Open alerts and lookback buffers as plain JSON (for a follower checkpoint). */
  snapshot(): TrackerSnapshot {
    return {
      version: 1,
      seq: this.seq,
      open: [...this.ruleOpen, ...this.corrOpen].flatMap((m) =>
        [...m.values()].map((o) => ({
          kind: o.kind,
          index: o.index,
          key: o.key,
          alert: o.alert,
          uris: [...o.uriSet],
          closeAt: o.closeAt,
          seq: o.seq,
        })),
      ),
      evidence: this.evidence.map((m) =>
        [...m.entries()].map(([k, e]) => [k, e.last, e.items, e.used] as const),
      ),
    };
  }

  /** Restores snapshot() state into a fresh tracker over the same pack. */
  restore(state: unknown): void {
    const s = state as Partial<TrackerSnapshot> | null;
    if (s?.version !== 1 || !Array.isArray(s.open) || !Array.isArray(s.evidence)) return;
    this.seq = typeof s.seq === 'number' ? s.seq : 0;
    for (const o of s.open) {
      const m = (o.kind === 'r' ? this.ruleOpen : this.corrOpen)[o.index];
      if (!m) continue;
      const open: Open = {
        kind: o.kind,
        index: o.index,
        key: o.key,
        alert: o.alert,
        uriSet: new Set(o.uris),
        closeAt: o.closeAt,
        seq: o.seq,
        closed: false,
      };
      m.set(o.key, open);
      this.openCount++;
      this.pushHeap(open);
    }
    s.evidence.forEach((groups, i) => {
      const m = this.evidence[i];
      if (!m || !Array.isArray(groups)) return;
      for (const [k, last, items, used] of groups) m.restore(k, { last, pos: last, items, used });
    });
  }
}

function before(a: Open, b: Open): boolean {
  return a.closeAt < b.closeAt || (a.closeAt === b.closeAt && a.seq < b.seq);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** The group key the engine would compute for these group-by fields (values joined by \x1f). */
function groupKey(ev: SigmaEvent, fields: readonly string[]): string | undefined {
  let key = '';
  for (let i = 0; i < fields.length; i++) {
    const s = str(ev[fields[i]!]);
    if (s === undefined) return undefined;
    key = i === 0 ? s : `${key}\x1f${s}`;
  }
  return key;
}

function uriOf(ev: SigmaEvent): string | undefined {
  return str(ev['cs-uri-query']) ?? str(ev['cs-uri-stem']) ?? str(ev['c-uri']);
}

/**
 * Which rules feed which alerting (standalone) correlations, with the fields of the group key. Inner
 * correlations pass their rules up when their group-by is the outer one's (then the keys agree).
 */
function planLeaves(engine: SigmaEngine): { leaves: Leaf[][]; retention: number[] } {
  const ruleBy = new Map<string, number>();
  engine.rules.forEach((r, i) => {
    for (const k of [r.id, r.name]) if (k) ruleBy.set(k.toLowerCase(), i);
  });
  const corrBy = new Map<string, number>();
  engine.correlations.forEach((c, i) => {
    for (const k of [c.id, c.name]) if (k) corrBy.set(k.toLowerCase(), i);
  });
  const leaves: Leaf[][] = engine.rules.map(() => []);
  const retention = engine.correlations.map((c) => c.timespanMs);

  /** Leaf rules of correlation `ci` for an outer group key made of `outer` group-by names. */
  const collect = (
    ci: number,
    outer: readonly string[],
    depth: number,
  ): { rule: number; fields: string[]; later: boolean }[] => {
    const c = engine.correlations[ci]!;
    if (depth > 16) return [];
    const sameGroup = c.groupBy.length === outer.length && c.groupBy.every((g, i) => g === outer[i]);
    if (!sameGroup) return [];
    const out: { rule: number; fields: string[]; later: boolean }[] = [];
    const ordered = c.type === 'temporal_ordered';
    c.rules.forEach((ref, step) => {
      const r = ref.toLowerCase();
      const fields = c.groupBy.map((g) => {
        const alias = c.correlation.aliases.get(g);
        return alias?.get(ref) ?? alias?.get(r) ?? g;
      });
      const ri = ruleBy.get(r);
      const later = ordered && step > 0;
      if (ri !== undefined) out.push({ rule: ri, fields, later });
      else {
        const inner = corrBy.get(r);
        if (inner !== undefined)
          for (const l of collect(inner, c.groupBy, depth + 1)) out.push({ ...l, later: later || l.later });
      }
    });
    return out;
  };
  const span = (ci: number, depth: number): number => {
    const c = engine.correlations[ci]!;
    let inner = 0;
    if (depth < 16)
      for (const ref of c.rules) {
        const k = corrBy.get(ref.toLowerCase());
        if (k !== undefined) inner = Math.max(inner, span(k, depth + 1));
      }
    return c.timespanMs + inner;
  };
  engine.correlations.forEach((c, ci) => {
    if (!c.standalone) return;
    retention[ci] = span(ci, 0);
    const byKey = new Map<string, Leaf>();
    for (const l of collect(ci, c.groupBy, 0)) {
      const k = `${l.rule}\x1f${l.fields.join('\x1f')}`;
      const had = byKey.get(k);
      // A rule that is also an earlier step is always worth remembering.
      if (had) had.needsPrior &&= l.later;
      else {
        const leaf: Leaf = { corr: ci, fields: l.fields, needsPrior: l.later };
        byKey.set(k, leaf);
        leaves[l.rule]!.push(leaf);
      }
    }
  });
  return { leaves, retention };
}

/** What an alert looked like when it opened: later events fold into the tracker's own copy only. */
function frozenCopy(a: Alert): Alert {
  return {
    ...a,
    group: { ...a.group },
    uris: [...a.uris],
    userAgents: [...a.userAgents],
    samples: a.samples.map((s) => ({ ...s })),
  };
}
