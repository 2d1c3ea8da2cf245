import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { findLabServer, isLoopbackHost, labServers, startLab, startLabCopies } from '../../src/lab/index.js';
import { UserError } from '../../src/util/errors.js';
import { handlesAfterSettling, liveHandles } from '../helpers/handles.js';

const portOf = (url: string) => Number(new URL(url).port);

describe('startLab / startLabCopies', () => {
  it('starts every server once, on distinct loopback ports, and closes them all', async () => {
    const baseline = liveHandles();
    const lab = await startLab();
    try {
      assert.deepEqual(
        lab.servers.map((s) => s.name),
        labServers.map((d) => d.name),
      );
      assert.equal(new Set(lab.servers.map((s) => s.url)).size, labServers.length);
    } finally {
      await lab.close();
    }
    assert.deepEqual(await handlesAfterSettling(baseline), {});
  });

  it('starts many copies of one server in one process', async () => {
    const baseline = liveHandles();
    const lab = await startLabCopies(findLabServer('sdk-streamable')!, 16);
    try {
      assert.equal(new Set(lab.servers.map((s) => portOf(s.url))).size, 16);
      const answers = await Promise.all(
        lab.servers.map(async (s) => {
          const res = await fetch(s.mcpUrl!, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: 1,
              method: 'initialize',
              params: {
                protocolVersion: '2025-11-25',
                capabilities: {},
                clientInfo: { name: 't', version: '0' },
              },
            }),
          });
          return (await res.text()).includes('"serverInfo":{"name":"acme-files-mcp","version":"2.3.1"}');
        }),
      );
      assert.ok(answers.every(Boolean));
    } finally {
      await lab.close();
    }
    assert.deepEqual(await handlesAfterSettling(baseline), {});
  });

  it('honours --only and --base-port, and reports a taken port as a user error', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      await assert.rejects(
        startLab({ only: ['spa'], basePort: taken }),
        (err: unknown) =>
          err instanceof UserError && err.where === '--base-port' && /EADDRINUSE/.test(err.message),
      );
      const lab = await startLab({ only: ['hardened', 'spa'] });
      try {
        assert.deepEqual(
          lab.servers.map((s) => s.name),
          ['hardened', 'spa'],
        );
      } finally {
        await lab.close();
      }
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
    // The port is free again: the lab takes it when asked.
    const lab = await startLab({ only: ['spa'], basePort: taken });
    try {
      assert.equal(portOf(lab.servers[0]!.url), taken);
    } finally {
      await lab.close();
    }
  });

  it('refuses non-loopback addresses unless allowed, before binding anything', async () => {
    await assert.rejects(startLab({ host: '192.0.2.1' }), (err: unknown) => err instanceof UserError);
    await assert.rejects(startLab({ only: ['nope'] }), /no lab server named nope/);
    for (const h of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.0.2.1', 'example.com', '128.0.0.1'])
      assert.ok(!isLoopbackHost(h), h);
  });
});
