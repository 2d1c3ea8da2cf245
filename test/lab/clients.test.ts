import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { labServers, type RunningLabServer, startLabServer } from '../../src/lab/index.js';
import { handlesAfterSettling, liveHandles } from '../helpers/handles.js';

interface Session {
  serverInfo: { name: string; version: string } | undefined;
  tools: string[];
  echo: string;
}

const text = (r: unknown) =>
  ((r as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

/** The official SDK 1.x client over Streamable HTTP or legacy SSE. */
async function legacySession(url: string, transport: 'streamable-http' | 'sse'): Promise<Session> {
  const client = new Client({ name: 'lab-test', version: '0' });
  await client.connect(
    transport === 'sse'
      ? new SSEClientTransport(new URL(url))
      : new StreamableHTTPClientTransport(new URL(url)),
  );
  try {
    const tools = (await client.listTools()).tools.map((t) => t.name);
    const echo = text(await client.callTool({ name: 'echo', arguments: { text: 'hello lab' } }));
    const info = client.getServerVersion();
    return { serverInfo: info && { name: info.name, version: info.version }, tools, echo };
  } finally {
    await client.close();
  }
}

/** The official SDK v2 client, pinned to 2026-07-28: connects with server/discover, no initialize. */
async function modernSession(url: string): Promise<Session> {
  const client = new ModernClient(
    { name: 'lab-test', version: '0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new ModernTransport(new URL(url)));
  try {
    assert.equal(client.getProtocolEra(), 'modern');
    const tools = (await client.listTools()).tools.map((t) => t.name);
    const echo = text(await client.callTool({ name: 'echo', arguments: { text: 'hello lab' } }));
    const info = client.getServerVersion();
    return { serverInfo: info && { name: info.name, version: info.version }, tools, echo };
  } finally {
    await client.close();
  }
}

function declaredServerInfo(server: RunningLabServer): { name: string; version: string } {
  const d = server.def.discloses.find((f) => ['mcp-serverinfo', 'mcp-discover-serverinfo'].includes(f.id));
  // The hardened control says nothing useful about itself: the generic serverInfo.
  return d ? { name: d.product!, version: d.version! } : { name: 'mcp-server', version: '1.0.0' };
}

describe('lab servers start, serve the official SDK clients and close without leaks', () => {
  for (const def of labServers) {
    it(`${def.name}`, async () => {
      const baseline = liveHandles();
      const server = await startLabServer(def, { host: '127.0.0.1', port: 0 });
      try {
        assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        if (def.transport === 'none') {
          assert.equal(server.mcpUrl, undefined);
          const res = await fetch(server.url);
          assert.equal(res.status, 200);
          await res.text();
          return;
        }
        assert.ok(server.mcpUrl?.startsWith(server.url));
        const session =
          def.transport === 'stateless'
            ? await modernSession(server.mcpUrl!)
            : await legacySession(server.mcpUrl!, def.transport === 'sse' ? 'sse' : 'streamable-http');
        assert.deepEqual(session.serverInfo, declaredServerInfo(server));
        assert.ok(session.tools.includes('echo'), `tools: ${session.tools.join(', ')}`);
        assert.equal(session.echo, 'hello lab');
      } finally {
        await server.close();
      }
      assert.deepEqual(await handlesAfterSettling(baseline), {}, 'handles left open after close()');
    });
  }

  it('python-sdk-like also serves the SDK 1.x client over its legacy SSE endpoint', async () => {
    const def = labServers.find((d) => d.name === 'python-sdk-like')!;
    const baseline = liveHandles();
    const server = await startLabServer(def);
    try {
      const session = await legacySession(`${server.url}/sse`, 'sse');
      assert.deepEqual(session.serverInfo, { name: 'Weather', version: '1.22.0' });
      assert.equal(session.echo, 'hello lab');
    } finally {
      await server.close();
    }
    assert.deepEqual(await handlesAfterSettling(baseline), {});
  });

  it('closes open SSE streams on close(), so clients see the stream end', async () => {
    for (const name of ['sdk-legacy-sse', 'python-sdk-like']) {
      const server = await startLabServer(labServers.find((d) => d.name === name)!);
      const res = await fetch(`${server.url}/sse`, { headers: { accept: 'text/event-stream' } });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      assert.match(first, /^event: endpoint\r?\n/);
      await server.close();
      let done = false;
      while (!done) done = (await reader.read().catch(() => ({ done: true }))).done;
      assert.ok(done);
    }
  });
});
