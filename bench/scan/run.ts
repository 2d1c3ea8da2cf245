/**
 * Scan benchmark (see BENCHMARKS.md).
 *
 * 1. Full audit of N loopback MCP servers (lab `sdk-streamable` copies in a separate process) with
 *    `scanTargets`, recording every request it sends.
 * 2. The same requests replayed with a raw undici client at the same concurrency (targets in
 *    parallel, each target's requests in order, bodies read in full, sessions renewed): the floor
 *    for that traffic. After a warm-up pass, rounds alternate audit and replay; the ratio of the
 *    medians is reported (goal <= 1.5).
 * 3. A 10k-target JSON Lines run of the real CLI (`mcpward scan -i FILE -f jsonl`) against the same
 *    servers (targets are the servers' MCP URLs with distinct query strings), reporting peak RSS
 *    (goal <= 150 MB).
 *
 * Usage: npm run bench:scan -- [--servers 256] [--concurrency 64] [--targets 10000] [--rounds 5] [--skip-10k]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import type { ProbeRequest } from '../../src/scan/http.js';
import { scanTargets } from '../../src/scan/scanner.js';
import { expandTarget } from '../../src/scan/targets.js';
import { run, startChild, stopChild } from '../lib/child.js';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '256' },
    concurrency: { type: 'string', default: '64' },
    targets: { type: 'string', default: '10000' },
    'skip-10k': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
  },
});
const nServers = Number(values.servers);
const concurrency = Number(values.concurrency);
const nTargets = Number(values.targets);
const here = new URL('.', import.meta.url).pathname;

const { child, ready: urls } = await startChild<string[]>(join(here, 'servers.js'), [String(nServers)]);
const secs = (ms: number) => (ms / 1000).toFixed(2);

try {
  const targets = () => urls.flatMap((u) => [...expandTarget(u, { ports: [] })]);

  // Warm-up: a full pass, so neither side pays for the servers' (or its own) first JIT and sessions.
  for await (const _ of scanTargets(targets(), { concurrency })) {
  }

  // 1. The full audit, recording what it sends (the last round's requests are replayed).
  // 2. Raw replay of the same requests at the same concurrency. Rounds alternate; medians compared.
  const rounds = Number(values.rounds);
  const auditTimes: number[] = [];
  const replayTimes: number[] = [];
  let recorded = new Map<string, ProbeRequest[]>();
  let findings = 0;
  for (let round = 0; round < rounds; round++) {
    recorded = new Map();
    findings = 0;
    let started = performance.now();
    for await (const r of scanTargets(targets(), {
      concurrency,
      onRequest: (req) => {
        const origin = new URL(req.url).origin;
        const list = recorded.get(origin) ?? [];
        list.push(req);
        recorded.set(origin, list);
      },
    })) {
      findings += r.findings.length;
    }
    auditTimes.push(performance.now() - started);

    const agent = new Agent({ connections: 2, pipelining: 1, keepAliveTimeout: 4_000 });
    const queue = [...recorded.values()];
    started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let list = queue.shift(); list; list = queue.shift()) {
          // Sessions are per run: a replayed request carries the session its own replay minted, so
          // the server does the same work as for the audit (a stale id would be a cheap 404).
          let session: string | undefined;
          for (const req of list) {
            const headers = { ...(req.headers ?? {}) };
            if (headers['mcp-session-id'] && session) headers['mcp-session-id'] = session;
            try {
              const res = await request(req.url, {
                method: req.method as 'GET',
                headers,
                body: req.body,
                dispatcher: agent,
                signal: AbortSignal.timeout(5000),
              });
              const minted = res.headers['mcp-session-id'];
              if (typeof minted === 'string' && req.method === 'POST' && !session) session = minted;
              await res.body.dump({ limit: 4 * 1024 * 1024 });
            } catch {
              // the audit saw the same failure
            }
          }
        }
      }),
    );
    replayTimes.push(performance.now() - started);
    await agent.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const auditMs = median(auditTimes);
  const replayMs = median(replayTimes);
  const totalRequests = [...recorded.values()].reduce((n, l) => n + l.length, 0);

  console.log(
    `servers: ${nServers} (lab sdk-streamable), concurrency ${concurrency}, ${rounds} rounds (medians)`,
  );
  console.log(
    `full audit: ${secs(auditMs)} s, ${totalRequests} requests (${Math.round(totalRequests / (auditMs / 1000))} req/s), ${findings} findings`,
  );
  console.log(
    `raw undici replay: ${secs(replayMs)} s (${Math.round(totalRequests / (replayMs / 1000))} req/s)`,
  );
  console.log(`ratio audit/replay: ${(auditMs / replayMs).toFixed(2)}x (goal <= 1.5x)`);

  // 3. 10k targets through the CLI, JSON Lines to /dev/null, peak RSS.
  if (!values['skip-10k']) {
    const dir = mkdtempSync(join(tmpdir(), 'mcpward-bench-scan-'));
    const file = join(dir, 'targets.txt');
    const lines: string[] = [];
    for (let i = 0; lines.length < nTargets; i++) lines.push(`${urls[i % urls.length]}/mcp?target=${i}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const cli = join(here, '../../src/cli/main.js');
    const res = await run(process.execPath, [
      '--import',
      join(here, '../lib/max-rss.js'),
      cli,
      'scan',
      '-i',
      file,
      '-f',
      'jsonl',
      '-o',
      '/dev/null',
      '--concurrency',
      String(concurrency),
      '--no-progress',
    ]);
    rmSync(dir, { recursive: true, force: true });
    const kib = Number(/max-rss-kib=(\d+)/.exec(res.stderr)?.[1] ?? Number.NaN);
    if (res.code !== 0) console.log(`10k run exited ${res.code}: ${res.stderr.trim().split('\n')[0]}`);
    console.log(
      `${nTargets} targets (jsonl): ${secs(res.ms)} s, peak RSS ${(kib / 1024).toFixed(0)} MiB (goal <= 150 MB = ${(150e6 / 2 ** 20).toFixed(0)} MiB)`,
    );
  }
} finally {
  await stopChild(child);
}
