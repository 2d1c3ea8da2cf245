import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';
import { baseUrl, closeServer, dropNodeConnectionHeaders, isLoopbackHost, listen, send } from './http.js';
import { startPlainSdkServer } from './plain-sdk.js';
import type { LabIdentity } from './surface.js';
import type { LabServerDef, RunningLabServer } from './types.js';

/** A complete answer the proxy makes itself (no route, upstream down). */
export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type HeaderMap = Record<string, string | string[]>;

/** What makes a proxy look like Envoy or Kong on the wire. */
export interface ProxyFlavour {
  /** Whether a path is routed upstream; anything else gets `noRoute()`. */
  routes(pathname: string): boolean;
  noRoute(): ProxyAnswer;
  upstreamDown(): ProxyAnswer;
  /** Headers added to the request sent upstream. */
  requestHeaders(ctx: { clientIp: string; host: string; path: string }): Record<string, string>;
  /** Rewrites the upstream's response headers (hop-by-hop headers are already gone). */
  responseHeaders(upstream: HeaderMap, timing: { upstreamMs: number; proxyMs: number }): HeaderMap;
  /** nginx-based proxies send `Connection: keep-alive`; Envoy sends no Connection header. */
  sendsConnectionHeader: boolean;
}

export interface RunningProxy {
  url: string;
  close(): Promise<void>;
}

// RFC 9110 §7.6.1 connection-specific fields, plus `host`, which each flavour sets itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): HeaderMap {
  const out: HeaderMap = {};
  const listed = String(headers['connection'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (v === undefined || HOP_BY_HOP.has(name) || listed.includes(name)) continue;
    out[name] = v;
  }
  return out;
}

function answer(res: ServerResponse, a: ProxyAnswer, connectionHeader: boolean): void {
  if (connectionHeader) res.setHeader('connection', 'keep-alive');
  else dropNodeConnectionHeaders(res);
  send(res, a.status, a.headers, a.body);
}

/**
 * A small real reverse proxy (node:http in, undici out) that streams bodies both ways (SSE included)
 * and adds what a given proxy product adds. The lab puts SDK servers behind it to show infrastructure
 * disclosure: headers naming the proxy, and the proxy's own error pages.
 */
export async function startReverseProxy(opts: {
  host: string;
  port: number;
  upstream: string;
  flavour: ProxyFlavour;
}): Promise<RunningProxy> {
  const { flavour } = opts;
  const agent = new Agent({ keepAliveTimeout: 4_000, connections: 64 });
  const inflight = new Set<AbortController>();

  const http = createServer(async (req, res) => {
    const started = performance.now();
    const path = req.url ?? '/';
    const pathname = new URL(path, 'http://proxy').pathname;
    if (!flavour.routes(pathname)) {
      answer(res, flavour.noRoute(), flavour.sendsConnectionHeader);
      return;
    }
    const controller = new AbortController();
    inflight.add(controller);
    res.once('close', () => {
      controller.abort();
      inflight.delete(controller);
    });
    const headers: Record<string, string | string[]> = {
      ...endToEnd(req.headers),
      ...flavour.requestHeaders({
        clientIp: req.socket.remoteAddress ?? '',
        host: req.headers.host ?? '',
        path,
      }),
    };
    const hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    try {
      const sent = performance.now();
      const up = await request(new URL(path, opts.upstream), {
        method: (req.method ?? 'GET') as 'GET',
        headers,
        body: hasBody ? req : null,
        dispatcher: agent,
        signal: controller.signal,
      });
      const upstreamMs = Math.round(performance.now() - sent);
      const out = flavour.responseHeaders(endToEnd(up.headers), {
        upstreamMs,
        proxyMs: Math.round(sent - started),
      });
      for (const [k, v] of Object.entries(out)) res.setHeader(k, v);
      if (flavour.sendsConnectionHeader) res.setHeader('connection', 'keep-alive');
      else dropNodeConnectionHeaders(res);
      res.writeHead(up.statusCode);
      res.flushHeaders();
      await pipeline(up.body, res);
    } catch {
      if (!res.headersSent) answer(res, flavour.upstreamDown(), flavour.sendsConnectionHeader);
      else res.destroy();
    }
  });
  const bound = await listen(http, opts.host, opts.port);
  return {
    url: baseUrl(opts.host, bound),
    async close() {
      for (const c of inflight) c.abort();
      inflight.clear();
      await closeServer(http);
      await agent.destroy();
    },
  };
}

/**
 * Starts an SDK server on loopback and this proxy in front of it, as one lab server: the upstream
 * stays on loopback even when the proxy is bound elsewhere, as behind a real proxy.
 */
export async function startProxiedSdkServer(
  def: LabServerDef,
  identity: LabIdentity,
  flavour: ProxyFlavour,
  opts: { host: string; port: number },
): Promise<RunningLabServer> {
  const upstreamHost = isLoopbackHost(opts.host) ? opts.host : '127.0.0.1';
  const upstream = await startPlainSdkServer(identity, { host: upstreamHost, port: 0 });
  try {
    const proxy = await startReverseProxy({
      host: opts.host,
      port: opts.port,
      upstream: upstream.url,
      flavour,
    });
    return {
      name: def.name,
      url: proxy.url,
      mcpUrl: `${proxy.url}/mcp`,
      def,
      async close() {
        await proxy.close();
        await upstream.close();
      },
    };
  } catch (err) {
    await upstream.close();
    throw err;
  }
}
