/**
 * Memory and start-up cost of N copies of one lab server in one process (the scan benchmark runs 256
 * loopback MCP servers). Usage: node --expose-gc dist/bench/lab/copies.js [count] [server-name]
 * Prints one JSON object: RSS and heap after loading, after starting the copies, and after one MCP
 * session (initialize + tools/list, left open) on each copy.
 */
import { findLabServer, startLabCopies } from '../../src/lab/index.js';

const count = Number(process.argv[2] ?? 256);
const name = process.argv[3] ?? 'sdk-streamable';
const def = findLabServer(name);
if (!def || !Number.isInteger(count) || count < 1) {
  console.error('usage: copies.js [count] [server-name]');
  process.exit(2);
}

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const memory = () => {
  gc?.();
  const m = process.memoryUsage();
  return { rss: mib(m.rss), heapUsed: mib(m.heapUsed) };
};

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
});
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** initialize + initialized + tools/list with plain fetch (no client-side SDK objects to measure). */
async function session(mcpUrl: string): Promise<void> {
  const init = await fetch(mcpUrl, { method: 'POST', headers: HEADERS, body: INIT });
  await init.text();
  const sid = init.headers.get('mcp-session-id');
  const headers = {
    ...HEADERS,
    'mcp-protocol-version': '2025-11-25',
    ...(sid ? { 'mcp-session-id': sid } : {}),
  };
  const post = async (body: object) =>
    (await fetch(mcpUrl, { method: 'POST', headers, body: JSON.stringify(body) })).text();
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
}

const base = memory();
const t0 = performance.now();
const lab = await startLabCopies(def, count);
const servers = lab.servers;
const startMs = Math.round(performance.now() - t0);
const started = memory();

let sessions = 0;
if (def.transport === 'streamable-http') {
  // Sessions stay open on the servers, as after a scan's initialize probes.
  for (const s of servers) {
    await session(s.mcpUrl!);
    sessions++;
  }
}
const withSessions = memory();
const t1 = performance.now();
await lab.close();
const closeMs = Math.round(performance.now() - t1);

console.log(
  JSON.stringify({
    server: name,
    copies: count,
    node: process.version,
    gc: Boolean(gc),
    MiB: { loaded: base, started, withOneSessionEach: withSessions },
    perCopyKiB: {
      listeningRss: Math.round(((started.rss - base.rss) * 1024) / count),
      withSessionRss: Math.round(((withSessions.rss - base.rss) * 1024) / count),
      withSessionHeap: Math.round(((withSessions.heapUsed - base.heapUsed) * 1024) / count),
    },
    sessions,
    startMs,
    closeMs,
  }),
);
