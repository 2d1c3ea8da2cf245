/**
 * A byte-level Server-Sent Events rewriter. Bytes pass through untouched except the `data:` payload
 * of an event that contains one of the trigger strings: that event's data lines are joined (as an
 * SSE client would), handed to `rewrite`, and written back in the event's own line-ending style.
 * Comments, `event:`, `id:` and `retry:` lines keep their place and bytes, so keepalives and
 * Last-Event-ID resumption are unaffected.
 *
 * Only the incomplete event at the end of a chunk is held back (an event is rewritten whole or not at
 * all), and that hold is bounded: an event longer than `maxEventBytes` is passed through as it is.
 *
 * Event ends: a blank line, i.e. two line terminators in a row, where a terminator is CRLF, LF or CR.
 * Every blank line contains LF LF, LF CR or CR CR, and a lone CRLF contains none of them.
 */

const LF = 10;
const CR = 13;
const NN = Buffer.from('\n\n');
const NR = Buffer.from('\n\r');
const RR = Buffer.from('\r\r');

export interface SseRewriteOptions {
  /** An event is looked at only when its bytes contain one of these. */
  readonly triggers: readonly string[];
  /**
   * New data for an event (its data lines joined with `\n`; `event` is its `event:` field), or
   * undefined to keep it byte for byte.
   */
  readonly rewrite: (data: string, event: string | undefined) => string | undefined;
  /** Longest incomplete event held while waiting for its end. Default 8 MiB. */
  readonly maxEventBytes?: number;
}

export interface SseRewriteStats {
  /** Events whose data was rewritten. */
  rewritten: number;
  /** Events passed through unexamined because they outgrew maxEventBytes. */
  oversize: number;
}

/** Index just past the last complete event in `b`, or -1. */
function lastEventEnd(b: Buffer): number {
  const p = Math.max(b.lastIndexOf(NN), b.lastIndexOf(NR), b.lastIndexOf(RR));
  if (p === -1) return -1;
  return b[p + 1] === CR && b[p + 2] === LF ? p + 3 : p + 2;
}

/** Index just past the first complete event at or after `from`, or -1. */
function firstEventEnd(b: Buffer, from: number): number {
  for (let i = from; i < b.length - 1; i++) {
    const c = b[i];
    if (c !== LF && c !== CR) continue;
    const d = b[i + 1];
    if ((c === LF && (d === LF || d === CR)) || (c === CR && d === CR))
      return d === CR && b[i + 2] === LF ? i + 3 : i + 2;
  }
  return -1;
}

/** `firstEventEnd`, with a native search when no CR comes before the first LF LF (the common case). */
function nextEventEnd(b: Buffer, from: number): number {
  const nn = b.indexOf(NN, from);
  // Any CR before that LF LF? (searched only up to it: a CR-free stream costs one pass)
  const cr = (nn === -1 ? b.subarray(from) : b.subarray(from, nn)).indexOf(CR);
  if (cr === -1) return nn === -1 ? -1 : nn + 2;
  return firstEventEnd(b, from);
}

/** Where the event containing byte `p` starts, given that an event starts at `lo`. */
function eventStartBefore(b: Buffer, lo: number, p: number): number {
  const seg = b.subarray(lo, p);
  if (seg.indexOf(CR) === -1) {
    const nn = seg.lastIndexOf(NN);
    return nn === -1 ? lo : lo + nn + 2;
  }
  let start = lo;
  for (;;) {
    const e = firstEventEnd(b, start);
    if (e === -1 || e > p) return start;
    start = e;
  }
}

export class SseRewriter {
  readonly stats: SseRewriteStats = { rewritten: 0, oversize: 0 };
  /** The incomplete event at the end of what was written so far, in pieces. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Passing an oversize event through until its end. */
  private skipping = false;
  /** Last byte written before the current chunk, for a blank line split across chunks. */
  private lastByte = -1;
  private readonly triggers: Buffer[];
  private readonly max: number;

  constructor(
    private readonly opts: SseRewriteOptions,
    /** Receives the output, in order. */
    private readonly emit: (chunk: Buffer) => void,
  ) {
    this.triggers = opts.triggers.map((t) => Buffer.from(t));
    this.max = opts.maxEventBytes ?? 8 * 1024 * 1024;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.skipping || this.partsLength > 0) {
      // The event in progress ends at the first blank line of this chunk (or one split at its start).
      let end = this.splitBlankLine(chunk);
      if (end === -1) end = firstEventEnd(chunk, 0);
      if (end === -1) {
        this.lastByte = chunk[chunk.length - 1]!;
        if (this.skipping) this.emit(chunk);
        else this.hold(chunk);
        return;
      }
      const head = chunk.subarray(0, end);
      if (this.skipping) {
        this.skipping = false;
        this.emit(head);
      } else {
        this.parts.push(head);
        const ev = Buffer.concat(this.parts, this.partsLength + head.length);
        this.parts = [];
        this.partsLength = 0;
        this.one(ev);
      }
      chunk = chunk.subarray(end);
      if (chunk.length === 0) return;
    }
    this.lastByte = chunk[chunk.length - 1]!;
    const end = lastEventEnd(chunk);
    if (end === -1) {
      this.hold(chunk);
      return;
    }
    const complete = end === chunk.length ? chunk : chunk.subarray(0, end);
    if (this.triggered(complete)) this.events(complete);
    else this.emit(complete);
    if (end < chunk.length) this.hold(chunk.subarray(end));
  }

  /** End of stream: an incomplete last event goes out too (rewritten if it needs it). */
  end(): void {
    if (this.partsLength === 0) return;
    const rest = Buffer.concat(this.parts, this.partsLength);
    this.parts = [];
    this.partsLength = 0;
    this.one(rest);
  }

  /** Bytes held back right now (for memory accounting). */
  get held(): number {
    return this.partsLength;
  }

  private triggered(b: Buffer): boolean {
    for (const t of this.triggers) if (b.indexOf(t) !== -1) return true;
    return false;
  }

  /** A blank line whose first terminator ended the previous chunk: index after it in `chunk`, or -1. */
  private splitBlankLine(chunk: Buffer): number {
    const p = this.lastByte;
    const c = chunk[0];
    if ((p === LF && (c === LF || c === CR)) || (p === CR && c === CR))
      return c === CR && chunk[1] === LF ? 2 : 1;
    return -1;
  }

  private hold(rest: Buffer): void {
    if (this.partsLength + rest.length > this.max) {
      // Too big to hold: what is held goes out as it is, and so does the rest of this event.
      this.stats.oversize++;
      for (const p of this.parts) this.emit(p);
      this.parts = [];
      this.partsLength = 0;
      this.emit(rest);
      this.skipping = true;
      return;
    }
    // A small tail is copied, so a whole upstream chunk is not kept alive for a few bytes of it.
    this.parts.push(rest.length < 4096 ? Buffer.from(rest) : rest);
    this.partsLength += rest.length;
  }

  /** Every trigger position in `b`, in order. */
  private triggerHits(b: Buffer): number[] {
    const hits: number[] = [];
    for (const t of this.triggers) {
      for (let i = b.indexOf(t); i !== -1; i = b.indexOf(t, i + t.length)) hits.push(i);
    }
    return hits.length > 1 ? hits.sort((a, z) => a - z) : hits;
  }

  /**
   * Complete events, some of which contain a trigger. Only the events around a trigger are cut out
   * (found with native searches from the trigger's position); the bytes between go out in one piece.
   */
  private events(b: Buffer): void {
    let passFrom = 0;
    for (const hit of this.triggerHits(b)) {
      if (hit < passFrom) continue;
      const start = eventStartBefore(b, passFrom, hit);
      let end = nextEventEnd(b, hit);
      if (end === -1) end = b.length;
      if (start > passFrom) this.emit(b.subarray(passFrom, start));
      this.one(b.subarray(start, end), true);
      passFrom = end;
    }
    if (passFrom < b.length) this.emit(passFrom === 0 ? b : b.subarray(passFrom));
  }

  /** One event (or trailing partial event): rewritten when `rewrite` has something to change. */
  private one(ev: Buffer, known = false): void {
    if (!known && !this.triggered(ev)) {
      this.emit(ev);
      return;
    }
    const out = rewriteEvent(ev.toString('utf8'), this.opts.rewrite);
    if (out === undefined) {
      this.emit(ev);
      return;
    }
    this.stats.rewritten++;
    this.emit(Buffer.from(out, 'utf8'));
  }
}

interface Line {
  text: string;
  eol: string;
}

function splitLines(s: string): Line[] {
  const out: Line[] = [];
  let i = 0;
  while (i < s.length) {
    let lf = s.indexOf('\n', i);
    let cr = s.indexOf('\r', i);
    if (lf === -1) lf = s.length;
    if (cr === -1) cr = s.length;
    const j = Math.min(lf, cr);
    let eol = '';
    if (j < s.length) eol = j === cr && s.charCodeAt(j + 1) === LF ? '\r\n' : s[j]!;
    out.push({ text: s.slice(i, j), eol });
    i = j + eol.length;
  }
  return out;
}

/** The event text with its data replaced, or undefined when `rewrite` leaves it alone. */
export function rewriteEvent(
  text: string,
  rewrite: (data: string, event: string | undefined) => string | undefined,
): string | undefined {
  const lines = splitLines(text);
  const data: string[] = [];
  let first = -1;
  let prefix = 'data: ';
  let event: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.text;
    if (t.startsWith('event:')) event = t.slice(t.charCodeAt(6) === 32 ? 7 : 6);
    if (t !== 'data' && !t.startsWith('data:')) continue;
    if (first === -1) {
      first = i;
      prefix = t.startsWith('data: ') ? 'data: ' : 'data:';
    }
    const v = t.length > 5 ? t.slice(t.charCodeAt(5) === 32 ? 6 : 5) : '';
    data.push(v);
  }
  if (first === -1) return undefined;
  const next = rewrite(data.join('\n'), event);
  if (next === undefined) return undefined;
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (i === first) {
      const eol = l.eol || '\n';
      const parts = next.includes('\n') || next.includes('\r') ? next.split(/\r\n|\r|\n/) : [next];
      for (let k = 0; k < parts.length; k++) out += prefix + parts[k] + (k < parts.length - 1 ? eol : l.eol);
    } else if (l.text !== 'data' && !l.text.startsWith('data:')) out += l.text + l.eol;
  }
  return out;
}
