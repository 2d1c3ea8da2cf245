/**
 * A seeded generator of realistic web access traffic in front of MCP servers, for benchmarks and
 * detection tests: the same seed always gives the same lines.
 *
 * Traffic mix:
 *   - background: browsers and MCP clients from a large pool of IPs (skewed: a few IPs are busy),
 *     pages, static assets, API calls, MCP `POST /mcp`, legacy SSE `/sse` + `/messages?sessionId=`;
 *   - health probes: kube-probe from pod-network IPs hitting /healthz, /health, /ready on a schedule
 *     (legitimate traffic to version-ish endpoints: detection must not flag it);
 *   - enumerators (SAFE-T1604): one IP each, a scanner user agent, sequential requests to /version,
 *     /health, /status, /info, /api/version ... a few hundred ms apart. `truth` lists them.
 */

export interface AccessRecord {
  ip: string;
  user: string | undefined;
  /** Epoch ms. */
  time: number;
  method: string;
  target: string;
  version: string;
  status: number;
  bytes: number;
  referer: string | undefined;
  userAgent: string | undefined;
  host: string;
  /** Milliseconds. */
  timeTaken: number;
  kind: 'background' | 'probe' | 'enumerator';
}

export interface GenOptions {
  seed?: number;
  /** Number of lines to generate. */
  lines: number;
  /** Time of the first line, epoch ms (default 2026-01-05T00:00:00Z). */
  start?: number;
  /** Average lines per second of log time (default 200). */
  rate?: number;
  /** Background client IPs (default 20 000). */
  clients?: number;
  /** Enumeration sessions spread over the log (default: one per 100 000 lines, at least 3). */
  enumerators?: number;
  /** kube-probe sources (default 6), each probing every ~10 s of log time. */
  probes?: number;
}

export interface EnumeratorTruth {
  ip: string;
  userAgent: string;
  /** 0-based index of its first line. */
  firstLine: number;
  paths: string[];
}

export interface GroundTruth {
  enumerators: EnumeratorTruth[];
  probeIps: string[];
}

/** mulberry32: small, fast, good enough for traffic shapes. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const VERSION_PATHS = [
  '/version',
  '/health',
  '/status',
  '/info',
  '/api/version',
  '/api/v1/info',
  '/api/health',
  '/healthz',
  '/server-info',
  '/.well-known/mcp',
  '/metrics',
];

export const SCANNER_UAS = [
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)',
  'Mozilla/5.0 zgrab/0.x',
  'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
  'httpx - Open-source project (github.com/projectdiscovery/httpx)',
];

const BROWSER_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];
const MCP_UAS = ['node', 'claude-code/1.0.31', 'python-httpx/0.27.0', 'mcp-inspector/0.14.0', 'undici'];
const HOSTS = ['mcp.example.com', 'api.example.com', 'www.example.com'];
const PAGES = ['/', '/index.html', '/docs', '/docs/getting-started', '/pricing', '/login', '/about'];
const ASSETS = [
  '/static/js/app.3f9a1c.js',
  '/static/css/site.8b2e.css',
  '/images/logo.png',
  '/favicon.ico',
  '/robots.txt',
  '/static/fonts/inter.woff2',
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? '0' + n : String(n));

let lastSec = -1;
let lastClf = '';
/** `05/Jan/2026:00:00:01 +0000` (UTC), cached per second. */
export function clfTime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec === lastSec) return lastClf;
  const d = new Date(sec * 1000);
  lastSec = sec;
  lastClf = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  return lastClf;
}

/** One line of nginx/Apache `combined`. */
export function formatCombined(r: AccessRecord): string {
  return `${r.ip} - ${r.user ?? '-'} [${clfTime(r.time)}] "${r.method} ${r.target} ${r.version}" ${r.status} ${r.bytes} "${r.referer ?? '-'}" "${r.userAgent ?? '-'}"`;
}

interface Plan {
  truth: GroundTruth;
  /** line index → enumerator session starting there */
  startAt: Map<number, EnumeratorTruth>;
}

function plan(opts: GenOptions, rand: () => number): Plan {
  const n = opts.enumerators ?? Math.max(3, Math.floor(opts.lines / 100_000));
  const startAt = new Map<number, EnumeratorTruth>();
  const enumerators: EnumeratorTruth[] = [];
  for (let i = 0; i < n; i++) {
    // Enumerators live in 45.0.0.0/8 (never used by background traffic) so truth is unambiguous.
    const ip = `45.${1 + Math.floor(rand() * 250)}.${Math.floor(rand() * 256)}.${1 + (i % 254)}`;
    const count = 5 + Math.floor(rand() * (VERSION_PATHS.length - 4));
    const paths = [...VERSION_PATHS];
    for (let k = paths.length - 1; k > 0; k--) {
      const j = Math.floor(rand() * (k + 1));
      [paths[k], paths[j]] = [paths[j]!, paths[k]!];
    }
    paths.length = count;
    let first = Math.floor(((i + 0.5) / n) * opts.lines * 0.9);
    while (startAt.has(first)) first++;
    const e = { ip, userAgent: SCANNER_UAS[i % SCANNER_UAS.length]!, firstLine: first, paths };
    enumerators.push(e);
    startAt.set(first, e);
  }
  const probeIps = Array.from({ length: opts.probes ?? 6 }, (_, i) => `10.244.${i + 1}.${10 + i}`);
  return { truth: { enumerators, probeIps }, startAt };
}

/** The generator and its ground truth (known before the first line). */
export function createAccessLog(opts: GenOptions): {
  records: () => Generator<AccessRecord>;
  truth: GroundTruth;
} {
  const seed = opts.seed ?? 1;
  const { truth, startAt } = plan(opts, rng(seed ^ 0x5eed));
  return { truth, records: () => records(opts, seed, startAt, truth) };
}

function* records(
  opts: GenOptions,
  seed: number,
  startAt: Map<number, EnumeratorTruth>,
  truth: GroundTruth,
): Generator<AccessRecord> {
  const rand = rng(seed);
  const clients = opts.clients ?? 20_000;
  const gap = 1000 / (opts.rate ?? 200);
  let time = opts.start ?? Date.UTC(2026, 0, 5);
  const active: { e: EnumeratorTruth; next: number }[] = [];
  const probeEvery = 10_000;
  let nextProbe = time + 1000;
  let probeIdx = 0;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;

  for (let i = 0; i < opts.lines; i++) {
    time += Math.floor(rand() * 2 * gap);
    const starting = startAt.get(i);
    if (starting) active.push({ e: starting, next: 0 });
    // Enumerators emit their next probe ~ every 5th line while active.
    if (active.length > 0 && rand() < 0.2) {
      const a = active[0]!;
      const path = a.e.paths[a.next++]!;
      if (a.next >= a.e.paths.length) active.shift();
      const found = path === '/health' || path === '/version' || path === '/healthz';
      yield {
        ip: a.e.ip,
        user: undefined,
        time,
        method: 'GET',
        target: path,
        version: 'HTTP/1.1',
        status: found ? 200 : 404,
        bytes: found ? 60 + Math.floor(rand() * 40) : 153,
        referer: undefined,
        userAgent: a.e.userAgent,
        host: HOSTS[0]!,
        timeTaken: 1 + Math.floor(rand() * 5),
        kind: 'enumerator',
      };
      continue;
    }
    if (time >= nextProbe) {
      nextProbe += probeEvery / truth.probeIps.length;
      const ip = truth.probeIps[probeIdx++ % truth.probeIps.length]!;
      yield {
        ip,
        user: undefined,
        time,
        method: 'GET',
        target: pick(['/healthz', '/health', '/ready']),
        version: 'HTTP/1.1',
        status: 200,
        bytes: 2,
        referer: undefined,
        userAgent: 'kube-probe/1.29',
        host: '10.0.12.7:8080',
        timeTaken: 0,
        kind: 'probe',
      };
      continue;
    }
    // Skewed client choice: squaring a uniform number favours low indexes.
    const c = Math.floor(rand() * rand() * clients);
    // 128.0.0.0-222.255.255.255: disjoint from probes (10/8) and enumerators (45/8).
    const ip = `${128 + (c % 95)}.${(c >> 3) & 255}.${(c >> 5) & 255}.${1 + (c % 253)}`;
    const r = rand();
    let method = 'GET';
    let target: string;
    let ua: string | undefined;
    let status = 200;
    let referer: string | undefined;
    if (r < 0.35) {
      target = pick(PAGES);
      ua = BROWSER_UAS[c % BROWSER_UAS.length];
      referer = rand() < 0.5 ? `https://www.example.com${pick(PAGES)}` : undefined;
    } else if (r < 0.6) {
      target = pick(ASSETS);
      ua = BROWSER_UAS[c % BROWSER_UAS.length];
      referer = `https://www.example.com${pick(PAGES)}`;
      if (rand() < 0.3) status = 304;
    } else if (r < 0.8) {
      target =
        rand() < 0.5
          ? `/api/items?page=${1 + Math.floor(rand() * 50)}`
          : `/api/items/${Math.floor(rand() * 1e5)}`;
      ua = BROWSER_UAS[c % BROWSER_UAS.length];
      if (rand() < 0.05) status = 404;
    } else if (r < 0.95) {
      method = 'POST';
      target = '/mcp';
      ua = MCP_UAS[c % MCP_UAS.length];
      if (rand() < 0.02) status = 400;
    } else if (r < 0.975) {
      target = '/sse';
      ua = MCP_UAS[c % MCP_UAS.length];
    } else {
      method = 'POST';
      target = `/messages?sessionId=${(c * 2654435761) >>> 0}`;
      ua = MCP_UAS[c % MCP_UAS.length];
      status = 202;
    }
    yield {
      ip,
      user: undefined,
      time,
      method,
      target,
      version: rand() < 0.7 ? 'HTTP/1.1' : 'HTTP/2.0',
      status,
      bytes: status === 304 ? 0 : 200 + Math.floor(rand() * 20_000),
      referer,
      userAgent: ua,
      host: pick(HOSTS),
      timeTaken: Math.floor(rand() * rand() * 800),
      kind: 'background',
    };
  }
}

/** `combined` lines (no trailing newline) and the ground truth. */
export function generateCombinedLog(opts: GenOptions): {
  lines: () => Generator<string>;
  truth: GroundTruth;
} {
  const log = createAccessLog(opts);
  return {
    truth: log.truth,
    lines: function* () {
      for (const r of log.records()) yield formatCombined(r);
    },
  };
}

/** Writes a combined log file (buffered, ~1 MiB writes) and returns the ground truth. */
export async function writeCombinedLog(path: string, opts: GenOptions): Promise<GroundTruth> {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(path);
  const log = generateCombinedLog(opts);
  let buf = '';
  for (const line of log.lines()) {
    buf += line + '\n';
    if (buf.length >= 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(buf, () => resolve());
  });
  return log.truth;
}
