import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sigmaDetector } from '../../src/guard/sigma-detector.js';
import { parseAuditLine } from '../../src/logs/audit.js';
import { compileCollection, loadSigmaFiles } from '../../src/sigma/index.js';
import { fetchRaw, INITIALIZE, MCP_POST_HEADERS, startGuarded } from '../helpers/guard.js';
import { httpServer, type Running } from '../helpers/servers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mcpward-guard-access-'));
const toClose: { close(grace?: number): Promise<void> }[] = [];
after(async () => {
  for (const c of toClose.reverse()) await c.close(0);
  rmSync(tmp, { recursive: true, force: true });
});

/** An upstream that answers initialize and remembers the headers it was sent. */
async function recordingUpstream(): Promise<Running & { seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const r = await httpServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', server: 'acme/1.0' });
      res.end('{"jsonrpc":"2.0","id":1,"result":{"serverInfo":{"name":"acme","version":"9.1.2"}}}');
    });
  });
  toClose.push(r);
  return Object.assign(r, { seen });
}

async function guard(upstream: string, overrides: Record<string, unknown>, log?: (l: string) => void) {
  const g = await startGuarded(upstream, overrides, log ? { log } : {});
  toClose.push(g);
  return g;
}

const post = (url: string, headers: Record<string, string> = {}) =>
  fetchRaw(url, { method: 'POST', headers: { ...MCP_POST_HEADERS, ...headers }, body: INITIALIZE });

describe('who may talk to the guard', { timeout: 60_000 }, () => {
  it('refuses clients outside the CIDR allowlist with one minimal answer', async () => {
    const up = await recordingUpstream();
    const g = await guard(up.url, { clients: { allow: ['10.0.0.0/8'] } });
    const r = await post(`${g.url}/mcp`);
    assert.equal(r.status, 403);
    assert.equal(r.body, '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Forbidden"}}');
    assert.equal(up.seen.length, 0, 'nothing reached the upstream');
    const g404 = await guard(up.url, { clients: { allow: ['10.0.0.0/8'], denyStatus: 404 } });
    assert.equal((await post(`${g404.url}/mcp`)).status, 404);
    const ok = await guard(up.url, { clients: { allow: ['127.0.0.0/8'] } });
    assert.equal((await post(`${ok.url}/mcp`)).status, 200);
  });

  it('checks bearer tokens in constant time and does not pass them on', async () => {
    const up = await recordingUpstream();
    const g = await guard(up.url, { clients: { tokens: ['s3cret-token'] } });
    assert.equal((await post(`${g.url}/mcp`)).status, 403);
    assert.equal((await post(`${g.url}/mcp`, { authorization: 'Bearer wrong-token!' })).status, 403);
    const ok = await post(`${g.url}/mcp`, { authorization: 'Bearer s3cret-token' });
    assert.equal(ok.status, 200);
    assert.equal(up.seen.length, 1);
    assert.equal(up.seen[0]!.authorization, undefined);
    assert.equal(up.seen[0]!['x-forwarded-for'], '127.0.0.1');
  });

  it('answers a wrong Host and a bad Origin the same way, before the upstream sees them', async () => {
    const up = await recordingUpstream();
    const g = await guard(up.url, {});
    const host = await post(`${g.url}/mcp`, { host: 'evil.example' });
    const origin = await post(`${g.url}/mcp`, { origin: 'http://evil.example' });
    assert.equal(host.status, 403);
    assert.deepEqual([origin.status, origin.body], [host.status, host.body]);
    assert.equal((await post(`${g.url}/mcp`, { origin: 'http://localhost:5173' })).status, 200);
    assert.equal(up.seen.length, 1);
    const named = await guard(up.url, { hosts: ['mcp.example.com'], origins: ['https://app.example.com'] });
    assert.equal((await post(`${named.url}/mcp`, { host: 'mcp.example.com' })).status, 200);
    assert.equal((await post(`${named.url}/mcp`)).status, 403);
    assert.equal(
      (await post(`${named.url}/mcp`, { host: 'mcp.example.com', origin: 'https://app.example.com' })).status,
      200,
    );
  });

  it('rate-limits each source', async () => {
    const up = await recordingUpstream();
    const g = await guard(up.url, { rateLimit: { rps: 0.5, burst: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await post(`${g.url}/mcp`));
    assert.deepEqual(
      statuses.map((s) => s.status),
      [200, 200, 429],
    );
    assert.ok(Number(statuses[2]!.headers['retry-after']) >= 1);
  });
});

const RULES = `title: Request for a version endpoint
id: 5b0c3f5e-1111-4a1e-9c1a-000000000001
name: mcp_version_endpoint
status: test
logsource: { category: webserver }
detection:
  selection:
    cs-uri-stem|endswith: [/version, /api/version, /health, /status, /info, /build-info, /.well-known/mcp]
  condition: selection
level: low
---
title: MCP server version enumeration (SAFE-T1604)
id: 5b0c3f5e-1111-4a1e-9c1a-000000000002
status: test
correlation:
  type: event_count
  rules: [mcp_version_endpoint]
  group-by: [c-ip]
  timespan: 1m
  condition: { gte: 4 }
level: high
`;

describe('what the guard records and how it reacts', { timeout: 60_000 }, () => {
  const rulesFile = join(tmp, 'rules.yml');
  writeFileSync(rulesFile, RULES);

  it('writes an audit line per request with Sigma field names and no secrets', async () => {
    const up = await recordingUpstream();
    const audit = join(tmp, 'audit.log');
    const g = await guard(up.url, { audit: { path: audit }, clients: { tokens: ['tok-123456'] } });
    await post(`${g.url}/mcp?access_token=abcdefgh&x=1`, {
      authorization: 'Bearer tok-123456',
      'user-agent': 'curl/8.5',
    });
    await fetchRaw(`${g.url}/version`, { headers: { authorization: 'Bearer tok-123456' } });
    await g.close(0);
    const lines = readFileSync(audit, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    const text = lines.join('\n');
    assert.doesNotMatch(text, /tok-123456|abcdefgh/);
    const first = JSON.parse(lines[0]!);
    assert.equal(first['cs-method'], 'POST');
    assert.equal(first['cs-uri-query'], '/mcp?access_token=REDACTED&x=1');
    assert.equal(first['sc-status'], 200);
    assert.equal(first['mcp-method'], 'initialize');
    assert.equal(first['x-mcpward-action'], 'rewritten');
    assert.equal(first['cs-user-agent'], 'curl/8.5');
    assert.equal(first['c-ip'], '127.0.0.1');
    // detect reads it back as a webserver event.
    const ev = parseAuditLine(lines[1]!);
    assert.ok(!(ev instanceof Error));
    assert.equal((ev as Record<string, unknown>)['cs-uri-stem'], '/version');
    assert.equal((ev as Record<string, unknown>)['sc-status'], 404);
  });

  it('writes nginx combined lines when asked', async () => {
    const up = await recordingUpstream();
    const audit = join(tmp, 'combined.log');
    const g = await guard(up.url, { audit: { path: audit, format: 'combined' } });
    await fetchRaw(`${g.url}/health?token=zzzzzzzz`, { headers: { 'user-agent': 'nuclei' } });
    await g.close(0);
    assert.match(
      readFileSync(audit, 'utf8'),
      /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/health\?token=REDACTED HTTP\/1\.1" 200 15 "-" "nuclei"\n$/,
    );
  });

  it('detects enumeration live: logs, alerts the webhook, blocks the source across restarts', async () => {
    const up = await recordingUpstream();
    const alerts: unknown[] = [];
    const hook = await httpServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        alerts.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    toClose.push(hook);
    const blocklist = join(tmp, 'blocklist.json');
    const logged: string[] = [];
    const detect = {
      rules: [rulesFile],
      actions: ['log', 'alert', 'block'],
      webhook: `${hook.url}/hook`,
      blockFor: '10m',
    };
    const g = await guard(up.url, { detect, blocklist }, (l) => logged.push(l));
    assert.equal((await post(`${g.url}/mcp`)).status, 200);
    for (const p of ['/version', '/health', '/status', '/info']) await fetchRaw(`${g.url}${p}`);
    // The fourth version request completed the correlation: the source is blocked from now on.
    const blocked = await post(`${g.url}/mcp`);
    assert.equal(blocked.status, 403);
    assert.equal(blocked.body, '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Forbidden"}}');
    for (let i = 0; i < 50 && alerts.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(alerts.length, 1);
    const alert = alerts[0] as Record<string, unknown>;
    assert.equal(alert['title'], 'MCP server version enumeration (SAFE-T1604)');
    assert.equal(alert['source'], '127.0.0.1');
    assert.equal(logged.filter((l) => l.includes('"type":"mcpward.alert"')).length, 1);
    await g.close(0);
    const saved = JSON.parse(readFileSync(blocklist, 'utf8'));
    assert.equal(saved.entries[0].ip, '127.0.0.1');
    // A new guard with the same blocklist file still refuses the source.
    const again = await guard(up.url, { blocklist });
    assert.equal((await post(`${again.url}/mcp`)).status, 403);
  });

  it('its audit log of a scan, run through the Sigma engine, alerts on the scanner', async () => {
    const { scan } = await import('../../src/scan/scanner.js');
    const { expandTarget } = await import('../../src/scan/targets.js');
    const { startLeakyV1 } = await import('../helpers/mcp-upstreams.js');
    const up = await startLeakyV1();
    toClose.push(up);
    const audit = join(tmp, 'scan-audit.log');
    const g = await guard(up.url, { audit: { path: audit } });
    await scan([...expandTarget(g.url, { ports: [] })], { timeoutMs: 3000 });
    await g.close(0);
    const engine = compileCollection(loadSigmaFiles([rulesFile]));
    const detector = sigmaDetector(engine);
    const alerts = [];
    for (const line of readFileSync(audit, 'utf8').trim().split('\n')) {
      const ev = parseAuditLine(line);
      assert.ok(!(ev instanceof Error), line);
      alerts.push(...detector.observe(ev as never));
    }
    assert.ok(alerts.some((a) => a.title.includes('SAFE-T1604') && a.source === '127.0.0.1'));
  });

  it('exposes Prometheus metrics and a health check on the admin listener', async () => {
    const up = await recordingUpstream();
    const g = await guard(up.url, { admin: '127.0.0.1:0' });
    assert.ok(g.adminUrl);
    await post(`${g.url}/mcp`);
    await fetchRaw(`${g.url}/version`);
    const m = await fetchRaw(`${g.adminUrl}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(m.body, /^mcpward_guard_requests_total\{action="rewritten"\} 2$/m);
    assert.match(m.body, /^mcpward_guard_rewrites_total\{kind="endpoint"\} 1$/m);
    assert.match(m.body, /^mcpward_guard_rewrites_total\{kind="serverinfo"\} 1$/m);
    assert.match(m.body, /^mcpward_guard_request_duration_seconds_bucket\{le="\+Inf"\} 2$/m);
    const h = await fetchRaw(`${g.adminUrl}/healthz`);
    assert.deepEqual([h.status, h.body], [200, '{"status":"ok"}']);
    // The admin endpoints are not reachable through the proxy port.
    assert.equal((await fetchRaw(`${g.url}/metrics`)).status, 404);
  });
});
