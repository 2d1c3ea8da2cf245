import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { startReverseProxy } from '../../src/lab/proxy.js';
import { envoyFlavour } from '../../src/lab/servers/proxied-envoy.js';
import { kongFlavour } from '../../src/lab/servers/proxied-kong.js';

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('lab reverse proxy', () => {
  it('answers as Envoy does when the upstream is down', async () => {
    const proxy = await startReverseProxy({
      host: '127.0.0.1',
      port: 0,
      upstream: `http://127.0.0.1:${await closedPort()}`,
      flavour: envoyFlavour,
    });
    try {
      const res = await fetch(`${proxy.url}/mcp`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('server'), 'envoy');
      assert.match(await res.text(), /^upstream connect error or disconnect\/reset before headers\. /);
    } finally {
      await proxy.close();
    }
  });

  it('answers as Kong does when the upstream is down or no route matches', async () => {
    const proxy = await startReverseProxy({
      host: '127.0.0.1',
      port: 0,
      upstream: `http://127.0.0.1:${await closedPort()}`,
      flavour: kongFlavour,
    });
    try {
      const down = await fetch(`${proxy.url}/mcp`);
      assert.equal(down.status, 502);
      assert.equal(down.headers.get('server'), 'kong/3.4.2');
      assert.deepEqual(await down.json(), {
        message: 'An invalid response was received from the upstream server',
      });
      const none = await fetch(`${proxy.url}/version`);
      assert.equal(none.status, 404);
      assert.deepEqual(await none.json(), { message: 'no Route matched with those values' });
    } finally {
      await proxy.close();
    }
  });

  it('streams an upstream SSE response event by event, and drops hop-by-hop headers', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const upstream = createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'keep-alive': 'timeout=5', 'x-app': 'kept' });
      res.write('event: message\ndata: one\n\n');
      await gate;
      res.end('event: message\ndata: two\n\n');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const proxy = await startReverseProxy({
      host: '127.0.0.1',
      port: 0,
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      flavour: envoyFlavour,
    });
    try {
      const res = await fetch(`${proxy.url}/events`);
      assert.equal(res.headers.get('x-app'), 'kept');
      assert.equal(res.headers.get('keep-alive'), null);
      assert.equal(res.headers.get('via'), '1.1 envoy');
      const reader = res.body!.getReader();
      // The first event arrives while the upstream is still holding the second back.
      let first = '';
      while (!first.endsWith('\n\n')) first += new TextDecoder().decode((await reader.read()).value);
      assert.equal(first, 'event: message\ndata: one\n\n');
      release();
      let rest = '';
      for (let r = await reader.read(); !r.done; r = await reader.read())
        rest += new TextDecoder().decode(r.value);
      assert.equal(rest, 'event: message\ndata: two\n\n');
    } finally {
      release();
      await proxy.close();
      upstream.closeAllConnections();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });
});
