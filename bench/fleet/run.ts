/**
 * Fleet benchmark: 10k targets over 10 runs (generated, seeded), then times recording,
 * `fleet diff` and `fleet report` through the library and through the built CLI.
 *   npm run bench:fleet [-- --targets 10000 --runs 10]
 * Nothing here touches the network: targets are names in a database.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffRuns, findOutliers } from '../../src/intel/fleet.js';
import { renderFleetReport } from '../../src/intel/fleet-report.js';
import type { Finding, TargetResult } from '../../src/report/model.js';
import { FleetStore, recordRun } from '../../src/store/fleet-store.js';
import { packageRoot } from '../../src/util/paths.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const TARGETS = arg('targets', 10_000);
const RUNS = arg('runs', 10);

/** mulberry32: small, seeded, reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SDK = ['1.12.0', '1.17.4', '1.20.0', '1.24.0', '1.25.2', '1.26.0', '1.27.1', '1.29.0'];
const SERVERS = ['secure-filesystem-server', 'memory-server', 'FastMCP', 'mcp-git', 'internal-tools'];
const FINDINGS = ['serverinfo-version', 'header-x-powered-by', 'endpoint-version', 'error-node-stack-trace'];

function* generateRun(run: number): Generator<TargetResult> {
  const r = rng(1000 + run);
  for (let i = 0; i < TARGETS; i++) {
    const target = `http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8000/mcp`;
    const tr = rng(i * 7919 + 1);
    const base = Math.floor(tr() * 5);
    // The fleet drifts upward: each run moves some servers one version on.
    const sdk = SDK[Math.min(SDK.length - 1, base + Math.floor((run * tr() * 3) / RUNS))]!;
    if (r() < 0.03) {
      yield {
        target,
        status: 'unreachable',
        error: 'connect ECONNREFUSED',
        fingerprints: [],
        findings: [],
        requests: 3,
        durationMs: 5,
      };
      continue;
    }
    const findings: Finding[] = FINDINGS.filter((_, k) => (run + i + k) % (k + 2) !== 0).map((id) => ({
      id,
      title: id,
      severity: id === 'error-node-stack-trace' ? 'high' : 'medium',
      vector: 'serverinfo',
      target,
      evidence: [{ request: 'POST /mcp initialize', location: 'result.serverInfo.version', excerpt: sdk }],
      remediation: 'strip it',
    }));
    if (sdk < '1.24.0') {
      findings.push({
        id: 'error-node-modules-version',
        title: 'SDK version in a stack trace',
        severity: 'high',
        vector: 'advisory',
        target,
        product: '@modelcontextprotocol/sdk',
        version: sdk,
        evidence: [],
        remediation: 'upgrade',
        advisories: [
          {
            id: 'GHSA-w48q-cv73-mx4w',
            aliases: ['CVE-2025-66414'],
            summary: 'DNS rebinding protection not enabled by default',
            severity: 'high',
            package: '@modelcontextprotocol/sdk',
            ecosystem: 'npm',
            fixed: '1.24.0',
            basis: 'stack trace path',
            confidence: 'high',
          },
        ],
      });
    }
    yield {
      target,
      status: 'ok',
      mcp: {
        url: target,
        transport: 'streamable-http',
        protocolVersion: '2025-06-18',
        serverInfo: { name: SERVERS[i % SERVERS.length]!, version: sdk },
      },
      fingerprints: [
        {
          product: '@modelcontextprotocol/sdk',
          version: sdk,
          kind: 'sdk',
          confidence: 'high',
          sources: ['x'],
        },
      ],
      findings,
      requests: 9,
      durationMs: 40,
    };
  }
}

function time<T>(f: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const v = f();
  return [v, Number(process.hrtime.bigint() - t) / 1e6];
}

async function main() {
  const dir = join(packageRoot, '.bench', 'fleet');
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'fleet.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
  const store = FleetStore.open(db);
  const recordMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t = process.hrtime.bigint();
    await recordRun(store, generateRun(run), { label: `run ${run + 1}` });
    recordMs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const runs = store.listRuns();
  const [latest, prev] = [runs[0]!, runs[1]!];
  const [snaps, snapshotMs] = time(() => [store.snapshot(prev.id), store.snapshot(latest.id)] as const);
  const [diff, diffMs] = time(() => diffRuns(snaps[0], snaps[1]));
  const [outliers, outliersMs] = time(() => findOutliers(snaps[1]));
  const [html, renderMs] = time(() =>
    renderFleetReport({ run: latest, snapshot: snaps[1], previous: prev, diff }),
  );
  store.close();

  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const runCli = (args: string[]) =>
    time(() => {
      const r = spawnSync(process.execPath, [cli, ...args], {
        encoding: 'utf8',
        maxBuffer: 512 * 1024 * 1024,
      });
      if (r.status !== 0) throw new Error(`mcpward ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout.length;
    });
  const [, cliDiffMs] = runCli(['fleet', 'diff', '--db', db, '--format', 'jsonl']);
  const reportPath = join(dir, 'report.html');
  const [, cliReportMs] = runCli(['fleet', 'report', '-o', reportPath, '--db', db]);

  const out = {
    targets: TARGETS,
    runs: RUNS,
    dbBytes: statSync(db).size,
    recordRunMsMedian: recordMs.sort((a, b) => a - b)[Math.floor(recordMs.length / 2)],
    snapshotTwoRunsMs: snapshotMs,
    diffRunsMs: diffMs,
    diffCounts: {
      appeared: diff.appeared.length,
      disappeared: diff.disappeared.length,
      versionChanged: diff.versionChanged.length,
      hardened: diff.hardened.length,
      regressed: diff.regressed.length,
    },
    outliersMs,
    outliers: outliers.length,
    renderReportMs: renderMs,
    reportBytes: html.length,
    cliFleetDiffMs: cliDiffMs,
    cliFleetReportMs: cliReportMs,
  };
  for (const [k, v] of Object.entries(out)) {
    process.stdout.write(
      `${k.padEnd(20)} ${typeof v === 'number' ? Math.round(v * 10) / 10 : JSON.stringify(v)}\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
