/**
 * What a worker thread does with each line of its range: the same counting as the logs module's
 * InputPipeline (lines = parsed + skipped, skip reasons, the first samples), but a line the prefilter
 * rules out is not turned into an event when the format can give its time without one
 * (`combinedLineTime`: the parser's own checks, so it is skipped exactly when parsing would fail).
 * The Matcher then sees only its time. Building no event for most lines is most of a worker's saving.
 */
import { combinedLineTime, lastRequestSpan, vhostCombinedLineTime } from '../logs/clf.js';
import { LineError, type LineParser, type LineRef } from '../logs/event.js';
import type { BadLineReason, LineSink } from '../logs/lines.js';
import type { LogStats, SkippedLine, SkipReason } from '../logs/pipeline.js';
import type { Matcher } from './match-batch.js';
import type { LinePrefilter } from './prefilter.js';

const TIME_ONLY: Readonly<Record<string, (line: string) => number | LineError>> = {
  combined: combinedLineTime,
  common: combinedLineTime,
  vhost_combined: vhostCombinedLineTime,
};

const MAX_SAMPLES = 20;

export class RangeSink implements LineSink {
  private readonly ref: LineRef;
  private readonly timeOnly: ((line: string) => number | LineError) | undefined;

  constructor(
    source: string,
    format: { name: string; parse: LineParser },
    private readonly prefilter: LinePrefilter | undefined,
    /** The prefilter's literals all belong to the request line: look only there. */
    private readonly requestOnly: boolean,
    private readonly matcher: Matcher,
    private readonly stats: LogStats,
  ) {
    this.ref = { source, line: 0, offset: 0 };
    this.timeOnly = prefilter && matcher.prefilters(format.name) ? TIME_ONLY[format.name] : undefined;
    this.parse = format.parse;
  }

  private readonly parse: LineParser;

  line(text: string, lineNo: number, offset: number): void {
    const stats = this.stats;
    stats.lines++;
    const timeOnly = this.timeOnly;
    let candidate = false;
    if (timeOnly !== undefined) {
      if (this.requestOnly) {
        // The line's checks first (they also find the request); a bad line is skipped either way.
        const t = timeOnly(text);
        if (t instanceof LineError) {
          this.skip('unparseable', lineNo, offset, t.reason);
          return;
        }
        const [from, to] = lastRequestSpan();
        if (!this.prefilter!(text, from, to)) {
          stats.parsed++;
          this.matcher.time(t);
          return;
        }
        candidate = true;
      } else if (!this.prefilter!(text)) {
        const t = timeOnly(text);
        if (t instanceof LineError) this.skip('unparseable', lineNo, offset, t.reason);
        else {
          stats.parsed++;
          this.matcher.time(t);
        }
        return;
      } else candidate = true;
    }
    const ref = this.ref;
    ref.line = lineNo;
    ref.offset = offset;
    const r = this.parse(text, ref);
    if (r instanceof LineError) this.skip('unparseable', lineNo, offset, r.reason);
    else {
      stats.parsed++;
      this.matcher.add(r, candidate);
    }
  }

  bad(reason: BadLineReason, lineNo: number, offset: number): void {
    this.stats.lines++;
    this.skip(reason, lineNo, offset);
  }

  private skip(reason: SkipReason, line: number, offset: number, detail?: string): void {
    const stats = this.stats;
    stats.skipped++;
    stats.skippedBy[reason]++;
    if (reason === 'empty' || stats.samples.length >= MAX_SAMPLES) return;
    const s: SkippedLine = { source: this.ref.source, line, offset, reason };
    if (detail !== undefined) s.detail = detail;
    stats.samples.push(s);
  }
}
