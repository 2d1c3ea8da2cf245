/**
 * The shared alert runtime (what detect and guard both run): one alert per rule and source per
 * window, configuration (hosts, disabled rules, windows), live observe(), snapshot and restore.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDetectConfig } from '../../src/alerts/config.js';
import { networkOf } from '../../src/alerts/derived.js';
import type { Alert } from '../../src/alerts/model.js';
import { loadRulePack } from '../../src/alerts/pack.js';
import { AlertRuntime } from '../../src/alerts/runtime.js';
import { parseAuditLine, parseCombined } from '../../src/logs/index.js';
import { alertsFor, audit, clf, T0 } from '../detect/helpers.js';

const SCANNER = 'b6242910-8a7b-468f-8301-a4dea2cbeb6f';
const SWEEP = '80cb7494-86e8-4dc8-8031-05e2aa5bf3dd';
const FOREIGN = 'abe6ee67-f962-445e-a563-e60d5603abfe';
const NUCLEI = 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)';

describe('one alert per rule and source per window', () => {
  it('folds repeated matches into one alert, opens a new one after the window', async () => {
    const lines = [0, 60, 600, 3599, 3600, 3700].map((at) => clf({ path: '/version', ua: NUCLEI, at }));
    const alerts = (await alertsFor(lines)).filter((a) => a.rule === SCANNER);
    assert.deepEqual(
      alerts.map((a) => [a.count, a.firstSeen - T0, a.lastSeen - T0]),
      [
        [4, 0, 3_599_000],
        [2, 3_600_000, 3_700_000],
      ],
    );
  });

  it('keeps sources apart, and the window is configurable', async () => {
    const lines = [
      clf({ ip: '203.0.113.1', path: '/version', ua: NUCLEI, at: 0 }),
      clf({ ip: '203.0.113.2', path: '/version', ua: NUCLEI, at: 1 }),
      clf({ ip: '203.0.113.1', path: '/version', ua: NUCLEI, at: 120 }),
    ];
    const config = parseDetectConfig({ alerts: { window: '1m' } }, 'test');
    const alerts = (await alertsFor(lines, { spec: { config } })).filter((a) => a.rule === SCANNER);
    assert.deepEqual(
      alerts.map((a) => [a.source, a.count]),
      [
        ['203.0.113.1', 1],
        ['203.0.113.2', 1],
        ['203.0.113.1', 1],
      ],
    );
  });

  it('caps samples and URIs as configured, counting all of them', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => clf({ path: `/version?i=${i}`, ua: NUCLEI, at: i }));
    const config = parseDetectConfig({ alerts: { samples: 2, uris: 3 } }, 'test');
    const [a] = (await alertsFor(lines, { spec: { config } })).filter((x) => x.rule === SCANNER);
    assert.equal(a!.count, 30);
    assert.equal(a!.uriCount, 30);
    assert.deepEqual(a!.uris, ['/version?i=0', '/version?i=1', '/version?i=2']);
    assert.equal(a!.samples.length, 2);
  });
});

describe('configuration', () => {
  it('hosts: the foreign-Host rule flags any Host that is not the server’s own', async () => {
    const lines = [
      audit({ method: 'POST', path: '/mcp', host: 'mcp.example.com' }),
      audit({ method: 'POST', path: '/mcp', host: 'mcp.example.com:8443', at: 1 }),
      audit({ method: 'POST', path: '/mcp', host: 'evil.example.org', at: 2, ip: '203.0.113.66' }),
    ];
    assert.deepEqual(
      (await alertsFor(lines)).filter((a) => a.rule === FOREIGN),
      [],
      'without hosts only reserved names are foreign',
    );
    const config = parseDetectConfig({ hosts: ['mcp.example.com'] }, 'test');
    const alerts = (await alertsFor(lines, { spec: { config } })).filter((a) => a.rule === FOREIGN);
    assert.deepEqual(
      alerts.map((a) => a.source),
      ['203.0.113.66'],
    );
  });

  it('rules.disable removes a rule, and correlations that can no longer run', () => {
    const config = parseDetectConfig({ rules: { disable: ['mcp_version_endpoint_request'] } }, 'test');
    const pack = loadRulePack({ config });
    assert.ok(!pack.engine.rules.some((r) => r.name === 'mcp_version_endpoint_request'));
    assert.ok(!pack.engine.correlations.some((c) => c.id === SWEEP));
    assert.ok(pack.engine.correlations.some((c) => c.id === '1e245a92-c68f-4eef-b4ac-c4d68c40c051'));
  });

  it('allow.paths and allow.userAgents (wildcards, or substrings)', async () => {
    const lines = [
      clf({ path: '/version', ua: NUCLEI }),
      clf({ path: '/status', ua: NUCLEI, ip: '192.0.2.1' }),
    ];
    const byPath = parseDetectConfig({ allow: { paths: ['/ver*'] } }, 'test');
    assert.deepEqual(
      (await alertsFor(lines, { spec: { config: byPath } })).map((a) => a.source),
      ['192.0.2.1'],
    );
    const byUa = parseDetectConfig({ allow: { userAgents: ['Nuclei - *'] } }, 'test');
    assert.deepEqual(await alertsFor(lines, { spec: { config: byUa } }), []);
  });
});

describe('live use (guard): observe() per request', () => {
  it('returns an alert when it opens, once per rule and source per window', () => {
    const rt = new AlertRuntime(loadRulePack(), { emit: 'open' });
    const now = Date.UTC(2026, 0, 5, 12);
    const seen: Alert[] = [];
    const req = (path: string, i: number) => {
      const ev = parseAuditLine(audit({ path, ip: '203.0.113.9', ua: 'probe/1.0' }));
      if (!('c-ip' in ev)) throw new Error('fixture');
      seen.push(...rt.observe(ev, now + i * 1000));
    };
    ['/version', '/health', '/status', '/info', '/metrics'].forEach(req);
    assert.deepEqual(
      seen.map((a) => [a.rule, a.source, a.level]),
      [[SWEEP, '203.0.113.9', 'high']],
    );
    assert.deepEqual(seen[0]!.uris, ['/version', '/health', '/status']);
  });

  it('snapshot/restore: a restored runtime does not alert again for the same window', () => {
    const pack = () => loadRulePack();
    const a = new AlertRuntime(pack(), { emit: 'open' });
    const now = Date.UTC(2026, 0, 5, 12);
    const ev = (path: string) => {
      const e = parseCombined(clf({ path, ip: '203.0.113.9', ua: 'probe/1.0' }));
      if (!('c-ip' in e)) throw new Error('fixture');
      return e;
    };
    assert.equal(a.observe(ev('/version'), now).length, 0);
    assert.equal(a.observe(ev('/health'), now + 1000).length, 0);
    assert.equal(a.observe(ev('/status'), now + 2000).length, 1);
    const state = JSON.parse(JSON.stringify(a.snapshot())) as unknown;
    const b = new AlertRuntime(pack(), { emit: 'open' });
    b.restore(state);
    assert.equal(b.observe(ev('/info'), now + 3000).length, 0);
    assert.equal(b.observe(ev('/metrics'), now + 4000).length, 0);
    // A fresh runtime would have alerted on the same requests.
    const c = new AlertRuntime(pack(), { emit: 'open' });
    for (const [i, p] of ['/info', '/metrics', '/about'].entries()) c.observe(ev(p), now + i * 1000);
    assert.equal(c.tracker.openAlerts, 1);
  });
});

describe('derived c-net', () => {
  it('is the /24 of IPv4 (mapped too) and the /64 of IPv6', () => {
    assert.equal(networkOf('203.0.113.77'), '203.0.113.0/24');
    assert.equal(networkOf('::ffff:203.0.113.77'), '203.0.113.0/24');
    assert.equal(networkOf('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(networkOf('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(networkOf('example.org'), undefined);
    assert.equal(networkOf('1.2.3'), undefined);
    assert.equal(networkOf(undefined), undefined);
  });
});
