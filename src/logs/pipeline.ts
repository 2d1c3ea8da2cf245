/**
 * Lines → events for one input: applies the chosen parser (sniffing it first for `auto`), collects
 * events into batches, and counts everything so that `lines = parsed + skipped` always holds.
 */

import { LineError, type LineParser, type LineRef, type WebserverEvent } from './event.js';
import type { FormatChoice } from './formats.js';
import type { BadLineReason, LineSink } from './lines.js';
import { SNIFF_LINES, type SniffResult, sniffFormat } from './sniff.js';

export type SkipReason = BadLineReason | 'unparseable' | 'unknown-format';

export const SKIP_REASONS: readonly SkipReason[] = [
  'empty',
  'too-long',
  'binary',
  'invalid-utf8',
  'unparseable',
  'unknown-format',
];

/** A line that produced no event. `detail` says what the parser expected. */
export interface SkippedLine {
  source: string;
  line: number;
  offset: number;
  reason: SkipReason;
  detail?: string;
}

export interface FormatDecision {
  source: string;
  /** Format name, or `nginx:<format>` / `apache:<format>` for a format string. */
  format: string;
  /** True when chosen by `auto`; then `matched` of `sampled` lines parsed. */
  sniffed: boolean;
  matched?: number;
  sampled?: number;
}

export interface LogStats {
  /** Lines read: always `parsed + skipped` (empty lines are counted as skipped, reason `empty`). */
  lines: number;
  parsed: number;
  skipped: number;
  skippedBy: Record<SkipReason, number>;
  /** The first skipped lines (up to a cap), for reporting; `skippedBy` has the full counts. */
  samples: SkippedLine[];
  /** Inputs opened. */
  inputs: number;
  formats: FormatDecision[];
  /** Input-level problems that did not stop the read (corrupt gzip, rotation gaps ...). */
  problems: { source: string; message: string }[];
}

export function newStats(): LogStats {
  const skippedBy = {} as Record<SkipReason, number>;
  for (const r of SKIP_REASONS) skippedBy[r] = 0;
  return { lines: 0, parsed: 0, skipped: 0, skippedBy, samples: [], inputs: 0, formats: [], problems: [] };
}

export interface PipelineOptions {
  format: FormatChoice;
  stats: LogStats;
  /** Every skipped line, as it happens (empty lines included). */
  onSkip?: ((s: SkippedLine) => void) | undefined;
  onFormat?: ((d: FormatDecision) => void) | undefined;
  /** How many skipped lines to keep in `stats.samples` (default 20). */
  maxSamples?: number | undefined;
}

interface Held {
  text: string;
  line: number;
  offset: number;
}

export class InputPipeline implements LineSink {
  batch: WebserverEvent[] = [];
  private parse: LineParser | undefined;
  private held: Held[] = [];
  private readonly ref: LineRef;

  constructor(
    source: string,
    private readonly opts: PipelineOptions,
  ) {
    this.ref = { source, line: 0, offset: 0 };
    if (opts.format.kind === 'fixed') {
      this.parse = opts.format.parse;
      this.decided({ source, format: opts.format.name, sniffed: false });
    }
  }

  get source(): string {
    return this.ref.source;
  }

  /** True while lines are held back for format sniffing (consumed from the input, not yet delivered). */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** Format chosen so far (undefined while `auto` is still sampling). */
  get parser(): LineParser | undefined {
    return this.parse;
  }

  line(text: string, lineNo: number, offset: number): void {
    const parse = this.parse;
    if (parse === undefined) {
      this.held.push({ text, line: lineNo, offset });
      if (this.held.length >= SNIFF_LINES) this.flush();
      return;
    }
    const ref = this.ref;
    ref.line = lineNo;
    ref.offset = offset;
    const r = parse(text, ref);
    const stats = this.opts.stats;
    stats.lines++;
    if (r instanceof LineError) this.skip('unparseable', lineNo, offset, r.reason);
    else {
      stats.parsed++;
      this.batch.push(r);
    }
  }

  bad(reason: BadLineReason, lineNo: number, offset: number): void {
    this.opts.stats.lines++;
    this.skip(reason, lineNo, offset);
  }

  /** Decides the format with the lines held so far (end of input, or before a follower delivers). */
  flush(): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    const res: SniffResult | undefined = sniffFormat(held.map((h) => h.text));
    if (res === undefined) {
      // Nothing recognised these lines; skip them and sample again from the next ones.
      for (const h of held) {
        this.opts.stats.lines++;
        this.skip('unknown-format', h.line, h.offset, 'no known log format matches; pass --log-format');
      }
      return;
    }
    this.parse = res.parse;
    this.decided({
      source: this.ref.source,
      format: res.name,
      sniffed: true,
      matched: res.matched,
      sampled: res.sampled,
    });
    for (const h of held) this.line(h.text, h.line, h.offset);
  }

  /** Takes the events parsed so far. */
  take(): WebserverEvent[] {
    const b = this.batch;
    this.batch = [];
    return b;
  }

  private decided(d: FormatDecision): void {
    this.opts.stats.formats.push(d);
    this.opts.onFormat?.(d);
  }

  private skip(reason: SkipReason, line: number, offset: number, detail?: string): void {
    const stats = this.opts.stats;
    stats.skipped++;
    stats.skippedBy[reason]++;
    const s: SkippedLine = { source: this.ref.source, line, offset, reason };
    if (detail !== undefined) s.detail = detail;
    if (reason !== 'empty' && stats.samples.length < (this.opts.maxSamples ?? 20)) stats.samples.push(s);
    this.opts.onSkip?.(s);
  }
}
