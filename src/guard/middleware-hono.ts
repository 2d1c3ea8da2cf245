import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { type Answer, errorAnswer } from './answers.js';
import type { GuardCore } from './core.js';
import type { Exchange, RequestHead } from './exchange.js';
import { legacyRequestTarget } from './legacy-sessions.js';

/**
 * The parts of a Hono context the guard uses, typed structurally so the guard does not depend on
 * hono (an optional peer). `env.incoming` is where @hono/node-server puts the node request.
 */
export interface HonoContextLike {
  req: { raw: Request };
  res: Response | undefined;
  env?: unknown;
}

function toHeaders(flat: readonly string[]): Headers {
  const h = new Headers();
  for (let i = 0; i + 1 < flat.length; i += 2) h.append(flat[i]!, flat[i + 1]!);
  return h;
}

/**
 * On @hono/node-server, a Connection header of our own keeps node from adding its identifying
 * `Keep-Alive: timeout=5`.
 */
function withConnection(h: Headers, env: unknown): Headers {
  const outgoing = (env as { outgoing?: { shouldKeepAlive?: boolean } } | undefined)?.outgoing;
  if (outgoing && typeof outgoing.shouldKeepAlive === 'boolean')
    h.set('connection', outgoing.shouldKeepAlive ? 'keep-alive' : 'close');
  return h;
}

function answerResponse(core: GuardCore, x: Exchange, a: Answer, env: unknown): Response {
  x.status = a.status;
  x.bytesOut += a.body.length;
  core.finish(x);
  return new Response(x.method === 'HEAD' ? null : new Uint8Array(a.body), {
    status: a.status,
    headers: withConnection(toHeaders(a.headers), env),
  });
}

function headerObject(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

async function readCapped(
  stream: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<Buffer | undefined> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks, size);
}

function remoteAddress(env: unknown): string | undefined {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

/**
 * The Request the app must see instead of one carrying the guard's tokens: the upstream's session
 * id in Mcp-Session-Id, the legacy SSE endpoint's own query. The same Request when neither is there.
 */
function unmask(raw: Request, x: Exchange): Request {
  if (x.session === undefined && !x.legacy) return raw;
  const headers = new Headers(raw.headers);
  if (x.session !== undefined) headers.set('mcp-session-id', x.session);
  let url = raw.url;
  if (x.legacy) {
    const u = new URL(raw.url);
    url = `${u.origin}${legacyRequestTarget(u.pathname, x.legacy)}`;
  }
  const body = raw.method === 'GET' || raw.method === 'HEAD' ? null : raw.body;
  return new Request(url, {
    method: raw.method,
    headers,
    body,
    signal: raw.signal,
    // Required by fetch for a streamed body.
    ...(body ? { duplex: 'half' } : {}),
  } as RequestInit);
}

/** Hono middleware over the core: checks the Request, then rewrites the Response the app produced. */
export function honoMiddleware(core: () => GuardCore) {
  return async (c: HonoContextLike, next: () => Promise<void>): Promise<Response | undefined> => {
    const g = core();
    const raw = c.req.raw;
    const url = new URL(raw.url);
    const headers = headerObject(raw.headers) as IncomingHttpHeaders;
    const head: RequestHead = {
      method: raw.method,
      url: url.pathname + url.search,
      headers,
      remoteAddress: remoteAddress(c.env),
      httpVersion: '1.1',
    };
    const x = g.begin(head);
    const early = g.admit(x, head);
    if (early) return answerResponse(g, x, early, c.env);
    if (raw.method === 'POST' && raw.body) {
      const max = g.policy.config.limits.maxBodyBytes;
      if (Number(headers['content-length']) > max) {
        x.rewritten('body too large');
        return answerResponse(g, x, errorAnswer(413), c.env);
      }
      // A clone, so the app still reads the original.
      const body = await readCapped(raw.clone().body, max);
      if (!body) {
        x.rewritten('body too large');
        return answerResponse(g, x, errorAnswer(413), c.env);
      }
      const bad = g.inspectBody(x, body);
      if (bad) return answerResponse(g, x, bad, c.env);
    }
    c.req.raw = unmask(raw, x);
    await next();
    const res = c.res;
    if (!res) return undefined;
    const plan = g.plan(x, res.status, headerObject(res.headers));
    x.status = plan.status;
    let out: Response;
    if (plan.mode === 'pass') {
      out = new Response(res.body, {
        status: plan.status,
        headers: withConnection(toHeaders(plan.headers), c.env),
      });
      g.finish(x);
    } else if (plan.mode === 'json') {
      const body = g.collected(x, plan, Buffer.from(await res.arrayBuffer()));
      if (Buffer.isBuffer(body)) {
        x.bytesOut += body.length;
        const h = withConnection(toHeaders(plan.headers), c.env);
        h.set('content-length', String(body.length));
        out = new Response(x.method === 'HEAD' ? null : new Uint8Array(body), {
          status: plan.status,
          headers: h,
        });
        g.finish(x);
      } else out = answerResponse(g, x, body, c.env);
    } else if (plan.mode === 'replace') {
      const body = await readCapped(res.body, 65_536);
      out = answerResponse(g, x, g.replace(x, plan, body), c.env);
    } else {
      const source = res.body;
      let rewriter: ReturnType<GuardCore['sse']> | undefined;
      const stream = new TransformStream<Uint8Array, Uint8Array>({
        start(ctl) {
          rewriter = g.sse(x, (b) => {
            x.bytesOut += b.length;
            ctl.enqueue(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
          });
        },
        transform(chunk) {
          rewriter!.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        },
        flush() {
          rewriter!.end();
          g.finish(x);
        },
      });
      out = new Response(source ? source.pipeThrough(stream) : null, {
        status: plan.status,
        headers: withConnection(toHeaders(plan.headers), c.env),
      });
    }
    // Cleared first: assigning over an existing response makes Hono copy its headers back in.
    c.res = undefined;
    c.res = out;
    return undefined;
  };
}
