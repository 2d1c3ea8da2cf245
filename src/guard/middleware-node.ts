import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { SseRewriter } from '../mcp/sse-rewrite.js';
import { type Answer, errorAnswer } from './answers.js';
import type { GuardCore, ResponsePlan } from './core.js';
import type { Exchange, RequestHead } from './exchange.js';
import { legacyRequestTarget } from './legacy-sessions.js';
import { readAndReplay } from './read-body.js';

const KEEP_ALIVE = ['connection', 'keep-alive'];
const CLOSE = ['connection', 'close'];

type Next = (err?: unknown) => void;

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}

function connection(res: ServerResponse): string[] {
  return res.shouldKeepAlive ? KEEP_ALIVE : CLOSE;
}

function send(core: GuardCore, res: ServerResponse, x: Exchange, a: Answer, close = false): void {
  x.status = a.status;
  x.bytesOut += a.body.length;
  res.writeHead(a.status, [...a.headers, ...(close ? CLOSE : connection(res))]);
  res.end(x.method === 'HEAD' ? undefined : a.body);
  core.finish(x);
}

/** Header values as node keeps them, lower-cased names, from writeHead's object or flat array form. */
function headerRecord(h: unknown): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  if (Array.isArray(h)) {
    for (let i = 0; i + 1 < h.length; i += 2) {
      const k = String(h[i]).toLowerCase();
      const v = String(h[i + 1]);
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  } else if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h as OutgoingHttpHeaders)) {
      if (v === undefined) continue;
      out[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v);
    }
  }
  return out;
}

function toBuffer(chunk: unknown, encoding?: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
}

/**
 * Wraps a response the app writes: headers are filtered when they are sent, JSON bodies collected and
 * rewritten, SSE streamed through the rewriter, error bodies swapped for generic ones.
 */
function wrapResponse(core: GuardCore, x: Exchange, res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  const flushHeaders = res.flushHeaders.bind(res);
  let plan: ResponsePlan | undefined;
  let committed = false;
  let rewriter: SseRewriter | undefined;
  let chunks: Buffer[] = [];
  let size = 0;

  const commit = (status: number, headers: string[]) => {
    for (const n of res.getHeaderNames()) res.removeHeader(n);
    committed = true;
    writeHead(status, [...headers, ...connection(res)]);
  };

  const decide = (status: number, extra?: unknown): ResponsePlan => {
    const p = core.plan(x, status, { ...headerRecord(res.getHeaders()), ...headerRecord(extra) });
    plan = p;
    x.status = p.status;
    if (p.mode === 'pass' || p.mode === 'sse') commit(p.status, p.headers);
    if (p.mode === 'sse')
      rewriter = core.sse(x, (b) => {
        x.bytesOut += b.length;
        write(b);
      });
    return p;
  };

  res.writeHead = ((status: number, a?: unknown, b?: unknown) => {
    if (committed) return writeHead(status, a, b);
    if (!plan) decide(status, typeof a === 'string' ? b : a);
    return res;
  }) as typeof res.writeHead;

  res.flushHeaders = () => {
    if (!plan) decide(res.statusCode);
    if (committed) flushHeaders();
  };

  res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    const p = plan ?? decide(res.statusCode);
    const callback = typeof encoding === 'function' ? encoding : cb;
    switch (p.mode) {
      case 'pass': {
        const b = toBuffer(chunk, encoding);
        x.bytesOut += b.length;
        return write(b, callback);
      }
      case 'sse':
        rewriter!.write(toBuffer(chunk, encoding));
        if (typeof callback === 'function') process.nextTick(callback as () => void);
        return !res.writableNeedDrain;
      default: {
        const b = toBuffer(chunk, encoding);
        if (p.mode === 'json' || size <= 65_536) {
          chunks.push(b);
          size += b.length;
        }
        if (p.mode === 'json' && size > core.policy.config.limits.maxRewriteBytes) {
          // Too big to hold: what was collected goes out as it is, and so does the rest.
          p.mode = 'pass';
          commit(p.status, p.headers);
          for (const c of chunks) {
            x.bytesOut += c.length;
            write(c);
          }
          chunks = [];
        }
        if (typeof callback === 'function') process.nextTick(callback as () => void);
        return true;
      }
    }
  }) as typeof res.write;

  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    const again = res.end as (...a: unknown[]) => ServerResponse;
    if (typeof chunk === 'function') return again(undefined, undefined, chunk);
    if (typeof encoding === 'function') return again(chunk, undefined, encoding);
    const p = plan ?? decide(res.statusCode);
    const last = chunk === undefined || chunk === null ? undefined : toBuffer(chunk, encoding);
    const head = x.method === 'HEAD';
    if (p.mode === 'pass') {
      if (last) x.bytesOut += last.length;
      end(last, cb);
    } else if (p.mode === 'sse') {
      if (last) rewriter!.write(last);
      rewriter!.end();
      end(cb);
    } else if (p.mode === 'json') {
      if (last) chunks.push(last);
      const body = core.collected(x, p, Buffer.concat(chunks));
      chunks = [];
      if (Buffer.isBuffer(body)) {
        x.bytesOut += body.length;
        commit(p.status, [...p.headers, 'content-length', String(body.length)]);
        end(head ? undefined : body, cb);
      } else {
        x.status = body.status;
        x.bytesOut += body.body.length;
        commit(body.status, body.headers);
        end(head ? undefined : body.body, cb);
      }
    } else {
      if (last && size <= 65_536) chunks.push(last);
      const a = core.replace(x, p, chunks.length ? Buffer.concat(chunks) : undefined);
      chunks = [];
      x.status = a.status;
      x.bytesOut += a.body.length;
      commit(a.status, a.headers);
      end(head ? undefined : a.body, cb);
    }
    core.finish(x);
    return res;
  }) as typeof res.end;
}

/**
 * What the app must see instead of the guard's tokens: the upstream's session id in Mcp-Session-Id
 * (in `headers` and in `rawHeaders`, which SDK transports read through @hono/node-server), and the
 * legacy SSE endpoint's own query.
 */
function unmask(req: IncomingMessage, x: Exchange): void {
  if (x.session !== undefined) {
    req.headers['mcp-session-id'] = x.session;
    const raw = req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2)
      if (raw[i]!.toLowerCase() === 'mcp-session-id') raw[i + 1] = x.session;
  }
  if (x.legacy) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    req.url = legacyRequestTarget(q === -1 ? url : url.slice(0, q), x.legacy);
  }
}

/**
 * Connect-style middleware over the core, for node:http and Express. The request body (POST) is read
 * here, checked, and put back into the request stream for the app.
 */
export function nodeMiddleware(core: () => GuardCore) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const c = core();
    const head: RequestHead = {
      method: req.method ?? 'GET',
      url: (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/',
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
      httpVersion: req.httpVersion,
    };
    const x = c.begin(head);
    const early = c.admit(x, head);
    if (early) {
      send(c, res, x, early, hasBody(req));
      return;
    }
    res.on('close', () => {
      // The client left before the app finished: record what was sent.
      if (!x.finished) c.finish(x);
    });
    unmask(req, x);
    if (!hasBody(req) || x.method !== 'POST') {
      wrapResponse(c, x, res);
      next();
      return;
    }
    const max = c.policy.config.limits.maxBodyBytes;
    if (Number(req.headers['content-length']) > max) {
      x.rewritten('body too large');
      send(c, res, x, errorAnswer(413), true);
      return;
    }
    readAndReplay(req, max).then((r) => {
      if (!r.ok) {
        if (r.reason === 'too-large') {
          x.rewritten('body too large');
          send(c, res, x, errorAnswer(413), true);
          req.socket.destroySoon?.();
        } else c.finish(x);
        return;
      }
      const bad = c.inspectBody(x, r.body);
      if (bad) {
        send(c, res, x, bad);
        return;
      }
      wrapResponse(c, x, res);
      next();
    }, next);
  };
}
