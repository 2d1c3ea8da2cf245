/**
 * Byte-level line splitter. Works on Buffers as they arrive (never decodes a whole file), strips CRLF,
 * and classifies bad lines instead of failing: empty, too long (skipped without buffering past the cap),
 * binary (contains NUL), invalid UTF-8. Tracks line numbers and absolute byte offsets so a follower can
 * checkpoint exactly after the last complete line.
 */

import { isAscii, isUtf8 } from 'node:buffer';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export type BadLineReason = 'empty' | 'too-long' | 'binary' | 'invalid-utf8';

export interface LineSink {
  /** A complete line (without `\n` / `\r\n`), 1-based number, byte offset of its first byte. */
  line(text: string, lineNo: number, offset: number): void;
  bad(reason: BadLineReason, lineNo: number, offset: number): void;
}

/** Where a splitter stands; enough to resume on a fresh splitter. */
export interface SplitterPosition {
  /** Byte offset just after the last complete (or discarded) line. */
  offset: number;
  /** Lines completed so far. */
  line: number;
  /** True while inside an over-long line that is being skipped to its newline. */
  skipping: boolean;
}

// Per-line decoding keeps each event's strings independent of the read buffer (a string sliced from a
// chunk-sized string would pin the whole chunk in memory for as long as one field is kept). The
// undocumented latin1Slice/utf8Slice skip toString's argument handling (~30% of the splitter's time);
// fall back to toString if they ever vanish.
interface FastSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
const FAST =
  typeof (Buffer.prototype as unknown as Partial<FastSlices>).latin1Slice === 'function' &&
  typeof (Buffer.prototype as unknown as Partial<FastSlices>).utf8Slice === 'function';

function asciiSlice(b: Buffer, s: number, e: number): string {
  return FAST ? (b as unknown as FastSlices).latin1Slice(s, e) : b.toString('latin1', s, e);
}

function utf8Slice(b: Buffer, s: number, e: number): string {
  return FAST ? (b as unknown as FastSlices).utf8Slice(s, e) : b.toString('utf8', s, e);
}

export class LineSplitter {
  private lineNo: number;
  private consumed: number;
  private skipping: boolean;
  private pending: Buffer[] = [];
  private pendingLen = 0;

  constructor(
    private readonly sink: LineSink,
    readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    start: SplitterPosition = { offset: 0, line: 0, skipping: false },
  ) {
    this.lineNo = start.line;
    this.consumed = start.offset;
    this.skipping = start.skipping;
  }

  get position(): SplitterPosition {
    return { offset: this.consumed, line: this.lineNo, skipping: this.skipping };
  }

  /** Bytes of an unfinished last line held back (not yet consumed). */
  get partialBytes(): number {
    return this.pendingLen;
  }

  /** Feeds bytes. The chunk may be reused by the caller afterwards: anything kept is copied. */
  push(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    if (this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.consumed += len;
        return;
      }
      this.skipping = false;
      this.consumed += nl + 1;
      pos = nl + 1;
    } else if (this.pendingLen > 0) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.hold(chunk, 0);
        return;
      }
      const total = this.pendingLen + nl;
      if (total > this.maxLineBytes) {
        this.tooLong();
        this.consumed += nl + 1;
      } else {
        const head = Buffer.concat([...this.pending, chunk.subarray(0, nl + 1)], total + 1);
        const offset = this.consumed;
        this.pending = [];
        this.pendingLen = 0;
        this.lines(head, 0, total, 0, offset);
        this.consumed = offset + total + 1;
      }
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= pos) {
      const region = chunk.subarray(pos, last);
      const ascii = isAscii(region);
      const clean = region.indexOf(0) === -1 && (ascii || isUtf8(region));
      this.lines(chunk, pos, last, clean ? (ascii ? 1 : 2) : 0, this.consumed);
      this.consumed += last + 1 - pos;
      pos = last + 1;
    }
    if (pos < len) this.hold(chunk, pos);
  }

  /** End of input: an unterminated last line is still a line. */
  end(): void {
    if (this.pendingLen > 0) {
      const buf = Buffer.concat(this.pending, this.pendingLen);
      const offset = this.consumed;
      this.pending = [];
      this.pendingLen = 0;
      // A trailing '\n' lets lines() treat it like any other line.
      this.lines(Buffer.concat([buf, Buffer.from([10])]), 0, buf.length, 0, offset);
      this.consumed = offset + buf.length;
    }
    this.skipping = false;
  }

  /** Drops a held partial line (after truncation or when giving a file up). */
  reset(position: SplitterPosition): void {
    this.pending = [];
    this.pendingLen = 0;
    this.lineNo = position.line;
    this.consumed = position.offset;
    this.skipping = position.skipping;
  }

  private hold(chunk: Buffer, from: number): void {
    const n = chunk.length - from;
    if (this.pendingLen + n > this.maxLineBytes) {
      this.tooLong();
      this.consumed += n;
      this.skipping = true;
      return;
    }
    this.pending.push(Buffer.from(chunk.subarray(from)));
    this.pendingLen += n;
  }

  /** Reports the current over-long line once and forgets whatever of it was held. */
  private tooLong(): void {
    this.lineNo++;
    this.sink.bad('too-long', this.lineNo, this.consumed);
    this.consumed += this.pendingLen;
    this.pending = [];
    this.pendingLen = 0;
  }

  /**
   * Emits every line in buf[pos..last] (`last` is the index of the final '\n'). `kind`: 1 = region known
   * ASCII, 2 = known valid UTF-8 without NUL, 0 = check each line.
   */
  private lines(buf: Buffer, pos: number, last: number, kind: 0 | 1 | 2, offset: number): void {
    const sink = this.sink;
    const max = this.maxLineBytes;
    while (pos <= last) {
      const nl = buf.indexOf(10, pos);
      let end = nl;
      if (end > pos && buf[end - 1] === 13) end--;
      const n = ++this.lineNo;
      if (end === pos) sink.bad('empty', n, offset);
      else if (nl - pos > max) sink.bad('too-long', n, offset);
      else if (kind === 1) sink.line(asciiSlice(buf, pos, end), n, offset);
      else if (kind === 2) sink.line(utf8Slice(buf, pos, end), n, offset);
      else {
        const line = buf.subarray(pos, end);
        if (line.indexOf(0) !== -1) sink.bad('binary', n, offset);
        else if (isAscii(line)) sink.line(asciiSlice(buf, pos, end), n, offset);
        else if (isUtf8(line)) sink.line(utf8Slice(buf, pos, end), n, offset);
        else sink.bad('invalid-utf8', n, offset);
      }
      offset += nl + 1 - pos;
      pos = nl + 1;
    }
  }
}
