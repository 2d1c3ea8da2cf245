import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { RunningGuard } from '../../src/guard/server.js';
import { type RunningConformanceServer, startConformanceServer } from '../../src/lab/conformance-server.js';
import { startGuarded } from '../helpers/guard.js';

/** The conformance CLI of @modelcontextprotocol/conformance (0.1.13: the last release on Node 20). */
const conformanceCli = join(
  createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json'),
  '..',
  'dist',
  'index.js',
);

const dirs: string[] = [];
const servers: RunningConformanceServer[] = [];
const guards: RunningGuard[] = [];
after(async () => {
  for (const g of guards) await g.close(0);
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

/** Runs the active server suite against `url`; returns `scenario/check-id → status`. */
async function runSuite(
  url: string,
): Promise<{ checks: Map<string, Check>; scenarios: number; code: number | null }> {
  const out = mkdtempSync(join(tmpdir(), 'mcpward-conformance-'));
  dirs.push(out);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [conformanceCli, 'server', '--url', url, '-o', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`conformance run timed out\n${stderr}`));
    }, 120_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const checks = new Map<string, Check>();
  const runs = readdirSync(out);
  for (const d of runs) {
    const scenario = d.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, '');
    for (const c of JSON.parse(readFileSync(join(out, d, 'checks.json'), 'utf8')) as Check[])
      checks.set(`${scenario}/${c.id}`, c);
  }
  return { checks, scenarios: runs.length, code };
}

function statuses(m: Map<string, Check>): Record<string, string> {
  return Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => [k, c.status]));
}

function failures(m: Map<string, Check>): string[] {
  return [...m].filter(([, c]) => c.status === 'FAILURE').map(([k, c]) => `${k}: ${c.errorMessage ?? ''}`);
}

describe('MCP conformance suite, direct and through the guard', { timeout: 300_000 }, () => {
  let direct: Map<string, Check>;

  it('direct: a server on the official SDK passes the whole active suite', async () => {
    const s = await startConformanceServer({ dnsRebindingProtection: true });
    servers.push(s);
    const r = await runSuite(s.mcpUrl);
    direct = r.checks;
    assert.deepEqual(failures(r.checks), []);
    assert.equal(r.code, 0);
    assert.equal(r.scenarios, 30, 'every active scenario ran');
    assert.ok(r.checks.has('dns-rebinding-protection/localhost-host-rebinding-rejected'));
  });

  it('direct, without Host/Origin validation (SDKs before 1.24.0): DNS rebinding is not stopped', async () => {
    const s = await startConformanceServer({ dnsRebindingProtection: false });
    servers.push(s);
    const r = await runSuite(s.mcpUrl);
    assert.deepEqual(
      failures(r.checks).map((f) => f.split(':')[0]),
      ['dns-rebinding-protection/localhost-host-rebinding-rejected'],
    );
  });

  it('guarded (upstream without validation): exactly the same checks pass, DNS rebinding included', async () => {
    assert.ok(direct, 'the direct run came first');
    const s = await startConformanceServer({ dnsRebindingProtection: false });
    servers.push(s);
    const g = await startGuarded(s.url);
    guards.push(g);
    const r = await runSuite(`${g.url}/mcp`);
    assert.deepEqual(failures(r.checks), []);
    assert.deepEqual(statuses(r.checks), statuses(direct));
    assert.equal(r.code, 0);
  });
});
