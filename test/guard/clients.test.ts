import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RunningGuard } from '../../src/guard/server.js';
import { fetchRaw, INITIALIZE, MCP_POST_HEADERS, startGuarded } from '../helpers/guard.js';
import { LEAK, startLeakyV1, startLeakyV2, type Upstream } from '../helpers/mcp-upstreams.js';

const GENERIC = { name: 'mcp-server', version: '1.0.0' };
const LEAKY = /acme|2\.3\.4|3\.4\.5|Express|envoy/i;

let v1: Upstream;
let v2: Upstream;
let g1: RunningGuard;
let g2: RunningGuard;

before(async () => {
  v1 = await startLeakyV1();
  v2 = await startLeakyV2();
  g1 = await startGuarded(v1.url);
  g2 = await startGuarded(v2.url);
});
after(async () => {
  await Promise.all([g1?.close(0), g2?.close(0)]);
  await Promise.all([v1?.close(), v2?.close()]);
});

/** Every request and response a client makes, seen through a wrapping fetch. */
function recordingFetch(log: string[]): typeof fetch {
  return async (input, init) => {
    const r = await fetch(input, init);
    const headers: string[] = [];
    r.headers.forEach((v, k) => {
      headers.push(`${k}: ${v}`);
    });
    log.push(headers.join('\n'));
    return r;
  };
}

describe('official SDK clients work through the guard and see nothing of the upstream', {
  timeout: 60_000,
}, () => {
  for (const path of ['/mcp', '/mcp-json']) {
    it(`Streamable HTTP (${path === '/mcp' ? 'SSE' : 'JSON'} replies): initialize, tools/list, tools/call`, async () => {
      const seen: string[] = [];
      const client = new Client({ name: 'test-client', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${g1.url}${path}`), { fetch: recordingFetch(seen) }),
      );
      assert.deepEqual(client.getServerVersion(), GENERIC);
      assert.equal(client.getInstructions(), undefined);
      const tools = await client.listTools();
      assert.deepEqual(
        tools.tools.map((t) => t.name),
        ['echo', 'count'],
      );
      const r = await client.callTool({ name: 'echo', arguments: { text: 'hello through the guard' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'hello through the guard' }]);
      const messages: unknown[] = [];
      client.setNotificationHandler(
        (await import('@modelcontextprotocol/sdk/types.js')).LoggingMessageNotificationSchema,
        (n) => {
          messages.push(n.params.data);
        },
      );
      const counted = await client.callTool({ name: 'count', arguments: { n: 3 } });
      assert.deepEqual(counted.content, [{ type: 'text', text: '3' }]);
      if (path === '/mcp') assert.deepEqual(messages, ['step 1 of 3', 'step 2 of 3', 'step 3 of 3']);
      await client.close();
      const headers = seen.join('\n');
      assert.doesNotMatch(headers, LEAKY);
      assert.doesNotMatch(headers, /^(server|x-powered-by|via|x-mcp-version|keep-alive|x-envoy-[\w-]+):/m);
      assert.match(headers, /^mcp-session-id: /m);
    });
  }

  it('legacy HTTP+SSE: the endpoint URL is masked, and the client still works', async () => {
    const client = new Client({ name: 'test-client', version: '1.0.0' });
    const transport = new SSEClientTransport(new URL(`${g1.url}/sse`));
    await client.connect(transport);
    assert.deepEqual(client.getServerVersion(), GENERIC);
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === 'echo'));
    const r = await client.callTool({ name: 'echo', arguments: { text: 'legacy' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'legacy' }]);
    await client.close();
  });

  it('legacy HTTP+SSE: the endpoint event carries no SDK-shaped session id', async () => {
    const ac = new AbortController();
    const r = await fetch(`${g1.url}/sse`, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
    const reader = r.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    assert.match(text, /^event: endpoint\ndata: \/messages\?session=[A-Za-z0-9_-]{208}\n\n/);
    assert.doesNotMatch(text, /sessionId|session_id|[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('a 2026-07-28 client: server/discover and tools/list carry only the generic serverInfo', async () => {
    const client = new ClientV2(
      { name: 'modern', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await client.connect(new TransportV2(new URL(`${g2.url}/mcp`)));
    assert.equal(client.getProtocolEra(), 'modern');
    const discover = client.getDiscoverResult() as Record<string, unknown>;
    assert.deepEqual(
      (discover['_meta'] as Record<string, unknown>)['io.modelcontextprotocol/serverInfo'],
      GENERIC,
    );
    assert.deepEqual(client.getServerVersion(), GENERIC);
    assert.equal(discover['instructions'], undefined);
    const tools = await client.listTools();
    assert.deepEqual((tools._meta as Record<string, unknown>)['io.modelcontextprotocol/serverInfo'], GENERIC);
    assert.deepEqual(
      tools.tools.map((t) => t.name),
      ['echo'],
    );
    const r = await client.callTool({ name: 'echo', arguments: { text: 'modern' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'modern' }]);
    await client.close();
  });

  it('the same requests straight to the upstream do show it (the test can fail)', async () => {
    const direct = await fetchRaw(`${v1.url}/mcp-json`, {
      method: 'POST',
      headers: MCP_POST_HEADERS,
      body: INITIALIZE,
    });
    assert.match(direct.body, new RegExp(LEAK.version.replace(/\./g, '\\.')));
    assert.equal(direct.headers['x-powered-by'], 'Express');
    const guarded = await fetchRaw(`${g1.url}/mcp-json`, {
      method: 'POST',
      headers: MCP_POST_HEADERS,
      body: INITIALIZE,
    });
    assert.doesNotMatch(guarded.body, LEAKY);
    assert.equal(guarded.headers['x-powered-by'], undefined);
    assert.equal(guarded.headers['content-length'], String(Buffer.byteLength(guarded.body)));
  });
});
