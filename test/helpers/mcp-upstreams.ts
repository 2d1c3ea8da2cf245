import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpHandler, McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';

/** What the leaky upstreams say about themselves (so tests can look for it downstream). */
export const LEAK = {
  name: 'acme-mcp',
  version: '2.3.4',
  v2Name: 'acme-mcp-modern',
  v2Version: '3.4.5',
  server: 'acme-mcp/2.3.4 (Node.js/20.11.0)',
} as const;

export interface Upstream {
  url: string;
  port: number;
  /** Open client sockets right now (for leak checks). */
  sockets(): number;
  close(): Promise<void>;
}

function track(server: Server): { sockets: Set<Socket> } {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return { sockets };
}

async function listen(
  server: Server,
  sockets: Set<Socket>,
  onClose?: () => Promise<void>,
): Promise<Upstream> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sockets: () => sockets.size,
    close: async () => {
      await onClose?.();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function leakyV1Server(): McpServer {
  const server = new McpServer(
    {
      name: LEAK.name,
      version: LEAK.version,
      title: `Acme MCP ${LEAK.version}`,
      websiteUrl: 'https://acme.example/mcp/2.3.4',
    },
    { instructions: `Acme MCP server v${LEAK.version}. Use the echo tool.`, capabilities: { logging: {} } },
  );
  server.registerTool(
    'echo',
    { description: 'Echo text', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'count',
    { description: 'Sends progress notifications, then the total', inputSchema: { n: z.number().int() } },
    async ({ n }, extra) => {
      for (let i = 1; i <= n; i++) {
        await extra.sendNotification({
          method: 'notifications/message',
          params: { level: 'info', data: `step ${i} of ${n}` },
        });
      }
      return { content: [{ type: 'text', text: String(n) }] };
    },
  );
  return server;
}

/**
 * A leaky server on the official TypeScript SDK 1.x with Express (createMcpExpressApp): versioned
 * serverInfo, Server/X-MCP-Version/Via/X-Envoy headers, /version and /health with versions, Express
 * error pages with stack traces. Streamable HTTP on /mcp (SSE answers) and /mcp-json (JSON answers),
 * legacy HTTP+SSE on /sse + /messages.
 */
export async function startLeakyV1(): Promise<Upstream> {
  const app = createMcpExpressApp();
  // 'test' keeps Express's development error pages (stack traces) but not its console logging.
  app.set('env', 'test');
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Server', LEAK.server);
    res.setHeader('X-MCP-Version', LEAK.version);
    res.setHeader('Via', '1.1 envoy');
    res.setHeader('X-Envoy-Upstream-Service-Time', '3');
    next();
  });
  app.get('/version', (_req: Request, res: Response) => {
    res.json({ name: LEAK.name, version: LEAK.version, build: '2025-01-02T03:04:05Z' });
  });
  app.get('/health', (_req: Request, res: Response) => {
    res.json({ status: 'ok', version: LEAK.version, node: process.version });
  });
  app.get('/boom', () => {
    throw new Error('boom from handler');
  });
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();
  for (const [path, json] of [
    ['/mcp', false],
    ['/mcp-json', true],
  ] as const) {
    app.all(path, async (req: Request, res: Response) => {
      const sid = req.headers['mcp-session-id'];
      let t = typeof sid === 'string' ? transports.get(sid) : undefined;
      if (!t) {
        if (req.method !== 'POST' || req.body?.method !== 'initialize') {
          res.status(400).json({
            jsonrpc: '2.0',
            error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
            id: null,
          });
          return;
        }
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: json,
          onsessioninitialized: (id) => {
            transports.set(id, transport);
          },
        });
        transport.onclose = () => {
          if (transport.sessionId) transports.delete(transport.sessionId);
        };
        await leakyV1Server().connect(transport);
        t = transport;
      }
      await t.handleRequest(req, res, req.body);
    });
  }
  app.get('/sse', async (_req: Request, res: Response) => {
    const t = new SSEServerTransport('/messages', res);
    sse.set(t.sessionId, t);
    res.on('close', () => sse.delete(t.sessionId));
    await leakyV1Server().connect(t);
  });
  app.post('/messages', async (req: Request, res: Response) => {
    const t = sse.get(String(req.query['sessionId']));
    if (!t) {
      res.status(400).send('No transport found for sessionId');
      return;
    }
    await t.handlePostMessage(req, res, req.body);
  });
  const server = createServer(app);
  const { sockets } = track(server);
  return listen(server, sockets, async () => {
    for (const t of transports.values()) await t.close();
    for (const t of sse.values()) await t.close();
  });
}

/** A 2026-07-28 (stateless, dual-era) server on the official TypeScript SDK 2.x, on bare node:http. */
export async function startLeakyV2(): Promise<Upstream> {
  const handler = toNodeHandler(
    createMcpHandler(() => {
      const s = new McpServerV2(
        { name: LEAK.v2Name, version: LEAK.v2Version },
        { instructions: `Modern ${LEAK.v2Version}` },
      );
      s.registerTool(
        'echo',
        { description: 'Echo text', inputSchema: z.object({ text: z.string() }) },
        async ({ text }) => ({
          content: [{ type: 'text', text }],
        }),
      );
      return s;
    }),
  );
  const server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] === '/mcp') void handler(req, res);
    else res.writeHead(404).end();
  });
  const { sockets } = track(server);
  return listen(server, sockets);
}

/**
 * A server that answers the way the Python SDK (FastMCP on uvicorn/Starlette) does, byte for byte in
 * the parts scanners read (see the wire notes): `server: uvicorn`, `?session_id=<hex>` endpoint events
 * with CRLF line ends, 421 for a wrong Host, a plain-text "Not Found", Python's JSON error wording,
 * and stateful Streamable HTTP whose `Mcp-Session-Id` is `uuid4().hex` (32 hex digits), minted for
 * every POST that comes without one, as the SDK's session manager does.
 */
export async function startPythonLike(): Promise<Upstream> {
  const streams = new Map<string, import('node:http').ServerResponse>();
  const sessions = new Set<string>();
  const info = { name: 'FastMCP', version: '1.29.0' };
  const result = (id: unknown, protocolVersion: string) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      result: { protocolVersion, capabilities: { tools: {} }, serverInfo: info },
    });
  const server = createServer((req, res) => {
    res.setHeader('server', 'uvicorn');
    const url = new URL(req.url ?? '/', 'http://x');
    const host = req.headers.host ?? '';
    if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)) {
      res.writeHead(421, { 'content-length': '19' }).end('Invalid Host header');
      return;
    }
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.method === 'GET' && url.pathname === '/sse') {
        const sid = randomUUID().replace(/-/g, '');
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.write(`event: endpoint\r\ndata: /messages/?session_id=${sid}\r\n\r\n`);
        streams.set(sid, res);
        res.on('close', () => streams.delete(sid));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/messages/') {
        const stream = streams.get(url.searchParams.get('session_id') ?? '');
        if (!stream) {
          res.writeHead(404, { 'content-length': '22' }).end('Could not find session');
          return;
        }
        let msg: { id?: unknown; method?: string };
        try {
          msg = JSON.parse(body);
        } catch {
          res.writeHead(400, { 'content-length': '23' }).end('Could not parse message');
          return;
        }
        res.writeHead(202, { 'content-length': '8' }).end('Accepted');
        if (msg.method === 'initialize')
          stream.write(`event: message\r\ndata: ${result(msg.id, '2024-11-05')}\r\n\r\n`);
        return;
      }
      if ((req.method === 'POST' || req.method === 'DELETE') && url.pathname === '/mcp') {
        const given = req.headers['mcp-session-id'];
        if (given !== undefined && !sessions.has(String(given))) {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(
              '{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Session not found"}}',
            );
          return;
        }
        const sid = given === undefined ? randomUUID().replace(/-/g, '') : String(given);
        sessions.add(sid);
        res.setHeader('mcp-session-id', sid);
        if (req.method === 'DELETE') {
          sessions.delete(sid);
          res.writeHead(200, { 'content-type': 'application/json' }).end();
          return;
        }
        const version = req.headers['mcp-protocol-version'];
        if (
          typeof version === 'string' &&
          !['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'].includes(version)
        ) {
          const text = JSON.stringify({
            jsonrpc: '2.0',
            id: 'server-error',
            error: {
              code: -32600,
              message: `Bad Request: Unsupported protocol version: ${version}. Supported versions: 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25`,
            },
          });
          res.writeHead(400, { 'content-type': 'application/json' }).end(text);
          return;
        }
        let msg: { id?: unknown; method?: string };
        try {
          msg = JSON.parse(body);
        } catch {
          const text =
            '{"jsonrpc":"2.0","id":"server-error","error":{"code":-32700,"message":"Parse error: Expecting value: line 1 column 12 (char 11)"}}';
          res.writeHead(400, { 'content-type': 'application/json' }).end(text);
          return;
        }
        if (msg.method === 'initialize') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(result(msg.id, '2025-11-25'));
          return;
        }
        if (given !== undefined) {
          if (msg.id === undefined) res.writeHead(202, { 'content-type': 'application/json' }).end();
          else
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { tools: [] } }));
          return;
        }
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(
            '{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Bad Request: Missing session ID"}}',
          );
        return;
      }
      res
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '9' })
        .end('Not Found');
    });
  });
  const { sockets } = track(server);
  return listen(server, sockets);
}
