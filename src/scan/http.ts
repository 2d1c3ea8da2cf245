import { Agent, request, errors as undiciErrors } from 'undici';
import { type SseEvent, SseReader } from '../mcp/sse-reader.js';
import type { Observation } from './observation.js';
import { RateLimiter } from './rate-limit.js';

export interface HttpOptions {
  /** Per-request deadline covering connect, headers and body. */
  timeoutMs: number;
  /** Bytes of a body kept for analysis; the rest is not read. */
  maxBodyBytes: number;
  /** Requests per second across the whole scan (undefined: unlimited). */
  rate?: number;
  userAgent: string;
  /** Extra headers sent with every request (`-H`). */
  headers: [string, string][];
  /** Accept self-signed TLS certificates. */
  insecure?: boolean;
  /** Called with every request before it is sent (tracing, benchmarks). */
  onRequest?: (req: ProbeRequest) => void;
}

export interface ProbeRequest {
  probe: string;
  label: string;
  method: string;
  /** Absolute URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Overrides the scan's body cap (script bundles are larger than API answers). */
  maxBodyBytes?: number;
}

export interface OpenStream {
  observation: Observation;
  reader?: SseReader;
  /** Ends the stream and releases the connection. */
  close(): Promise<void>;
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push([k, x]);
    else out.push([k, v]);
  }
  return out;
}

function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (
      err.name === 'TimeoutError' ||
      err.name === 'AbortError' ||
      err instanceof undiciErrors.HeadersTimeoutError
    )
      return `timeout after ${timeoutMs} ms`;
    if (err instanceof undiciErrors.BodyTimeoutError) return `body timeout after ${timeoutMs} ms`;
    if (err instanceof undiciErrors.HTTPParserError) return 'not an HTTP response';
    if (err instanceof undiciErrors.SocketError) return `connection closed (${err.message})`;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ECONNRESET') return 'connection reset';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return `connect timeout after ${timeoutMs} ms`;
    return code ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/**
 * Reads a body up to `cap` bytes. A body that stalls or breaks keeps what arrived; one that goes on
 * past the cap is destroyed (that connection is lost, the memory is not).
 */
async function readCapped(
  body: AsyncIterable<Uint8Array | string> & { destroy(): unknown },
  cap: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      const room = cap - size;
      chunks.push(room < buf.length ? buf.subarray(0, room) : buf);
      size += Math.min(room, buf.length);
      if (size >= cap) {
        truncated = true;
        body.destroy();
        break;
      }
    }
  } catch {
    truncated = true;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/**
 * The scanner's one HTTP client: one undici pool for every target, a global rate limit, a hard
 * deadline per request and a cap on what is read of any body. It never follows redirects.
 */
export class HttpClient {
  readonly agent: Agent;
  private readonly limiter: RateLimiter;
  /** Requests sent so far, for the per-target budget. */
  sent = 0;

  constructor(readonly opts: HttpOptions) {
    this.limiter = new RateLimiter(opts.rate);
    this.agent = new Agent({
      connections: 2,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connectTimeout: opts.timeoutMs,
      maxHeaderSize: 64 * 1024,
      connect: { rejectUnauthorized: !opts.insecure },
    });
  }

  private headersFor(req: ProbeRequest): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': this.opts.userAgent };
    for (const [k, v] of this.opts.headers) h[k.toLowerCase()] = v;
    for (const [k, v] of Object.entries(req.headers ?? {})) h[k.toLowerCase()] = v;
    return h;
  }

  private base(req: ProbeRequest): Observation {
    const u = new URL(req.url);
    return {
      probe: req.probe,
      label: req.label,
      method: req.method,
      path: u.pathname + u.search,
      headers: [],
      body: '',
      truncated: false,
      durationMs: 0,
    };
  }

  /**
   * Sends one request and reads at most `maxBodyBytes` of the answer. An event-stream answer is read
   * event by event until `until` accepts one (or the first event, without `until`), then dropped.
   * Never throws: transport failures become `error`.
   */
  async send(req: ProbeRequest, until?: (e: SseEvent) => boolean): Promise<Observation> {
    const obs = this.base(req);
    await this.limiter.take();
    const started = performance.now();
    // A timer per request, cleared when it is done: AbortSignal.timeout() would keep every finished
    // request's timer and signal alive for the whole timeout, thousands at a time.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('timeout', 'TimeoutError')),
      this.opts.timeoutMs,
    );
    const signal = controller.signal;
    this.sent++;
    this.opts.onRequest?.(req);
    try {
      const res = await request(req.url, {
        method: req.method as 'GET',
        headers: this.headersFor(req),
        body: req.body,
        dispatcher: this.agent,
        signal,
      });
      obs.status = res.statusCode;
      obs.headers = flattenHeaders(res.headers);
      obs.contentType = String(res.headers['content-type'] ?? '') || undefined;
      if (obs.contentType?.toLowerCase().startsWith('text/event-stream')) {
        const reader = new SseReader(res.body, {
          maxBytes: this.opts.maxBodyBytes,
          keepRaw: this.opts.maxBodyBytes,
        });
        obs.events = [];
        try {
          for (;;) {
            const e = await reader.next();
            if (!e) break;
            obs.events.push(e);
            if (until ? until(e) : true) break;
            if (obs.events.length >= 100) break;
          }
        } finally {
          obs.body = reader.raw;
          obs.truncated = reader.bytesRead >= this.opts.maxBodyBytes;
          // Keep the connection when the stream ends on its own right after what we wanted.
          if (!(await reader.drain(100, 64 * 1024))) {
            await reader.close();
            res.body.destroy();
          }
        }
      } else {
        const { text, truncated } = await readCapped(res.body, req.maxBodyBytes ?? this.opts.maxBodyBytes);
        obs.body = text;
        obs.truncated = truncated;
      }
    } catch (err) {
      // After the headers, a stalled or broken body keeps what arrived.
      if (obs.status === undefined) obs.error = describeError(err, this.opts.timeoutMs);
      else obs.truncated = true;
    }
    clearTimeout(timer);
    obs.durationMs = Math.round(performance.now() - started);
    return obs;
  }

  /**
   * Opens a request whose answer may be an event stream and leaves it open for the caller to read
   * with the returned SseReader (bounded by `maxBodyBytes` and the request deadline).
   */
  async open(req: ProbeRequest, deadlineMs = this.opts.timeoutMs): Promise<OpenStream> {
    const obs = this.base(req);
    const started = performance.now();
    const controller = new AbortController();
    await this.limiter.take();
    const timer = setTimeout(() => controller.abort(), deadlineMs);
    this.sent++;
    this.opts.onRequest?.(req);
    const close = async () => {
      clearTimeout(timer);
      controller.abort();
    };
    try {
      const res = await request(req.url, {
        method: req.method as 'GET',
        headers: this.headersFor(req),
        body: req.body,
        dispatcher: this.agent,
        signal: controller.signal,
      });
      obs.status = res.statusCode;
      obs.headers = flattenHeaders(res.headers);
      obs.contentType = String(res.headers['content-type'] ?? '') || undefined;
      obs.durationMs = Math.round(performance.now() - started);
      if (!obs.contentType?.toLowerCase().startsWith('text/event-stream')) {
        // Not a stream after all (a 404, an error page): read it like any answer and keep the connection.
        const { text, truncated } = await readCapped(res.body, this.opts.maxBodyBytes);
        obs.body = text;
        obs.truncated = truncated;
        clearTimeout(timer);
        return { observation: obs, close: async () => {} };
      }
      const reader = new SseReader(res.body, {
        maxBytes: this.opts.maxBodyBytes,
        keepRaw: this.opts.maxBodyBytes,
      });
      return {
        observation: obs,
        reader,
        close: async () => {
          await reader.close();
          res.body.destroy();
          await close();
        },
      };
    } catch (err) {
      obs.error = describeError(err, deadlineMs);
      obs.durationMs = Math.round(performance.now() - started);
      await close();
      return { observation: obs, close };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
