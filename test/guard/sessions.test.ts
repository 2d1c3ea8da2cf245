import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningGuard } from '../../src/guard/server.js';
import { UserError } from '../../src/util/errors.js';
import { fetchRaw, INITIALIZE, MCP_POST_HEADERS, startGuarded } from '../helpers/guard.js';
import { startLeakyV1, startPythonLike, type Upstream } from '../helpers/mcp-upstreams.js';
import { listenOnLoopback } from '../helpers/servers.js';

const TOKEN = /^[A-Za-z0-9_-]{208}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const NOT_FOUND = '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Not Found"}}';
const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function guardFor(upstream: string, overrides: Record<string, unknown> = {}): Promise<RunningGuard> {
  const g = await startGuarded(upstream, overrides);
  closers.push(() => g.close(0));
  return g;
}

interface Recorder {
  url: string;
  /** Every request that reached it: method, target, and the Mcp-Session-Id it carried. */
  seen: { method: string; url: string; sid: string | undefined }[];
  /** Session ids it minted. */
  minted: string[];
}

/**
 * A stateful MCP-ish upstream that records what reaches it. POST without a session mints one (a
 * UUID, or `?idlen=N` characters), with CORS headers exposing Mcp-Session-Id; a known session is
 * served, an unknown one is 404; DELETE ends a session; GET /sse announces a legacy endpoint.
 */
async function startRecorder(): Promise<Recorder> {
  const sessions = new Set<string>();
  const rec: Recorder = { url: '', seen: [], minted: [] };
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'Mcp-Session-Id',
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const sidHeader = req.headers['mcp-session-id'];
    const sid = typeof sidHeader === 'string' ? sidHeader : undefined;
    rec.seen.push({ method: req.method ?? '', url: req.url ?? '', sid });
    req.resume();
    req.on('end', () => {
      if (req.method === 'OPTIONS') {
        res
          .writeHead(204, {
            ...cors,
            'access-control-allow-methods': 'GET, POST, DELETE',
            'access-control-allow-headers': 'content-type, mcp-session-id, mcp-protocol-version',
          })
          .end();
        return;
      }
      if (req.method === 'GET' && url.pathname === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: endpoint\ndata: /messages?sessionId=${randomUUID()}\n\n`);
        return;
      }
      if (sid !== undefined && !sessions.has(sid)) {
        res
          .writeHead(404, { 'content-type': 'application/json', ...cors })
          .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}');
        return;
      }
      if (req.method === 'DELETE' && sid) {
        sessions.delete(sid);
        res.writeHead(200, cors).end();
        return;
      }
      let id = sid;
      if (id === undefined) {
        const len = Number(url.searchParams.get('idlen') ?? 0);
        id = len > 0 ? 's'.repeat(len) : randomUUID();
        sessions.add(id);
        rec.minted.push(id);
      }
      res
        .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': id, ...cors })
        .end('{"jsonrpc":"2.0","id":1,"result":{}}');
    });
  });
  const running = await listenOnLoopback(server);
  closers.push(() => running.close());
  rec.url = running.url;
  return rec;
}

async function initialize(base: string, path = '/mcp') {
  return fetchRaw(`${base}${path}`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE });
}

describe('Streamable HTTP session ids through the guard', { timeout: 60_000 }, () => {
  let v1: Upstream;
  let py: Upstream;
  before(async () => {
    v1 = await startLeakyV1();
    py = await startPythonLike();
    closers.push(
      () => v1.close(),
      () => py.close(),
    );
  });

  for (const path of ['/mcp', '/mcp-json']) {
    it(`an SDK 1.x client keeps its session across requests and ends it with DELETE (${path})`, async () => {
      const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
      const { StreamableHTTPClientTransport } = await import(
        '@modelcontextprotocol/sdk/client/streamableHttp.js'
      );
      const g = await guardFor(v1.url);
      const sent: (string | null)[] = [];
      const received: (string | null)[] = [];
      const recording: typeof fetch = async (input, init) => {
        sent.push(new Headers(init?.headers).get('mcp-session-id'));
        const r = await fetch(input, init);
        received.push(r.headers.get('mcp-session-id'));
        return r;
      };
      const client = new Client({ name: 'test-client', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(`${g.url}${path}`), { fetch: recording });
      await client.connect(transport);
      for (const text of ['one', 'two', 'three']) {
        const r = await client.callTool({ name: 'echo', arguments: { text } });
        assert.deepEqual(r.content, [{ type: 'text', text }]);
      }
      assert.ok((await client.listTools()).tools.some((t) => t.name === 'echo'));
      const token = transport.sessionId;
      assert.match(token ?? '', TOKEN);
      // One id for the whole session, as a server's own would be; never the upstream's UUID.
      assert.deepEqual([...new Set(received.filter((v) => v !== null))], [token]);
      assert.deepEqual([...new Set(sent.filter((v) => v !== null))], [token]);
      await transport.terminateSession();
      assert.equal(transport.sessionId, undefined);
      await client.close();
      // The upstream ended the session: the old token now reaches it as an id it no longer knows.
      const stale = await fetchRaw(`${g.url}${path}`, {
        method: 'POST',
        headers: { ...MCP_POST_HEADERS, 'mcp-session-id': token! },
        body: TOOLS_LIST,
      });
      assert.notEqual(stale.status, 200);
      assert.equal(stale.headers['mcp-session-id'], undefined);
    });
  }

  it('directly, the TypeScript and Python-like upstreams mint different shapes of id (the test can fail)', async () => {
    assert.match((await initialize(v1.url)).headers['mcp-session-id'] ?? '', UUID);
    assert.match((await initialize(py.url)).headers['mcp-session-id'] ?? '', HEX32);
  });

  it('through the guard, every upstream hands out tokens of the same length and alphabet', async () => {
    const rec = await startRecorder();
    const tokens: string[] = [];
    for (const [url, path] of [
      [v1.url, '/mcp'],
      [v1.url, '/mcp-json'],
      [py.url, '/mcp'],
      [rec.url, '/mcp'],
      [rec.url, '/mcp?idlen=1'],
      [rec.url, '/mcp?idlen=128'],
    ] as const) {
      const g = await guardFor(url);
      const r = await initialize(g.url, path);
      assert.equal(r.status, 200, `${url}${path}`);
      tokens.push(r.headers['mcp-session-id'] ?? '');
    }
    for (const t of tokens) assert.match(t, TOKEN);
    assert.equal(new Set(tokens).size, tokens.length);
  });

  it('the Python-like upstream: its error answers carry a token too, and the token serves and ends the session', async () => {
    const g = await guardFor(py.url);
    const init = await initialize(g.url);
    const token = init.headers['mcp-session-id']!;
    assert.match(token, TOKEN);
    const list = await fetchRaw(`${g.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': token, 'mcp-protocol-version': '2025-11-25' },
      body: TOOLS_LIST,
    });
    assert.deepEqual([list.status, list.headers['mcp-session-id']], [200, token]);
    assert.match(list.body, /"tools":\[\]/);
    // A POST without a session mints one even when it is refused: that id is masked as well.
    const refused = await fetchRaw(`${g.url}/mcp`, {
      method: 'POST',
      headers: MCP_POST_HEADERS,
      body: TOOLS_LIST,
    });
    assert.equal(refused.status, 400);
    assert.match(refused.headers['mcp-session-id'] ?? '', TOKEN);
    const del = await fetchRaw(`${g.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': token } });
    assert.equal(del.status, 200);
  });

  it('a forged, altered or foreign token gets the generic 404 and never reaches the upstream', async () => {
    const rec = await startRecorder();
    const g = await guardFor(rec.url);
    const other = await guardFor(rec.url);
    const token = (await initialize(g.url)).headers['mcp-session-id']!;
    const foreign = (await initialize(other.url)).headers['mcp-session-id']!;
    const real = rec.minted[0]!;
    // A legacy SSE token from the same guard is not a session token.
    const ac = new AbortController();
    const sse = await fetch(`${g.url}/sse`, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
    const reader = sse.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    const legacy = /\?session=([A-Za-z0-9_-]+)/.exec(text)![1]!;
    const flip = (t: string, i: number) => t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
    const bad = [
      flip(token, 0),
      flip(token, 100),
      flip(token, 207),
      token.slice(0, 207),
      `${token}A`,
      'A'.repeat(208),
      real,
      foreign,
      legacy,
      'x',
      `${token}, ${token}`,
    ];
    const before = rec.seen.length;
    for (const sid of bad) {
      for (const method of ['POST', 'GET', 'DELETE']) {
        const r = await fetchRaw(`${g.url}/mcp`, {
          method,
          headers: { ...MCP_POST_HEADERS, 'mcp-session-id': sid },
          ...(method === 'POST' ? { body: TOOLS_LIST } : {}),
        });
        assert.deepEqual([r.status, r.body], [404, NOT_FOUND], `${method} with ${sid.slice(0, 20)}...`);
      }
    }
    // A garbled legacy token likewise.
    const forgedLegacy = await fetchRaw(`${g.url}/messages?session=${'B'.repeat(208)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: TOOLS_LIST,
    });
    assert.deepEqual([forgedLegacy.status, forgedLegacy.body], [404, NOT_FOUND]);
    assert.equal(rec.seen.length, before, 'nothing reached the upstream');
    // The real token does, as the upstream's own id.
    const ok = await fetchRaw(`${g.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': token },
      body: TOOLS_LIST,
    });
    assert.equal(ok.status, 200);
    assert.equal(rec.seen.at(-1)?.sid, real);
    for (const s of rec.seen) assert.ok(s.sid === undefined || rec.minted.includes(s.sid), s.sid);
  });

  it('Access-Control-Expose-Headers still exposes Mcp-Session-Id', async () => {
    const rec = await startRecorder();
    const g = await guardFor(rec.url);
    const origin = { origin: 'http://localhost:5173' };
    const init = await fetchRaw(`${g.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, ...origin },
      body: INITIALIZE,
    });
    assert.equal(init.headers['access-control-expose-headers'], 'Mcp-Session-Id');
    assert.match(init.headers['mcp-session-id'] ?? '', TOKEN);
    const preflight = await fetchRaw(`${g.url}/mcp`, {
      method: 'OPTIONS',
      headers: { ...origin, 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-expose-headers'], 'Mcp-Session-Id');
    assert.match(preflight.headers['access-control-allow-headers'] ?? '', /mcp-session-id/);
  });

  it('ids over 128 bytes get longer tokens that still work; ids over 1024 bytes get a generic 502', async () => {
    const rec = await startRecorder();
    const g = await guardFor(rec.url);
    const long = await initialize(g.url, '/mcp?idlen=200');
    const token = long.headers['mcp-session-id'] ?? '';
    assert.match(token, /^[A-Za-z0-9_-]{1403}$/);
    const again = await fetchRaw(`${g.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': token },
      body: TOOLS_LIST,
    });
    assert.equal(again.status, 200);
    assert.equal(rec.seen.at(-1)?.sid, 's'.repeat(200));
    const tooLong = await initialize(g.url, '/mcp?idlen=2000');
    assert.equal(tooLong.status, 502);
    assert.equal(tooLong.headers['mcp-session-id'], undefined);
    assert.equal(tooLong.body, '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Bad Gateway"}}');
  });
});

describe('the token key', { timeout: 30_000 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpward-session-key-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  });

  it('is kept next to the blocklist file, so tokens survive a restart', async () => {
    const rec = await startRecorder();
    const blocklist = join(dir, 'blocklist.json');
    const first = await startGuarded(rec.url, { blocklist });
    closers.push(() => first.close(0));
    const token = (await initialize(first.url)).headers['mcp-session-id']!;
    await first.close(0);
    const keyFile = `${blocklist}.session-key`;
    assert.match(readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const second = await guardFor(rec.url, { blocklist });
    const r = await fetchRaw(`${second.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': token },
      body: TOOLS_LIST,
    });
    assert.equal(r.status, 200);
    assert.equal(rec.seen.at(-1)?.sid, rec.minted[0]);
    // A guard with a key of its own does not take it.
    const fresh = await guardFor(rec.url);
    const refused = await fetchRaw(`${fresh.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': token },
      body: TOOLS_LIST,
    });
    assert.equal(refused.status, 404);
  });

  it('a key file that is not 64 hex digits is a UserError naming it', async () => {
    const blocklist = join(dir, 'bad-blocklist.json');
    writeFileSync(`${blocklist}.session-key`, 'not a key\n');
    const starting = startGuarded('http://127.0.0.1:9', { blocklist });
    // Should it start after all, it must not keep the test process alive.
    closers.push(() => starting.then((g) => g.close(0)).catch(() => {}));
    await assert.rejects(
      starting,
      (err: unknown) =>
        err instanceof UserError &&
        err.oneLine() === `${blocklist}.session-key: not a session key (64 hex digits)`,
    );
  });
});
