/**
 * Guard benchmark (see README.md beside this file; results go in BENCHMARKS.md).
 *
 * 1. The SSE rewriter alone: MiB/s over 1 KiB events, with none, 1 in 8 and every event carrying
 *    _meta serverInfo (goal >= 400 MiB/s).
 * 2. wrk, small JSON-RPC POSTs (initialize with a versioned serverInfo, leaky headers): upstream direct,
 *    nginx + headers-more stripping the same headers, and mcpward guard with all rewriting on. Prints
 *    requests/s and guard/nginx (goal >= 0.8).
 * 3. The same at half of the guard's max rate (wrk with a per-connection delay): p99 added by the
 *    guard over direct (goal <= 1 ms).
 * 4. One SSE stream of N MiB through the guard (rewriting on): MiB/s, next to direct.
 * 5. 10k idle SSE streams through the guard: its RSS (goal < 300 MB).
 *
 * Usage: npm run bench:guard -- [--seconds 5] [--connections 64] [--streams 10000] [--sse-mib 256]
 * Needs wrk; nginx with the headers-more module is optional (see README.md).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { type IdentityPolicy, identityTriggers, rewriteIdentity } from '../../src/mcp/identity-rewrite.js';
import { SseRewriter } from '../../src/mcp/sse-rewrite.js';
import { startChild, stopChild } from '../lib/child.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    streams: { type: 'string', default: '10000' },
    'sse-mib': { type: 'string', default: '256' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const nStreams = Number(values.streams);
const sseMib = Number(values['sse-mib']);
const here = new URL('.', import.meta.url).pathname;
const cli = join(here, '..', '..', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'mcpward-bench-guard-'));
const children: ChildProcess[] = [];

const POLICY: IdentityPolicy = {
  replace: { name: 'mcp-server', version: '1.0.0' },
  remove: ['title', 'websiteUrl', 'icons', 'description'],
  metaKey: 'io.modelcontextprotocol/serverInfo',
  resultFields: ['instructions'],
  strip: 'versions',
};

function events(every: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < 64; i++) {
    const pad = 'x'.repeat(900);
    const msg =
      every > 0 && i % every === 0
        ? `{"result":{"content":[{"type":"text","text":"${pad}"}],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"acme","version":"2.3.4"}}},"jsonrpc":"2.0","id":${i}}`
        : `{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"${pad}"}}`;
    parts.push(`event: message\nid: ${i}\ndata: ${msg}\n\n`);
  }
  return Buffer.from(parts.join(''));
}

function rewriterAlone(every: number, label: string): number {
  const block = events(every);
  const chunk = 16 * 1024;
  const pieces: Buffer[] = [];
  for (let i = 0; i < block.length; i += chunk) pieces.push(block.subarray(i, i + chunk));
  const total = 256 * 1024 * 1024;
  let out = 0;
  const r = new SseRewriter(
    { triggers: identityTriggers(POLICY), rewrite: (d) => rewriteIdentity(d, POLICY) },
    (b) => {
      out += b.length;
    },
  );
  const started = performance.now();
  let fed = 0;
  while (fed < total) {
    for (const p of pieces) r.write(p);
    fed += block.length;
  }
  r.end();
  const mibs = fed / 1024 / 1024 / ((performance.now() - started) / 1000);
  console.log(
    `  rewriter alone, ${label.padEnd(28)} ${mibs.toFixed(0).padStart(6)} MiB/s (${(out / fed).toFixed(3)} out/in)`,
  );
  return mibs;
}

/** A port that was free a moment ago (for children that take --listen). */
function free(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await request(url, { method: 'GET' });
      await r.body.dump();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url} did not come up`);
}

async function startGuard(upstream: string): Promise<{ url: string; pid: number }> {
  const port = await free();
  const child = spawn(
    process.execPath,
    [cli, 'guard', '--upstream', upstream, '--listen', `127.0.0.1:${port}`, '--admin', 'off'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUp(`${url}/healthz`);
  return { url, pid: child.pid! };
}

const HEADERS_MORE = '/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so';
async function startNginx(upstream: string): Promise<string | undefined> {
  const nginx = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find(existsSync);
  if (!nginx || !existsSync(HEADERS_MORE)) return undefined;
  const port = await free();
  const u = new URL(upstream);
  const conf = `load_module ${HEADERS_MORE};
worker_processes 1;
error_log ${tmp}/error.log warn;
pid ${tmp}/nginx.pid;
events { worker_connections 20000; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fcgi; uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;
  upstream mcp { server ${u.host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 100000;
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      more_clear_headers Server X-Powered-By Via 'X-*-Version' 'X-Envoy-*' 'X-Kong-*';
    }
  }
}
`;
  writeFileSync(join(tmp, 'nginx.conf'), conf);
  const child = spawn(nginx, ['-p', tmp, '-c', join(tmp, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url);
  return url;
}

const POST_LUA = join(tmp, 'post.lua');
writeFileSync(
  POST_LUA,
  `wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Host"] = "127.0.0.1"
`,
);

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
}
function ms(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as 'us'];
}
function wrk(url: string, conns: number, delayMs?: number): WrkResult {
  let script = POST_LUA;
  if (delayMs !== undefined) {
    script = join(tmp, `post-delay-${delayMs}.lua`);
    writeFileSync(script, `${readFileSync(POST_LUA, 'utf8')}function delay() return ${delayMs} end\n`);
  }
  const r = spawnSync(
    'wrk',
    ['-t2', `-c${conns}`, `-d${seconds}s`, '--latency', '-s', script, `${url}/mcp`],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.error}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const p50 = ms(/\s50%\s+(\S+)/.exec(r.stdout)?.[1] ?? '');
  const p99 = ms(/\s99%\s+(\S+)/.exec(r.stdout)?.[1] ?? '');
  if (/Non-2xx/.test(r.stdout)) throw new Error(`non-2xx answers from ${url}:\n${r.stdout}`);
  return { rps, p50, p99 };
}

async function sseThroughput(url: string): Promise<number> {
  const started = performance.now();
  const r = await request(`${url}/sse?mib=${sseMib}`, { headers: { accept: 'text/event-stream' } });
  let bytes = 0;
  for await (const c of r.body) bytes += (c as Buffer).length;
  return bytes / 1024 / 1024 / ((performance.now() - started) / 1000);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

async function idleStreams(url: string, pid: number): Promise<number> {
  const u = new URL(url);
  const sockets: Socket[] = [];
  const req = `GET /idle HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`;
  let opened = 0;
  for (let i = 0; i < nStreams; i += 500) {
    await Promise.all(
      Array.from(
        { length: Math.min(500, nStreams - i) },
        () =>
          new Promise<void>((resolve, reject) => {
            const s = connect(Number(u.port), u.hostname, () => s.write(req));
            s.once('data', () => {
              opened++;
              resolve();
            });
            s.once('error', reject);
            sockets.push(s);
          }),
      ),
    );
  }
  await new Promise((r) => setTimeout(r, 1000));
  const rss = rssMiB(pid);
  for (const s of sockets) s.destroy();
  if (opened !== nStreams) throw new Error(`only ${opened} streams opened`);
  return rss;
}

const { child: upChild, ready } = await startChild<{ url: string }>(join(here, 'upstream.js'), []);
try {
  console.log('SSE rewriter alone (256 MiB of 1 KiB events, 16 KiB chunks)');
  const alone = Math.min(rewriterAlone(0, 'no serverInfo'), rewriterAlone(8, '1 in 8 with _meta serverInfo'));
  rewriterAlone(1, 'every event with _meta');

  const guard = await startGuard(ready.url);
  const nginx = await startNginx(ready.url);
  console.log(`\nsmall JSON-RPC POSTs, wrk -t2 -c${connections} -d${seconds}s`);
  const direct = wrk(ready.url, connections);
  const viaNginx = nginx ? wrk(nginx, connections) : undefined;
  const viaGuard = wrk(guard.url, connections);
  const row = (name: string, r: WrkResult | undefined) =>
    console.log(
      `  ${name.padEnd(10)} ${r ? `${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms` : 'not run (nginx or headers-more missing)'}`,
    );
  row('direct', direct);
  row('nginx', viaNginx);
  row('guard', viaGuard);

  // Half of the guard's max rate, spread over the connections with wrk's per-request delay.
  const half = viaGuard.rps / 2;
  const halfConns = 32;
  const delay = Math.max(1, Math.round((halfConns * 1000) / half));
  console.log(
    `\nat ~${((halfConns * 1000) / delay).toFixed(0)} req/s (half of the guard's max), -c${halfConns}`,
  );
  const directHalf = wrk(ready.url, halfConns, delay);
  const guardHalf = wrk(guard.url, halfConns, delay);
  row('direct', directHalf);
  row('guard', guardHalf);

  console.log(`\none SSE stream of ${sseMib} MiB (1 in 8 events rewritten)`);
  const sseDirect = await sseThroughput(ready.url);
  const sseGuard = await sseThroughput(guard.url);
  console.log(`  direct ${sseDirect.toFixed(0)} MiB/s   guard ${sseGuard.toFixed(0)} MiB/s`);

  console.log(`\n${nStreams} idle SSE streams through a fresh guard`);
  const fresh = await startGuard(ready.url);
  const baseline = rssMiB(fresh.pid);
  const rss = await idleStreams(fresh.url, fresh.pid);
  console.log(`  guard RSS ${baseline.toFixed(0)} MiB idle, ${rss.toFixed(0)} MiB with the streams open`);

  console.log('\nratios and goals');
  if (viaNginx)
    console.log(`  guard/nginx requests/s       ${(viaGuard.rps / viaNginx.rps).toFixed(2)}  (goal >= 0.80)`);
  console.log(
    `  p99 added at half load       ${(guardHalf.p99 - directHalf.p99).toFixed(2)} ms  (goal <= 1 ms)`,
  );
  console.log(`  SSE rewriter alone           ${alone.toFixed(0)} MiB/s  (goal >= 400)`);
  console.log(`  SSE through the guard        ${sseGuard.toFixed(0)} MiB/s`);
  console.log(`  10k idle streams RSS         ${rss.toFixed(0)} MiB  (goal < 300)`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await stopChild(upChild);
  rmSync(tmp, { recursive: true, force: true });
}
