/**
 * `mcpward detect` against the usual tools, on one generated combined log (enumerators hidden in
 * background traffic, bench/lib/gen-access-log.ts), in one run:
 *   - detect with the full SAFE-T1604 pack (correlations on), worker threads, then one thread;
 *   - `grep -cE` with the version-endpoint pattern (what the pack's simplest rule looks for);
 *   - `fail2ban-regex` with an equivalent filter (on a prefix of the log: it is slow);
 *   - peak RSS on a second log where 1M distinct source addresses appear;
 *   - detect with the SigmaHQ web rule corpus instead of the pack.
 * Every run is a child process, timed wall-clock; peak RSS from bench/lib/max-rss.ts.
 *
 * Usage: npm run build && node dist/bench/detect/run.js [--lines 5000000] [--distinct 1000000]
 *        [--fail2ban-lines 200000] [--workers N] [--dir .bench/detect] [--keep]
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadKnowledgeBase } from '../../src/disclosure/load.js';
import { packageRoot } from '../../src/util/paths.js';
import { type GroundTruth, writeCombinedLog } from '../lib/gen-access-log.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

const LINES = Number(arg('lines', '5000000'));
const DISTINCT = Number(arg('distinct', '1000000'));
const F2B_LINES = Number(arg('fail2ban-lines', '200000'));
const WORKERS = Number(arg('workers', String(Math.min(4, availableParallelism()))));
const DIR = arg('dir', join(packageRoot, '.bench', 'detect'));
const KEEP = process.argv.includes('--keep');
const CLI = join(packageRoot, 'dist', 'src', 'cli', 'main.js');
const MAX_RSS = pathToFileURL(fileURLToPath(new URL('../lib/max-rss.js', import.meta.url))).href;
const SIGMAHQ = join(packageRoot, '..', 'shared', 'data', 'sigmahq-web', 'rules');

interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  rssMiB?: number;
}

function timed(cmd: string, args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t;
      const m = /max-rss-kib=(\d+)/.exec(stderr);
      resolve({ ms, code, stdout, stderr, ...(m ? { rssMiB: Number(m[1]) / 1024 } : {}) });
    });
  });
}

/** Runs `mcpward detect` with the peak-RSS preload; alerts as JSON lines on stdout. */
function detect(file: string, args: string[]): Promise<Timed> {
  return timed(process.execPath, [
    '--import',
    MAX_RSS,
    CLI,
    'detect',
    file,
    '-f',
    'jsonl',
    '--no-progress',
    ...args,
  ]);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const perSec = (lines: number, ms: number) => (lines / ms) * 1000;

async function generate(path: string, opts: Parameters<typeof writeCombinedLog>[1]): Promise<GroundTruth> {
  const meta = `${path}.json`;
  const key = JSON.stringify(opts);
  if (existsSync(path) && existsSync(meta)) {
    const saved = JSON.parse(readFileSync(meta, 'utf8')) as { key: string; truth: GroundTruth };
    if (saved.key === key) return saved.truth;
  }
  const truth = await writeCombinedLog(path, opts);
  writeFileSync(meta, JSON.stringify({ key, truth }));
  return truth;
}

async function prefix(src: string, dst: string, lines: number): Promise<void> {
  const out = createWriteStream(dst);
  const rl = createInterface({ input: createReadStream(src) });
  let n = 0;
  for await (const line of rl) {
    if (n++ >= lines) break;
    if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  rl.close();
  await new Promise<void>((r) => out.end(r));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const log = join(DIR, `access-${LINES}.log`);
  console.log(
    `detect benchmark: ${fmt(LINES)} generated combined lines, node ${process.version}, ${availableParallelism()} cores`,
  );
  let t = performance.now();
  const truth = await generate(log, { lines: LINES, seed: 2026 });
  const size = statSync(log).size;
  console.log(
    `log: ${(size / 2 ** 20).toFixed(0)} MiB, ${truth.enumerators.length} enumerators (${((performance.now() - t) / 1000).toFixed(1)} s to generate or reuse)`,
  );

  const rows: [string, number, string][] = [];
  const check = (name: string, r: Timed) => {
    if (r.code !== 0) throw new Error(`${name} failed (${r.code}): ${r.stderr}`);
    const sources = new Set(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { source: string }).source),
    );
    const missed = truth.enumerators.filter((e) => !sources.has(e.ip));
    const enumerators = new Set(truth.enumerators.map((e) => e.ip));
    const extra = [...sources].filter((s) => !enumerators.has(s));
    return `${sources.size} sources alerted, ${missed.length} enumerators missed, ${extra.length} others`;
  };

  // detect, best of two (the machine is shared), workers then one thread.
  for (const [name, args] of [
    [`mcpward detect (${WORKERS} workers)`, ['--workers', String(WORKERS)]],
    ['mcpward detect (1 thread)', ['--workers', '1']],
  ] as const) {
    let best: Timed | undefined;
    for (let i = 0; i < 2; i++) {
      const r = await detect(log, [...args]);
      if (!best || r.ms < best.ms) best = r;
    }
    rows.push([
      name,
      perSec(LINES, best!.ms),
      `${check(name, best!)}; peak RSS ${best!.rssMiB?.toFixed(0)} MiB`,
    ]);
  }

  // grep -cE with the endpoint pattern.
  const kb = loadKnowledgeBase();
  const pattern = `"[A-Z]+ (${kb.endpoints.map((e) => escapeRe(e.path)).join('|')})/?(\\?[^ ]*)? HTTP`;
  let grepBest: Timed | undefined;
  for (let i = 0; i < 2; i++) {
    const r = await timed('grep', ['-cE', pattern, log]);
    if (!grepBest || r.ms < grepBest.ms) grepBest = r;
  }
  rows.push([
    'grep -cE (endpoint pattern)',
    perSec(LINES, grepBest!.ms),
    `${grepBest!.stdout.trim()} matching lines`,
  ]);

  // fail2ban-regex with the same pattern as a failregex, on a prefix.
  let f2b: number | undefined;
  try {
    execFileSync('fail2ban-regex', ['--version'], { stdio: 'ignore' });
    const part = join(DIR, `access-${F2B_LINES}.log`);
    if (!existsSync(part)) await prefix(log, part, F2B_LINES);
    const failregex = `^<HOST> \\S+ \\S+ \\[\\] "[A-Z]+ (?:${kb.endpoints.map((e) => escapeRe(e.path)).join('|')})/?(?:\\?\\S*)? HTTP/\\d\\.\\d"`;
    const r = await timed('fail2ban-regex', [part, failregex]);
    const matched = /Lines: .*?(\d+) matched/.exec(r.stdout)?.[1];
    f2b = perSec(F2B_LINES, r.ms);
    rows.push([`fail2ban-regex (first ${fmt(F2B_LINES)} lines)`, f2b, `${matched ?? '?'} matched`]);
  } catch {
    rows.push(['fail2ban-regex', Number.NaN, 'not installed (apt-get install -y fail2ban)']);
  }

  // SigmaHQ web corpus instead of the pack.
  if (existsSync(SIGMAHQ)) {
    const r = await detect(log, ['--workers', String(WORKERS), '--no-default-rules', '--rules', SIGMAHQ]);
    if (r.code !== 0) throw new Error(`sigmahq run failed: ${r.stderr}`);
    rows.push([
      `mcpward detect, SigmaHQ web corpus (${WORKERS} workers)`,
      perSec(LINES, r.ms),
      `${r.stdout.split('\n').filter(Boolean).length} alerts`,
    ]);
  }

  // Peak RSS with DISTINCT distinct source addresses (each client in turn, twice).
  const wide = join(DIR, `distinct-${DISTINCT}.log`);
  t = performance.now();
  await generate(wide, { lines: DISTINCT * 2, clients: DISTINCT, roundRobin: true, seed: 7, rate: 2000 });
  const distinct = Number(
    execFileSync('sh', ['-c', `cut -d' ' -f1 ${wide} | sort -u | wc -l`])
      .toString()
      .trim(),
  );
  const rss = await detect(wide, ['--workers', String(WORKERS)]);
  const rss1 = await detect(wide, ['--workers', '1']);

  const detectRate = rows[0]![1];
  console.log('');
  for (const [name, rate, note] of rows)
    console.log(
      `${name.padEnd(52)} ${Number.isNaN(rate) ? '-'.padStart(13) : `${fmt(rate).padStart(11)}/s`}  ${note}`,
    );
  console.log('');
  console.log(
    `ratios: detect / grep ${(detectRate / rows.find((r) => r[0].startsWith('grep'))![1]).toFixed(2)}x` +
      (f2b ? `, detect / fail2ban-regex ${(detectRate / f2b).toFixed(0)}x` : ''),
  );
  console.log(
    `peak RSS, ${fmt(DISTINCT * 2)} lines with ${fmt(distinct)} distinct source IPs: ${rss.rssMiB?.toFixed(0)} MiB with ${WORKERS} workers (${fmt(perSec(DISTINCT * 2, rss.ms))} lines/s), ${rss1.rssMiB?.toFixed(0)} MiB with 1 thread`,
  );
  if (!KEEP) rmSync(DIR, { recursive: true, force: true });
}

await main();
