import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { SseRewriter } from '../mcp/sse-rewrite.js';
import { type Answer, errorAnswer } from './answers.js';
import type { GuardCore, ResponsePlan } from './core.js';
import type { Exchange, RequestHead } from './exchange.js';
import type { GuardConfig } from './options.js';
import { HOP_BY_HOP } from './policy.js';
import type { Route, Upstreams } from './upstreams.js';

type DispatchController = Dispatcher.DispatchController;

const KEEP_ALIVE = ['connection', 'keep-alive'];
const CLOSE = ['connection', 'close'];

/** Whether a request carries a body (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}

export interface ProxyDeps {
  core: GuardCore;
  upstreams: () => Upstreams;
  config: () => GuardConfig;
}

/**
 * The reverse proxy: node:http in, undici pools out. Requests are checked by the core, forwarded with
 * hop-by-hop headers removed, and answers streamed back through the core's header allowlist and
 * rewriters. Node adds `Keep-Alive: timeout=N` unless the response names its own Connection header,
 * so every answer carries one: nothing on the wire says which runtime the guard is.
 */
export class GuardProxy {
  readonly server: Server;
  /** Exchanges with a response still going (SSE streams among them), for graceful shutdown. */
  readonly active = new Set<ProxyExchange>();
  closing = false;

  constructor(private readonly deps: ProxyDeps) {
    const t = deps.config().timeouts;
    this.server = createServer(
      {
        requestTimeout: t.request,
        headersTimeout: Math.min(t.headers, t.request),
        keepAliveTimeout: t.keepAlive,
      },
      (req, res) => this.handle(req, res),
    );
    this.server.keepAliveTimeout = t.keepAlive;
    // A client error (bad request line, header overflow, slowloris timeout) gets a bare, uniform 400.
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable && !socket.writableEnded)
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  get core(): GuardCore {
    return this.deps.core;
  }

  connectionHeader(res: ServerResponse): string[] {
    return !this.closing && res.shouldKeepAlive ? KEEP_ALIVE : CLOSE;
  }

  /** Sends one of the guard's own answers. */
  answer(res: ServerResponse, x: Exchange, a: Answer, close = false): void {
    x.status = a.status;
    x.bytesOut += a.body.length;
    res.writeHead(a.status, [...a.headers, ...(close ? CLOSE : this.connectionHeader(res))]);
    res.end(x.method === 'HEAD' ? undefined : a.body);
    this.core.finish(x);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const core = this.core;
    const head: RequestHead = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
      httpVersion: req.httpVersion,
    };
    const x = core.begin(head);
    const early = core.admit(x, head);
    if (early) {
      // An unread body would be parsed as the next request: close the connection instead.
      this.answer(res, x, early, hasBody(req));
      return;
    }
    const ups = this.deps.upstreams();
    const routeIndex = x.legacy ? x.legacy.route : ups.match(head.headers.host, x.path);
    const route = ups.routes[routeIndex];
    if (!route) {
      this.answer(res, x, errorAnswer(404), hasBody(req));
      return;
    }
    x.route = routeIndex;
    if (!hasBody(req)) {
      this.forward(req, res, x, route, null);
      return;
    }
    const max = core.policy.config.limits.maxBodyBytes;
    const declared = Number(req.headers['content-length']);
    if (declared > max) {
      x.rewritten('body too large');
      this.answer(res, x, errorAnswer(413), true);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        x.rewritten('body too large');
        this.answer(res, x, errorAnswer(413), true);
        req.socket.destroySoon?.();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (over) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const bad = core.inspectBody(x, body);
      if (bad) this.answer(res, x, bad);
      else this.forward(req, res, x, route, body);
    });
    req.on('error', () => {
      if (!res.headersSent) res.destroy();
      core.finish(x);
    });
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    x: Exchange,
    route: Route,
    body: Buffer | null,
  ): void {
    const cfg = this.deps.config();
    const headers = upstreamHeaders(req, route, x, cfg);
    const ex = new ProxyExchange(this, res, x);
    this.active.add(ex);
    route.pool.dispatch(
      {
        path: x.legacy ? x.legacy.target : x.target,
        method: x.method as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: cfg.timeouts.upstream,
        bodyTimeout: 0,
      },
      ex,
    );
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port });
      });
    });
  }

  /**
   * Stops accepting, lets requests and SSE streams run on for `graceMs`, then ends the streams cleanly
   * (a complete chunked body, so clients see a closed stream rather than a reset) and closes the rest.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (this.active.size > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
    for (const ex of [...this.active]) ex.endNow();
    this.server.closeAllConnections();
    await closed;
  }
}

/**
 * Request headers for the upstream: hop-by-hop and the guard's token removed, Host set, X-Forwarded-*,
 * and the upstream's own session id for the token the client sent.
 */
function upstreamHeaders(req: IncomingMessage, route: Route, x: Exchange, cfg: GuardConfig): string[] {
  const raw = req.rawHeaders;
  const out: string[] = ['host', route.hostHeader];
  const connection = req.headers.connection;
  const named = connection
    ? new Set(
        connection
          .toLowerCase()
          .split(',')
          .map((s) => s.trim()),
      )
    : undefined;
  const token = cfg.clients.tokens.length > 0 && !cfg.clients.forwardToken ? cfg.clients.tokenHeader : '';
  let xff: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const n = name.toLowerCase();
    if (n === 'host' || n === 'content-length' || n === 'expect' || HOP_BY_HOP.has(n) || named?.has(n))
      continue;
    if (n === token) continue;
    if (n === 'mcp-session-id') {
      // admit() refused any token that does not open, so x.session is set whenever this header is.
      if (x.session !== undefined) out.push(name, x.session);
      continue;
    }
    if (n === 'x-forwarded-for') {
      xff = xff ? `${xff}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    if (n === 'x-forwarded-proto' || n === 'x-forwarded-host') continue;
    out.push(name, raw[i + 1]!);
  }
  const peer = req.socket.remoteAddress ?? x.ip;
  out.push('x-forwarded-for', xff ? `${xff}, ${peer}` : peer, 'x-forwarded-proto', 'http');
  if (x.host) out.push('x-forwarded-host', x.host);
  return out;
}

/** One upstream exchange: undici's dispatch handler, writing to the client response. */
class ProxyExchange implements Dispatcher.DispatchHandler {
  private controller: DispatchController | undefined;
  private plan: ResponsePlan | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private rewriter: SseRewriter | undefined;
  private clientGone = false;
  private done = false;
  private waiting = false;
  private readonly onDrain = () => {
    this.waiting = false;
    this.controller?.resume();
  };

  constructor(
    private readonly proxy: GuardProxy,
    private readonly res: ServerResponse,
    private readonly x: Exchange,
  ) {
    res.on('close', () => {
      if (this.done) return;
      // The client went away before the answer ended: stop the upstream request too.
      this.clientGone = true;
      this.controller?.abort(new Error('client closed the connection'));
      this.end(this.x.status || 499);
    });
  }

  onRequestStart(controller: DispatchController): void {
    this.controller = controller;
    if (this.clientGone) controller.abort(new Error('client closed the connection'));
  }

  onResponseStart(
    _c: DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200 || this.clientGone) return;
    const core = this.proxy.core;
    const plan = core.plan(this.x, statusCode, headers);
    this.plan = plan;
    this.x.status = plan.status;
    if (plan.mode === 'pass' || plan.mode === 'sse') {
      this.res.writeHead(plan.status, [...plan.headers, ...this.proxy.connectionHeader(this.res)]);
      if (plan.mode === 'sse') {
        this.res.flushHeaders();
        this.rewriter = core.sse(this.x, (b) => this.write(b));
      }
    }
  }

  onResponseData(_c: DispatchController, chunk: Buffer): void {
    const plan = this.plan;
    if (!plan || this.clientGone) return;
    switch (plan.mode) {
      case 'pass':
        this.write(chunk);
        return;
      case 'sse':
        this.rewriter!.write(chunk);
        return;
      case 'json': {
        this.chunks.push(chunk);
        this.size += chunk.length;
        if (this.size > this.proxy.core.policy.config.limits.maxRewriteBytes) {
          // Too big to hold: it goes out as it is.
          plan.mode = 'pass';
          this.res.writeHead(plan.status, [...plan.headers, ...this.proxy.connectionHeader(this.res)]);
          for (const c of this.chunks) this.write(c);
          this.chunks = [];
        }
        return;
      }
      case 'replace':
        if (this.size <= 65_536) {
          this.chunks.push(chunk);
          this.size += chunk.length;
        }
        return;
    }
  }

  onResponseEnd(): void {
    const plan = this.plan;
    if (!plan || this.clientGone) return;
    const res = this.res;
    const core = this.proxy.core;
    if (plan.mode === 'json') {
      const body = core.collected(this.x, plan, Buffer.concat(this.chunks, this.size));
      this.chunks = [];
      if (!Buffer.isBuffer(body)) {
        this.x.status = body.status;
        this.x.bytesOut += body.body.length;
        res.writeHead(body.status, [...body.headers, ...this.proxy.connectionHeader(res)]);
        res.end(this.x.method === 'HEAD' ? undefined : body.body);
        this.end(body.status);
        return;
      }
      this.x.bytesOut += body.length;
      res.writeHead(plan.status, [
        ...plan.headers,
        'content-length',
        String(body.length),
        ...this.proxy.connectionHeader(res),
      ]);
      res.end(this.x.method === 'HEAD' ? undefined : body);
    } else if (plan.mode === 'replace') {
      const a = core.replace(this.x, plan, this.size ? Buffer.concat(this.chunks, this.size) : undefined);
      this.chunks = [];
      this.x.bytesOut += a.body.length;
      res.writeHead(a.status, [...a.headers, ...this.proxy.connectionHeader(res)]);
      res.end(this.x.method === 'HEAD' ? undefined : a.body);
    } else {
      this.rewriter?.end();
      res.end();
    }
    this.end(plan.status);
  }

  onResponseError(_c: DispatchController, err: Error): void {
    if (this.clientGone || this.done) return;
    const core = this.proxy.core;
    const res = this.res;
    if (!res.headersSent) {
      core.services.metrics.upstreamError('connect');
      this.x.reason ??= `upstream: ${describe(err)}`;
      const a = errorAnswer(502, this.x.rpcId);
      this.x.status = 502;
      this.x.bytesOut += a.body.length;
      res.writeHead(502, [...a.headers, ...this.proxy.connectionHeader(res)]);
      res.end(a.body);
    } else {
      core.services.metrics.upstreamError('stream');
      this.x.reason ??= `upstream broke: ${describe(err)}`;
      // An event stream can end cleanly (clients reconnect); a half-sent document must not look whole.
      if (this.plan?.mode === 'sse') res.end();
      else res.destroy();
    }
    this.end(this.x.status);
  }

  /** Shutdown: end the answer now, cleanly, and stop the upstream. */
  endNow(): void {
    if (this.done) return;
    this.controller?.abort(new Error('guard shutting down'));
    if (!this.res.headersSent) {
      const a = errorAnswer(503, this.x.rpcId);
      this.res.writeHead(503, [...a.headers, ...CLOSE]);
      this.res.end(a.body);
    } else this.res.end();
    this.end(this.x.status || 503);
  }

  private write(b: Buffer): void {
    this.x.bytesOut += b.length;
    if (!this.res.write(b) && !this.waiting) {
      // Chunks undici had already read still arrive after pause(); one drain listener is enough.
      this.waiting = true;
      this.controller?.pause();
      this.res.once('drain', this.onDrain);
    }
  }

  private end(status: number): void {
    if (this.done) return;
    this.done = true;
    this.x.status = status;
    this.proxy.active.delete(this);
    this.proxy.core.finish(this.x);
  }
}

function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code ?? err.name;
}
