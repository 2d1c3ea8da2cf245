import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import type { RunningGuard } from '../../src/guard/server.js';
import { fetchRaw, INITIALIZE, MCP_POST_HEADERS, startGuarded } from '../helpers/guard.js';
import { httpServer, type Running, tcpServer } from '../helpers/servers.js';

const toClose: { close(grace?: number): Promise<void> }[] = [];
after(async () => {
  for (const c of toClose.reverse()) await c.close(0);
});

async function guard(upstream: string, overrides: Record<string, unknown> = {}): Promise<RunningGuard> {
  const g = await startGuarded(upstream, overrides);
  toClose.push(g);
  return g;
}
async function server(p: Promise<Running>): Promise<Running> {
  const r = await p;
  toClose.push(r);
  return r;
}

const GENERIC_502 = '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Bad Gateway"}}';
const post = (url: string, body = INITIALIZE, headers: Record<string, string> = {}) =>
  fetchRaw(url, { method: 'POST', headers: { ...MCP_POST_HEADERS, ...headers }, body });

/** Reads an SSE response until `done` or the end; returns the text and whether it ended cleanly. */
async function readSse(
  url: string,
  until: (text: string) => boolean,
): Promise<{ text: string; clean: boolean }> {
  const r = await fetch(url, { headers: { accept: 'text/event-stream' } });
  const reader = r.body!.getReader();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, clean: true };
      text += new TextDecoder().decode(value);
      if (until(text)) {
        await reader.cancel();
        return { text, clean: true };
      }
    }
  } catch {
    return { text, clean: false };
  }
}

function waitFor(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const tick = async () => {
      if (await cond()) return resolve();
      if (++n > 250) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    void tick();
  });
}

describe('faults: the guard fails closed and keeps serving', { timeout: 60_000 }, () => {
  it('upstream down: a generic 502 with the request id', async () => {
    const gone = await httpServer(() => {});
    const url = gone.url;
    await gone.close();
    const g = await guard(url);
    const r = await post(`${g.url}/mcp`);
    assert.equal(r.status, 502);
    assert.equal(r.body, GENERIC_502);
    assert.equal(r.headers['content-type'], 'application/json');
  });

  it('upstream crashing mid-response: 502 before headers, a cleanly ended stream after them', async () => {
    const up = await server(
      httpServer((req, res) => {
        req.resume();
        if (req.url === '/json') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
          res.write('{"jsonrpc":"2.0","id":1,"result":{"serverInfo":{"name":"acme","vers');
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', server: 'acme/3.1.4' });
        res.write(
          'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"serverInfo":{"name":"acme","version":"3.1.4"}}}\n\n',
        );
        res.write('event: message\ndata: {"partial":');
        setTimeout(
          () => res.socket?.destroy(new Error('upstream crashed: /srv/app/node_modules/x.js:1')),
          20,
        );
      }),
    );
    const g = await guard(up.url);
    const json = await post(`${g.url}/json`);
    assert.equal(json.status, 502);
    assert.equal(json.body, GENERIC_502);
    const sse = await readSse(`${g.url}/sse`, () => false);
    assert.equal(sse.clean, true, 'the stream ended with a proper chunked terminator');
    assert.match(sse.text, /"serverInfo":\{"name":"mcp-server","version":"1\.0\.0"\}/);
    assert.doesNotMatch(sse.text, /acme|3\.1\.4|crashed|node_modules/);
    assert.equal((await post(`${g.url}/json`)).status, 502, 'and it keeps serving');
  });

  it('slowloris: a client that never finishes its headers is cut off', async () => {
    const up = await server(httpServer((_q, s) => s.end('ok')));
    const g = await guard(up.url, { timeouts: { headers: '300ms', request: '1s' } });
    const port = Number(new URL(g.url).port);
    const sock: Socket = connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => {
      got += d;
    });
    await new Promise((r) => sock.once('connect', r));
    sock.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const drip = setInterval(() => sock.writable && sock.write('a'), 50);
    await new Promise((r) => sock.once('close', r));
    clearInterval(drip);
    assert.match(got, /^HTTP\/1\.1 (400|408) /);
    assert.equal((await fetchRaw(`${g.url}/`)).body, 'ok');
  });

  it('caps request bodies: 10 MB answered 413, with or without Content-Length', async () => {
    let reached = 0;
    const up = await server(
      httpServer((req, res) => {
        reached++;
        req.resume();
        req.on('end', () => res.end('{}'));
      }),
    );
    const g = await guard(up.url, { limits: { maxBodyBytes: 1024 * 1024 } });
    const big = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"x":"${'a'.repeat(10 * 1024 * 1024)}"}}`;
    const r = await post(`${g.url}/mcp`, big);
    assert.equal(r.status, 413);
    assert.equal(r.body, '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Payload Too Large"}}');
    // Chunked: no length up front, the cap is found while reading.
    const chunked = await fetch(`${g.url}/mcp`, {
      method: 'POST',
      headers: MCP_POST_HEADERS,
      body: new ReadableStream({
        start(c) {
          const piece = new TextEncoder().encode('a'.repeat(64 * 1024));
          for (let i = 0; i < 160; i++) c.enqueue(piece);
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).catch((e: Error) => e);
    if (!(chunked instanceof Error)) assert.equal(chunked.status, 413);
    assert.equal(reached, 0, 'nothing too big reached the upstream');
    assert.equal((await post(`${g.url}/mcp`)).status, 200);
  });

  it('malformed JSON-RPC gets uniform errors and never reaches the upstream', async () => {
    let reached = 0;
    const up = await server(
      httpServer((req, res) => {
        reached++;
        req.resume();
        res.end('{}');
      }),
    );
    const g = await guard(up.url);
    const cases: [string, number, string][] = [
      ['{"jsonrpc":', 400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}'],
      ['{"foo":1}', 400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}'],
      [
        '{"jsonrpc":"1.0","id":7,"method":"x"}',
        400,
        '{"jsonrpc":"2.0","id":7,"error":{"code":-32600,"message":"Invalid Request"}}',
      ],
      ['[]', 400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}'],
    ];
    for (const [body, status, answer] of cases) {
      const r = await post(`${g.url}/mcp`, body);
      assert.deepEqual([r.status, r.body], [status, answer], body);
    }
    const ct = await post(`${g.url}/mcp`, INITIALIZE, { 'content-type': 'text/plain' });
    assert.equal(ct.status, 415);
    const accept = await post(`${g.url}/mcp`, INITIALIZE, { accept: 'application/json' });
    assert.equal(accept.status, 406);
    const version = await post(`${g.url}/mcp`, INITIALIZE, { 'mcp-protocol-version': '1999-01-01' });
    assert.deepEqual(
      [version.status, version.body],
      [400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32022,"message":"Unsupported protocol version"}}'],
    );
    const put = await fetchRaw(`${g.url}/mcp`, { method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers['allow'], 'GET, POST, DELETE');
    assert.equal(reached, 0);
  });

  it('a client leaving an SSE stream ends the upstream request too (no socket left open)', async () => {
    let upstreamOpen = 0;
    const up = await server(
      httpServer((req, res) => {
        upstreamOpen++;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const t = setInterval(() => res.write(`data: {"jsonrpc":"2.0","method":"tick"}\n\n`), 10);
        req.socket.on('close', () => {
          upstreamOpen--;
          clearInterval(t);
        });
      }),
    );
    const g = await guard(up.url);
    for (let i = 0; i < 5; i++) {
      const s = await readSse(`${g.url}/events`, (t) => t.split('\n\n').length > 3);
      assert.equal(s.clean, true);
    }
    await waitFor(() => upstreamOpen === 0, 'upstream requests to be aborted');
    await waitFor(
      () => new Promise<boolean>((r) => g.proxy.server.getConnections((_e, n) => r(n === 0))),
      'client connections to close',
    );
    assert.equal(g.proxy.active.size, 0);
  });

  it('a hostile upstream sending garbage gets a generic 502', async () => {
    const up = await server(
      tcpServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\nServer: evil/1.0\r\n')),
    );
    const g = await guard(up.url);
    const r = await post(`${g.url}/mcp`);
    assert.deepEqual([r.status, r.body], [502, GENERIC_502]);
  });
});
