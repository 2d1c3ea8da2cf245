import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type SseEvent = EventSourceMessage;

/**
 * Reads Server-Sent Events from a byte stream, pulling only as many chunks as needed to answer the
 * next `next()` call. Bounded: stops (returns undefined) after `maxBytes`, and the caller's
 * AbortSignal ends a stream that never sends anything.
 */
export class SseReader {
  private readonly queue: SseEvent[] = [];
  private readonly decoder = new TextDecoder();
  private readonly parser = createParser({
    onEvent: (e) => {
      this.queue.push(e);
    },
    maxBufferSize: 256 * 1024,
    onError: () => {
      this.broken = true;
    },
  });
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private bytes = 0;
  private ended = false;
  private broken = false;
  /** Every byte read, up to `keepRaw` bytes, for pattern matching over the stream. */
  raw = '';

  constructor(
    stream: AsyncIterable<Uint8Array | string>,
    private readonly opts: { maxBytes: number; keepRaw?: number },
  ) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  get bytesRead(): number {
    return this.bytes;
  }

  /** The next event, or undefined when the stream ended, broke or hit its byte cap. */
  async next(): Promise<SseEvent | undefined> {
    while (this.queue.length === 0) {
      if (this.ended || this.broken || this.bytes >= this.opts.maxBytes) return undefined;
      let r: IteratorResult<Uint8Array | string>;
      try {
        r = await this.iterator.next();
      } catch {
        this.ended = true;
        return undefined;
      }
      if (r.done) {
        this.ended = true;
        this.parser.feed(this.decoder.decode());
        this.parser.reset({ consume: true });
        continue;
      }
      const chunk = typeof r.value === 'string' ? r.value : this.decoder.decode(r.value, { stream: true });
      this.bytes += typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.byteLength;
      const keep = this.opts.keepRaw ?? 0;
      if (this.raw.length < keep) this.raw += chunk.slice(0, keep - this.raw.length);
      this.parser.feed(chunk);
    }
    return this.queue.shift();
  }

  /** Reads events until one satisfies `pred`; returns it, or undefined if the stream ran out first. */
  async until(pred: (e: SseEvent) => boolean): Promise<SseEvent | undefined> {
    for (;;) {
      const e = await this.next();
      if (e === undefined || pred(e)) return e;
    }
  }

  /**
   * Reads on for a moment in case the stream is about to end (a POST's event stream ends right after
   * the response): a stream read to its end leaves the connection reusable, a destroyed one does not.
   * Returns whether the stream ended.
   */
  async drain(graceMs: number, maxBytes: number): Promise<boolean> {
    const deadline = performance.now() + graceMs;
    let read = 0;
    while (!this.ended && read < maxBytes) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([
        this.iterator.next().catch(() => ({ done: true as const, value: undefined })),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), left);
        }),
      ]);
      clearTimeout(timer);
      if (r === 'timeout') return false;
      if (r.done) {
        this.ended = true;
        return true;
      }
      read += typeof r.value === 'string' ? r.value.length : r.value.byteLength;
    }
    return this.ended;
  }

  /** Stops reading; the underlying stream is released. */
  async close(): Promise<void> {
    this.ended = true;
    try {
      await this.iterator.return?.();
    } catch {
      // the stream may already be destroyed
    }
  }
}
