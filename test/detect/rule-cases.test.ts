/**
 * Every rule of the pack: a line (or, for correlations, a few lines) written to trigger it, and a near
 * miss that must not. Single-event rules are checked with the engine (inputs of correlations never
 * alert on their own); correlations through detect's batch path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuditLine, parseCombined, type WebserverEvent } from '../../src/logs/index.js';
import { alertsFor, audit, clf, defaultPack } from './helpers.js';

const NUCLEI = 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';

function event(line: string): WebserverEvent {
  const ev = line.startsWith('{') ? parseAuditLine(line) : parseCombined(line);
  if (!('c-ip' in ev)) throw new Error(`fixture does not parse: ${line}`);
  return ev;
}

function matches(ruleId: string, line: string): boolean {
  const pack = defaultPack();
  return pack.engine.match(event(line)).some((r) => r.id === ruleId);
}

interface EventCase {
  id: string;
  title: string;
  hit: string;
  miss: string;
  why: string;
}

const EVENT_CASES: EventCase[] = [
  {
    id: '0d8e6e15-14ec-4eda-a623-0c601bc34828',
    title: 'version endpoint request',
    hit: clf({ path: '/version' }),
    miss: clf({ path: '/versions' }),
    why: 'exact paths, not prefixes',
  },
  {
    id: 'd9fdddf9-dd71-44e7-aaaf-e3658f121025',
    title: 'version endpoint probe (not a page)',
    hit: clf({ path: '/info', ua: FIREFOX }),
    miss: clf({ path: '/about', ua: FIREFOX }),
    why: 'people read /about; regular visitors are not remembered for minutes',
  },
  {
    id: 'b6242910-8a7b-468f-8301-a4dea2cbeb6f',
    title: 'scanner on a version endpoint',
    hit: clf({ path: '/api/version', ua: NUCLEI }),
    miss: clf({ path: '/docs', ua: NUCLEI }),
    why: 'a scanner elsewhere on the site is CRS 913100, not SAFE-T1604',
  },
  {
    id: 'b6242910-8a7b-468f-8301-a4dea2cbeb6f',
    title: 'scanner (CRS list) on an MCP endpoint',
    hit: clf({ method: 'POST', path: '/mcp', ua: 'sqlmap/1.8#stable (https://sqlmap.org)' }),
    miss: clf({ method: 'POST', path: '/mcp', ua: 'python-httpx/0.27.0' }),
    why: "the Python MCP client's python-httpx is not projectdiscovery httpx",
  },
  {
    id: 'f944d897-e7e4-43b2-b42a-85d954d78ecb',
    title: 'command-line client on a version endpoint',
    hit: clf({ path: '/version', ua: 'curl/8.5.0' }),
    miss: clf({ path: '/health', ua: 'curl/8.5.0' }),
    why: 'curl on a liveness path is what uptime scripts do',
  },
  {
    id: '1f75fad6-d7f8-417c-bf93-754dfdb52860',
    title: 'session start (combined: any POST to the MCP endpoint)',
    hit: clf({ method: 'POST', path: '/mcp', ua: 'node' }),
    miss: clf({ method: 'POST', path: '/messages?sessionId=3f1c', ua: 'node' }),
    why: 'a legacy SSE message names its session: not a start',
  },
  {
    id: '1f75fad6-d7f8-417c-bf93-754dfdb52860',
    title: 'session start (audit log: the JSON-RPC method)',
    hit: audit({ method: 'POST', path: '/mcp', mcpMethod: 'initialize', ua: 'node' }),
    miss: audit({ method: 'POST', path: '/mcp', mcpMethod: 'tools/list', ua: 'node' }),
    why: 'when the method is logged, only initialize / server/discover start a session',
  },
  {
    id: '5c24491c-7a54-45ef-bc46-5be5e13c7dcf',
    title: 'unsupported MCP-Protocol-Version',
    hit: audit({ method: 'POST', path: '/mcp', extra: { 'cs-mcp-protocol-version': '1999-01-01' } }),
    miss: audit({ method: 'POST', path: '/mcp', extra: { 'cs-mcp-protocol-version': '2025-06-18' } }),
    why: 'a published revision is normal',
  },
  {
    id: 'abe6ee67-f962-445e-a563-e60d5603abfe',
    title: 'foreign (reserved) Host on the MCP endpoint',
    hit: audit({ method: 'POST', path: '/mcp', host: 'mcpward-probe.invalid' }),
    miss: audit({ method: 'POST', path: '/mcp', host: 'mcp.example.com' }),
    why: 'without configured hosts only reserved names are foreign',
  },
  {
    id: 'd190c525-1062-401d-9189-b0da7f91df7a',
    title: 'HEAD or OPTIONS',
    hit: clf({ method: 'HEAD', path: '/' }),
    miss: clf({ method: 'GET', path: '/' }),
    why: 'method only',
  },
  {
    id: '1280d724-954f-422c-a285-fcc3ecadefe7',
    title: 'error answer from an MCP endpoint',
    hit: clf({ method: 'POST', path: '/mcp', status: 415 }),
    miss: clf({ method: 'POST', path: '/mcp', status: 202 }),
    why: 'success is not an error',
  },
  {
    id: 'b1f89621-498f-46a9-8f4b-b37b79fb5584',
    title: 'version endpoint with a browser User-Agent',
    hit: clf({ path: '/api/version', ua: FIREFOX }),
    miss: clf({ path: '/api/version', ua: 'curl/8.5.0' }),
    why: 'browser User-Agents only',
  },
  {
    id: 'b1f89621-498f-46a9-8f4b-b37b79fb5584',
    title: 'version endpoint with a browser User-Agent, not the about page',
    hit: clf({ path: '/info', ua: FIREFOX }),
    miss: clf({ path: '/about', ua: FIREFOX }),
    why: 'people read /about',
  },
];

describe('single-event rules: the written line matches, the near miss does not', () => {
  for (const c of EVENT_CASES) {
    it(`${c.title} (${c.why})`, () => {
      assert.ok(matches(c.id, c.hit), `should match: ${c.hit}`);
      assert.ok(!matches(c.id, c.miss), `should not match: ${c.miss}`);
    });
  }

  it('every version endpoint of the knowledge base (data/signatures/endpoints.yaml) triggers the rules', () => {
    const pack = defaultPack();
    assert.ok(pack.kb.endpoints.length >= 20);
    for (const e of pack.kb.endpoints) {
      assert.ok(matches('0d8e6e15-14ec-4eda-a623-0c601bc34828', clf({ path: e.path })), e.path);
      assert.ok(
        matches('0d8e6e15-14ec-4eda-a623-0c601bc34828', clf({ path: `${e.path}?x=1` })),
        `${e.path}?x=1`,
      );
      assert.ok(matches('b6242910-8a7b-468f-8301-a4dea2cbeb6f', clf({ path: e.path, ua: NUCLEI })), e.path);
      if (e.path === '/about') continue;
      assert.ok(matches('d9fdddf9-dd71-44e7-aaaf-e3658f121025', clf({ path: e.path })), e.path);
      assert.ok(matches('b1f89621-498f-46a9-8f4b-b37b79fb5584', clf({ path: e.path, ua: FIREFOX })), e.path);
    }
  });

  it("each scanner of the SAFE-T1604 example rule triggers a rule on /version (httpx meaning projectdiscovery's)", () => {
    const uas = [
      'curl/8.5.0',
      'HTTPie/3.2.2',
      NUCLEI,
      'httpx - Open-source project (github.com/projectdiscovery/httpx)',
      'python-requests/2.31.0',
      'Go-http-client/1.1',
    ];
    const pack = defaultPack();
    for (const ua of uas) {
      const hit = pack.engine.match(event(clf({ path: '/version', ua }))).filter((r) => r.standalone);
      assert.ok(hit.length > 0, ua);
    }
  });

  it('every entry of the OWASP CRS scanner list triggers the scanner rule', () => {
    const list = defaultPack().placeholders['mcpward_scanner_user_agents']!;
    assert.ok(list.length > 70, `${list.length} entries`);
    for (const entry of list) {
      const ua = `Mozilla/5.0 (${entry.replace(/\\(.)/g, '$1')})`;
      assert.ok(matches('b6242910-8a7b-468f-8301-a4dea2cbeb6f', clf({ path: '/status', ua })), entry);
    }
  });
});

interface SeqCase {
  id: string;
  title: string;
  hit: string[];
  miss: string[];
  why: string;
}

const browser = (path: string, at: number, ip = '198.51.100.7') => clf({ path, at, ip, ua: FIREFOX });

const SEQ_CASES: SeqCase[] = [
  {
    id: '80cb7494-86e8-4dc8-8031-05e2aa5bf3dd',
    title: 'version endpoint sweep',
    hit: [
      clf({ path: '/version', at: 0 }),
      clf({ path: '/health', at: 10 }),
      clf({ path: '/status', at: 20 }),
    ],
    miss: [
      clf({ path: '/version', at: 0 }),
      clf({ path: '/health', at: 40 }),
      clf({ path: '/status', at: 80 }),
    ],
    why: 'three distinct endpoints must fall within 60 s',
  },
  {
    id: '80cb7494-86e8-4dc8-8031-05e2aa5bf3dd',
    title: 'version endpoint sweep counts endpoints, not requests',
    hit: [clf({ path: '/version' }), clf({ path: '/info', at: 1 }), clf({ path: '/metrics', at: 2 })],
    miss: Array.from({ length: 12 }, (_, i) => clf({ path: '/health', at: i * 5, ua: 'UptimeRobot/2.0' })),
    why: 'a monitor polling one endpoint is not a sweep',
  },
  {
    id: 'b778aba3-e0f0-4350-9b90-11e105499a77',
    title: 'probe then session start',
    hit: [clf({ path: '/version', at: 0 }), clf({ method: 'POST', path: '/mcp', at: 5 })],
    miss: [clf({ method: 'POST', path: '/mcp', at: 0 }), clf({ path: '/version', at: 5 })],
    why: 'the order matters',
  },
  {
    id: 'b778aba3-e0f0-4350-9b90-11e105499a77',
    title: 'probe then session start, same client',
    hit: [browser('/status', 0), clf({ method: 'POST', path: '/mcp', at: 5, ua: FIREFOX })],
    miss: [browser('/status', 0), clf({ method: 'POST', path: '/mcp', at: 5, ua: 'node' })],
    why: 'a browser page and an MCP client behind one address are two clients',
  },
  {
    id: '333d4a2e-8593-4c50-b536-3c158c4b2620',
    title: 'HEAD sweep',
    hit: ['/', '/a', '/b', '/c', '/d'].map((path, i) => clf({ method: 'HEAD', path, at: i })),
    miss: Array.from({ length: 10 }, (_, i) => clf({ method: 'OPTIONS', path: '/mcp', at: i, ua: FIREFOX })),
    why: 'CORS preflights repeat one path',
  },
  {
    id: '1e245a92-c68f-4eef-b4ac-c4d68c40c051',
    title: 'error probing',
    hit: [
      clf({ method: 'POST', path: '/mcp', status: 400, at: 0 }),
      clf({ method: 'POST', path: '/mcp', status: 415, at: 1 }),
      clf({ method: 'PUT', path: '/mcp', status: 405, at: 2 }),
    ],
    miss: Array.from({ length: 6 }, (_, i) =>
      clf({ method: 'POST', path: '/mcp', status: 401, at: i, ua: 'node' }),
    ),
    why: 'a client without a token repeats one error',
  },
  {
    id: '688a4739-5089-49e2-a3b5-01e38639b308',
    title: 'slow browser-disguised enumeration',
    hit: ['/version', '/api/version', '/status', '/info', '/.well-known/mcp'].map((p, i) =>
      browser(p, i * 1800),
    ),
    miss: ['/version', '/api/version', '/status', '/info'].map((p, i) => browser(p, i * 1800)),
    why: 'five distinct endpoints within six hours',
  },
  {
    id: '7d0b6fe1-9d85-45b7-83c1-b0b19b162887',
    title: 'distributed enumeration from one /24',
    hit: ['/version', '/status', '/info', '/metrics'].map((path, i) =>
      clf({ path, at: i * 30, ip: `203.0.113.${10 + i}` }),
    ),
    miss: ['/version', '/status', '/info', '/metrics'].map((path, i) =>
      clf({ path, at: i * 30, ip: `203.0.${113 + i}.10` }),
    ),
    why: 'the addresses must share a network',
  },
  {
    id: '22217e90-d090-4f62-b0d4-177c8358b476',
    title: 'one source across MCP servers',
    hit: ['a', 'b', 'c'].map((h, i) => audit({ path: '/version', at: i, host: `${h}.mcp.example.com` })),
    miss: [0, 1, 2].map((i) => audit({ path: '/version', at: i, host: 'a.mcp.example.com' })),
    why: 'three different hosts',
  },
];

describe('correlations: the written sequence alerts, the near miss does not', () => {
  for (const c of SEQ_CASES) {
    it(`${c.title} (${c.why})`, async () => {
      const hit = await alertsFor(c.hit);
      assert.ok(
        hit.some((a) => a.rule === c.id),
        `should alert: ${JSON.stringify(hit.map((a) => a.title))}`,
      );
      const miss = await alertsFor(c.miss);
      assert.ok(
        !miss.some((a) => a.rule === c.id),
        `should not alert: ${JSON.stringify(miss.map((a) => a.title))}`,
      );
    });
  }
});

describe('the known-monitor filter', () => {
  const sweep = '80cb7494-86e8-4dc8-8031-05e2aa5bf3dd';
  const probe = (ip: string) =>
    ['/healthz', '/health', '/version', '/status'].map((path, i) =>
      clf({ path, ip, at: i, ua: 'kube-probe/1.29' }),
    );

  it('keeps kube-probe from internal addresses out of the sweep, but not from the Internet', async () => {
    assert.deepEqual(await alertsFor(probe('10.244.1.10')), []);
    const pub = await alertsFor(probe('198.51.100.99'));
    assert.ok(pub.some((a) => a.rule === sweep && a.source === '198.51.100.99'));
  });

  it('exempts an uptime monitor on liveness paths only: a spoofed monitor User-Agent still sweeps', async () => {
    const ua = 'Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)';
    assert.deepEqual(
      await alertsFor(
        ['/health', '/healthz', '/status', '/api/health'].map((path, i) => clf({ path, ua, at: i })),
      ),
      [],
    );
    const spoofed = await alertsFor(
      ['/version', '/info', '/api/version'].map((path, i) => clf({ path, ua, at: i })),
    );
    assert.ok(spoofed.some((a) => a.rule === sweep));
  });
});
