import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createMcpHandler, McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import express from 'express';
import { Hono } from 'hono';
import { z } from 'zod';
import { type GuardMiddleware, mcpwardGuard } from '../../src/guard/index.js';
import { fetchRaw, INITIALIZE, MCP_POST_HEADERS } from '../helpers/guard.js';
import { listenOnLoopback } from '../helpers/servers.js';

const GENERIC = { name: 'mcp-server', version: '1.0.0' };
const TOKEN = /^[A-Za-z0-9_-]{208}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function listen(server: Server): Promise<string> {
  const running = await listenOnLoopback(server);
  closers.push(() => running.close());
  return running.url;
}

function guard(): GuardMiddleware {
  const g = mcpwardGuard({ log: () => {} });
  closers.push(() => g.close());
  return g;
}

function v1Server() {
  const s = new McpServer({ name: 'acme-app', version: '7.8.9' }, { instructions: 'acme 7.8.9' });
  s.registerTool('echo', { description: 'Echo', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return s;
}

function v2Handler() {
  return createMcpHandler(() => {
    const s = new McpServerV2({ name: 'acme-modern', version: '8.9.0' });
    s.registerTool(
      'echo',
      { description: 'Echo', inputSchema: z.object({ text: z.string() }) },
      async ({ text }) => ({
        content: [{ type: 'text', text }],
      }),
    );
    return s;
  });
}

/**
 * A stateful session through the middleware: the client holds the guard's token, the app sees only
 * its own ids (`appSaw`: the Mcp-Session-Id of every request that reached the app), DELETE ends it.
 */
async function checkV1Client(url: string, appSaw: (string | undefined)[]): Promise<void> {
  const client = new Client({ name: 't', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  assert.deepEqual(client.getServerVersion(), GENERIC);
  assert.equal(client.getInstructions(), undefined);
  for (const text of ['via middleware', 'again']) {
    const r = await client.callTool({ name: 'echo', arguments: { text } });
    assert.deepEqual(r.content, [{ type: 'text', text }]);
  }
  assert.match(transport.sessionId ?? '', TOKEN);
  await transport.terminateSession();
  await client.close();
  const ids = appSaw.filter((v) => v !== undefined);
  assert.ok(ids.length >= 3, 'requests in the session reached the app');
  assert.equal(new Set(ids).size, 1);
  assert.match(ids[0]!, UUID);
}

async function checkV2Client(url: string): Promise<void> {
  const client = new ClientV2({ name: 'modern', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new TransportV2(new URL(url)));
  assert.equal(client.getProtocolEra(), 'modern');
  assert.deepEqual(client.getServerVersion(), GENERIC);
  const tools = await client.listTools();
  assert.deepEqual((tools._meta as Record<string, unknown>)['io.modelcontextprotocol/serverInfo'], GENERIC);
  const r = await client.callTool({ name: 'echo', arguments: { text: 'modern' } });
  assert.deepEqual(r.content, [{ type: 'text', text: 'modern' }]);
  await client.close();
}

/** What a scanner sees on the basics: headers, 404 page, malformed JSON. */
async function checkSurface(base: string, mcpPath: string): Promise<void> {
  const init = await fetchRaw(`${base}${mcpPath}`, {
    method: 'POST',
    headers: MCP_POST_HEADERS,
    body: INITIALIZE,
  });
  assert.equal(init.status, 200);
  assert.doesNotMatch(JSON.stringify(init), /acme|7\.8\.9|8\.9\.0|Express/i);
  assert.equal(init.headers['x-powered-by'], undefined);
  assert.equal(init.headers['keep-alive'], undefined);
  const missing = await fetchRaw(`${base}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body, '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Not Found"}}');
  const bad = await fetchRaw(`${base}${mcpPath}`, {
    method: 'POST',
    headers: MCP_POST_HEADERS,
    body: '{"jsonrpc":',
  });
  assert.deepEqual(
    [bad.status, bad.body],
    [400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}'],
  );
  assert.equal((await fetchRaw(`${base}/version`)).status, 404);
}

describe('mcpwardGuard middleware: same guard, three frameworks', { timeout: 60_000 }, () => {
  it('Express + SDK 1.x stateful transport (express.json() after the guard)', async () => {
    const app = express();
    app.set('env', 'test'); // development error pages, no console logging
    const g = guard();
    app.use(g);
    app.use(express.json());
    const sessions = new Map<string, StreamableHTTPServerTransport>();
    const appSaw: (string | undefined)[] = [];
    app.all('/mcp', async (req, res) => {
      const sid = req.headers['mcp-session-id'];
      appSaw.push(typeof sid === 'string' ? sid : undefined);
      let t = typeof sid === 'string' ? sessions.get(sid) : undefined;
      if (!t) {
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            sessions.set(id, transport);
          },
        });
        await v1Server().connect(transport);
        t = transport;
      }
      await t.handleRequest(req, res, req.body);
    });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    const base = await listen(createServer(app));
    closers.push(async () => {
      for (const t of sessions.values()) await t.close();
    });
    await checkV1Client(`${base}/mcp`, appSaw);
    await checkSurface(base, '/mcp');
    const boom = await fetchRaw(`${base}/boom`);
    assert.equal(boom.status, 500);
    assert.doesNotMatch(boom.body, /boom|at |node_modules/);
  });

  it("Express + SDK 1.x legacy HTTP+SSE: the masked endpoint maps back to the app's own", async () => {
    const app = express();
    const g = guard();
    app.use(g);
    const streams = new Map<string, SSEServerTransport>();
    const appSaw: string[] = [];
    app.get('/sse', async (_req, res) => {
      const t = new SSEServerTransport('/messages', res);
      streams.set(t.sessionId, t);
      res.on('close', () => streams.delete(t.sessionId));
      await v1Server().connect(t);
    });
    app.post('/messages', express.json(), async (req, res) => {
      const sid = String(req.query['sessionId']);
      appSaw.push(sid);
      const t = streams.get(sid);
      if (!t) {
        res.status(400).send('No transport found for sessionId');
        return;
      }
      await t.handlePostMessage(req, res, req.body);
    });
    const base = await listen(createServer(app));
    const client = new Client({ name: 't', version: '1' });
    await client.connect(new SSEClientTransport(new URL(`${base}/sse`)));
    assert.deepEqual(client.getServerVersion(), GENERIC);
    const r = await client.callTool({ name: 'echo', arguments: { text: 'legacy' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'legacy' }]);
    await client.close();
    assert.ok(appSaw.length >= 2);
    for (const sid of appSaw) assert.match(sid, UUID);
  });

  it('node:http + SDK 2.x handler that reads the request body itself', async () => {
    const g = guard();
    const handler = toNodeHandler(v2Handler());
    const base = await listen(
      createServer((req, res) =>
        g(req, res, () => {
          if ((req.url ?? '').startsWith('/mcp')) void handler(req, res);
          else res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        }),
      ),
    );
    await checkV2Client(`${base}/mcp`);
    await checkSurface(base, '/mcp');
  });

  it('Hono (@hono/node-server) + SDK 1.x web-standard stateful transport', async () => {
    const g = guard();
    const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
    closers.push(async () => {
      for (const t of sessions.values()) await t.close();
    });
    const appSaw: (string | undefined)[] = [];
    const app = new Hono();
    app.use('*', g.hono);
    app.all('/mcp', async (c) => {
      const sid = c.req.header('mcp-session-id');
      appSaw.push(sid);
      let t = sid === undefined ? undefined : sessions.get(sid);
      if (!t) {
        const transport = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            sessions.set(id, transport);
          },
        });
        await v1Server().connect(transport);
        t = transport;
      }
      return t.handleRequest(c.req.raw);
    });
    const base = await listen(createServer(getRequestListener(app.fetch)));
    await checkV1Client(`${base}/mcp`, appSaw);
  });

  it('Hono (@hono/node-server) + SDK 2.x fetch handler', async () => {
    const g = guard();
    const handler = v2Handler();
    const app = new Hono();
    app.use('*', g.hono);
    app.all('/mcp', (c) => handler.fetch(c.req.raw));
    app.notFound((c) => c.text('404 Not Found', 404, { 'x-powered-by': 'Hono' }));
    const base = await listen(createServer(getRequestListener(app.fetch)));
    await checkV2Client(`${base}/mcp`);
    await checkSurface(base, '/mcp');
  });
});
