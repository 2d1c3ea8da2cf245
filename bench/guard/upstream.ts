/**
 * The upstream of the guard benchmark (run as a child process): a minimal MCP-shaped server on
 * node:http that leaks like real ones, so every answer makes the guard work.
 *
 *   POST /mcp          initialize result with a versioned serverInfo, Server and X-Powered-By headers
 *   GET  /sse?mib=N    N MiB of SSE events as fast as the client reads; every 8th carries _meta serverInfo
 *   GET  /idle         an SSE stream that sends one event, then a comment every 30 s
 *
 * Prints {"url": ...} on its first stdout line; exits when stdin closes.
 */
import { createServer } from 'node:http';

const INIT = Buffer.from(
  JSON.stringify({
    result: {
      protocolVersion: '2025-06-18',
      capabilities: { tools: { listChanged: true } },
      serverInfo: { name: 'acme-mcp', version: '2.3.4' },
    },
    jsonrpc: '2.0',
    id: 1,
  }),
);
const HEADERS = {
  'content-type': 'application/json',
  'content-length': String(INIT.length),
  server: 'acme-mcp/2.3.4',
  'x-powered-by': 'Express',
  'mcp-session-id': '7c9e6679-7425-40de-944b-e07fc1f66afe',
};

/** One 64 KiB block of events: 1 KiB each, every 8th a 2026-07-28 result with serverInfo in _meta. */
function sseBlock(): Buffer {
  const parts: string[] = [];
  let i = 0;
  let size = 0;
  while (size < 64 * 1024) {
    const pad = 'x'.repeat(900);
    const msg =
      i % 8 === 0
        ? `{"result":{"content":[{"type":"text","text":"${pad}"}],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"acme","version":"2.3.4"}}},"jsonrpc":"2.0","id":${i}}`
        : `{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"${pad}"}}`;
    const ev = `event: message\nid: ${i}\ndata: ${msg}\n\n`;
    parts.push(ev);
    size += Buffer.byteLength(ev);
    i++;
  }
  return Buffer.from(parts.join(''));
}
const SSE_BLOCK = sseBlock();

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'POST') {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, HEADERS);
      res.end(INIT);
    });
    return;
  }
  if (url.startsWith('/sse')) {
    const mib = Number(new URL(url, 'http://x').searchParams.get('mib') ?? '64');
    let left = Math.ceil((mib * 1024 * 1024) / SSE_BLOCK.length);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      server: 'acme/2.3.4',
    });
    const pump = () => {
      while (left > 0) {
        left--;
        if (!res.write(SSE_BLOCK)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  if (url === '/idle') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('event: message\ndata: {"jsonrpc":"2.0","method":"hello"}\n\n');
    const t = setInterval(() => res.write(': keepalive\n\n'), 30_000);
    res.on('close', () => clearInterval(t));
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 65_000;
server.maxConnections = 50_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${a.port}` })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
