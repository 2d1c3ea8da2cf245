import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { HttpClient } from '../../src/scan/http.js';
import { scan } from '../../src/scan/scanner.js';
import { expandTarget } from '../../src/scan/targets.js';
import { httpServer, type Running, tcpServer } from '../helpers/servers.js';

const fast = { timeoutMs: 400, maxBodyBytes: 16 * 1024, concurrency: 4 };
const targetsOf = (r: Running) => [...expandTarget(r.url, { ports: [] })];
const running: Running[] = [];
after(async () => {
  await Promise.all(running.map((r) => r.close()));
});
async function start(p: Promise<Running>): Promise<Running> {
  const r = await p;
  running.push(r);
  return r;
}

describe('hostile servers cost bounded time and memory', { timeout: 60_000 }, () => {
  it('reads at most the body cap of an endless body', async () => {
    const srv = await start(
      httpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(8192, 65);
        const pump = () => {
          while (res.write(chunk)) {}
          res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      }),
    );
    const http = new HttpClient({ ...fast, userAgent: 't', headers: [] });
    const obs = await http.send({ probe: 'root', label: 'GET /', method: 'GET', url: `${srv.url}/` });
    await http.close();
    assert.equal(obs.status, 200);
    assert.equal(obs.body.length, fast.maxBodyBytes);
    assert.equal(obs.truncated, true);
    const [r] = await scan(targetsOf(srv), fast);
    assert.equal(r?.status, 'ok');
  });

  it('gives up on a server that accepts and never answers', async () => {
    const srv = await start(tcpServer(() => {}));
    const [r] = await scan(targetsOf(srv), fast);
    assert.equal(r?.status, 'error');
    assert.match(r?.error ?? '', /gave up after 3 failed requests in a row \(last: timeout/);
    assert.equal(r?.requests, 3);
  });

  it('cuts a body that drips one byte at a time', async () => {
    const srv = await start(
      httpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const t = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(t));
      }),
    );
    const http = new HttpClient({ ...fast, userAgent: 't', headers: [] });
    const obs = await http.send({ probe: 'root', label: 'GET /', method: 'GET', url: `${srv.url}/` });
    await http.close();
    assert.equal(obs.status, 200);
    assert.equal(obs.truncated, true);
    assert.ok(obs.body.length < 100);
  });

  it('says "not an HTTP response" for garbage and gives up', async () => {
    const srv = await start(tcpServer((s) => s.end(randomBytes(512))));
    const [r] = await scan(targetsOf(srv), fast);
    assert.equal(r?.status, 'error');
    assert.match(r?.error ?? '', /not an HTTP response|connection closed|connection reset/);
  });

  it('never follows a redirect or an SSE endpoint to another host', async () => {
    let elsewhere = 0;
    const other = await start(
      httpServer((_req, res) => {
        elsewhere++;
        res.end('{"version":"9.9.9"}');
      }),
    );
    // 127.0.0.2 is another host on the loopback range.
    const foreign = `http://127.0.0.2:${other.port}`;
    const srv = await start(
      httpServer((req, res) => {
        if (req.url === '/sse') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`event: endpoint\ndata: ${foreign}/messages?sessionId=1\n\n`);
          return;
        }
        res.writeHead(302, { location: `${foreign}${req.url}` });
        res.end();
      }),
    );
    const [r] = await scan(targetsOf(srv), fast);
    assert.equal(r?.status, 'ok');
    assert.equal(elsewhere, 0);
    assert.deepEqual(
      r?.findings.filter((f) => f.severity !== 'info').map((f) => f.id),
      [],
    );
  });

  it('stops waiting for an SSE stream that never names its endpoint', async () => {
    const srv = await start(
      httpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const t = setInterval(() => res.write(': keepalive\n\n'), 20);
        res.on('close', () => clearInterval(t));
      }),
    );
    const [r] = await scan(targetsOf(srv), fast);
    assert.equal(r?.status, 'ok');
    assert.equal(r?.mcp, undefined);
  });

  it('survives oversized response headers', async () => {
    const srv = await start(
      httpServer((_req, res) => {
        res.setHeader('x-junk', 'a'.repeat(100_000));
        res.end('ok');
      }),
    );
    const [r] = await scan(targetsOf(srv), fast);
    assert.notEqual(r?.status, 'ok');
  });
});
