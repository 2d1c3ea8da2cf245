/**
 * The whole loop on 127.0.0.1: a lab MCP server behind a real nginx writing a combined access log,
 * `mcpward scan` (the built CLI) against nginx, then `mcpward detect` on the log nginx wrote. The scan
 * must be caught; ordinary MCP client traffic and health checkers through another nginx must not.
 * The same traffic written as the mcpward audit log (what guard writes) and read with no options must
 * give the same alerts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from 'undici';
import { type Lab, startLab } from '../../src/lab/index.js';
import { formatAuditRecord, readAllEvents } from '../../src/logs/index.js';
import { runCli } from '../helpers/cli.js';
import { type NginxServer, startNginx } from '../helpers/nginx.js';

interface JsonAlert {
  rule: string;
  title: string;
  level: string;
  kind: string;
  source: string;
  count: number;
  uris: string[];
  uriCount: number;
  samples: { file: string; line: number; text: string }[];
}

const SWEEP = '80cb7494-86e8-4dc8-8031-05e2aa5bf3dd';

function proxyTo(upstream: string): string {
  // A regex location wins over the helper's `location /`: everything goes to the lab server.
  return `    location ~ ^/ {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 30s;
    }`;
}

async function detect(
  file: string,
  ...args: string[]
): Promise<{ alerts: JsonAlert[]; stderr: string; code: number | null }> {
  const res = await runCli(['detect', file, '--format', 'jsonl', '--no-progress', ...args]);
  assert.ok(res.code === 0 || res.code === 1, res.stderr);
  const alerts = res.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonAlert);
  return { alerts, stderr: res.stderr, code: res.code };
}

/** The events of a combined log, written as mcpward audit-log lines. */
async function asAuditLog(combined: string, out: string): Promise<void> {
  const { events } = await readAllEvents([combined], { format: 'combined' });
  let text = '';
  for (const e of events)
    text += formatAuditRecord({
      '@timestamp': e._time!,
      'x-mcpward-action': 'allowed',
      'c-ip': e['c-ip'],
      'cs-method': e['cs-method'],
      'cs-uri-query': e['cs-uri-query'],
      'cs-version': e['cs-version'],
      'sc-status': e['sc-status'],
      'sc-bytes': e['sc-bytes'],
      'cs-user-agent': e['cs-user-agent'],
    });
  writeFileSync(out, text);
}

describe('scan → nginx access log → detect', () => {
  let lab: Lab;
  let attacked: NginxServer;
  let benign: NginxServer;
  let dir: string;
  let scanned: JsonAlert[];
  let clean: JsonAlert[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpward-loop-'));
    lab = await startLab({ only: ['version-endpoints'] });
    const upstream = lab.servers[0]!.url;
    attacked = await startNginx({ locations: proxyTo(upstream) });
    benign = await startNginx({ locations: proxyTo(upstream) });

    // The attacker: mcpward scan through nginx.
    const scan = await runCli([
      'scan',
      `${attacked.url}/mcp`,
      '--format',
      'json',
      '--no-progress',
      '--no-advisories',
    ]);
    assert.ok(scan.code === 0 || scan.code === 1, scan.stderr);
    await attacked.stop();

    // Ordinary traffic: the official SDK client, a few sessions, and health checkers.
    for (let i = 0; i < 3; i++) {
      const client = new Client({ name: 'loop-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${benign.url}/mcp`)));
      const tools = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(tools.includes('echo'), tools.join());
      await client.callTool({ name: 'echo', arguments: { text: `hello ${i}` } });
      await client.callTool({ name: 'echo', arguments: { text: 'again' } });
      await client.close();
    }
    const get = async (path: string, ua: string) => {
      const res = await request(`${benign.url}${path}`, { headers: { 'user-agent': ua } });
      await res.body.text();
    };
    for (let i = 0; i < 12; i++) {
      await get(i % 2 ? '/healthz' : '/health', 'kube-probe/1.29');
      await get('/health', 'UptimeRobot/2.0; http://www.uptimerobot.com/');
      await get('/health', 'curl/8.5.0');
    }
    await benign.stop();

    scanned = (await detect(attacked.path('access.log'))).alerts;
    clean = (await detect(benign.path('access.log'))).alerts;
  });

  after(async () => {
    await attacked?.dispose();
    await benign?.dispose();
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('alerts on 127.0.0.1 with the version endpoint sweep, built from the scan requests', () => {
    const sweep = scanned.find((a) => a.rule === SWEEP);
    assert.ok(sweep, `no sweep alert in ${JSON.stringify(scanned.map((a) => a.title))}`);
    assert.equal(sweep.source, '127.0.0.1');
    assert.equal(sweep.level, 'high');
    // The scan asks for every version endpoint of the knowledge base: they are the alert's URIs.
    for (const p of ['/version', '/health', '/status', '/info', '/api/version', '/.well-known/mcp'])
      assert.ok(sweep.uris.includes(p), `${p} in ${sweep.uris.join(' ')}`);
    assert.ok(sweep.count >= 20, `count ${sweep.count}`);
    assert.ok(sweep.samples.length > 0);
    for (const s of sweep.samples) {
      assert.equal(s.file, attacked.path('access.log'));
      assert.match(s.text, /^127\.0\.0\.1 - - \[.*\] "GET \/\S+ HTTP\/1\.1" \d{3} /);
    }
  });

  it('also flags the scanner user agent, the probe-then-initialize sequence and the error probing', () => {
    const titles = new Set(scanned.map((a) => a.title));
    assert.ok(titles.has('MCP Server Version Enumeration Attempt by a Scanner'), [...titles].join('; '));
    assert.ok(titles.has('MCP Version Endpoint Probe Followed by a Session Start'), [...titles].join('; '));
    assert.ok(titles.has('MCP Endpoint Error Probing'), [...titles].join('; '));
    for (const a of scanned) assert.equal(a.source, '127.0.0.1');
    // One alert per rule and source per window.
    assert.equal(new Set(scanned.map((a) => a.rule)).size, scanned.length);
  });

  it('does not alert on official MCP client sessions, kube-probe, uptime monitors or curl health checks', () => {
    assert.deepEqual(
      clean.map((a) => `${a.title}: ${a.uris.join(' ')}`),
      [],
    );
  });

  it('reads the same traffic as the mcpward audit log without being told the format, with the same alerts', async () => {
    const audit = join(dir, 'audit.log');
    await asAuditLog(attacked.path('access.log'), audit);
    const res = await detect(audit);
    assert.deepEqual(
      res.alerts.map((a) => `${a.rule} ${a.source} ${a.count} ${a.uris.join(' ')}`).sort(),
      scanned.map((a) => `${a.rule} ${a.source} ${a.count} ${a.uris.join(' ')}`).sort(),
    );
    assert.match(res.stderr, /lines read/);
    const cleanAudit = join(dir, 'clean-audit.log');
    await asAuditLog(benign.path('access.log'), cleanAudit);
    assert.deepEqual((await detect(cleanAudit)).alerts, []);
  });
});
