/**
 * End to end with the real engine: the SigmaHQ webserver and proxy rules (shared reference data),
 * unmodified, against events our parsers make from access-log lines in several formats.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  formatAuditRecord,
  type LineParser,
  parseAuditLine,
  parseCaddy,
  parseCombined,
} from '../../src/logs/index.js';
import { compileCollection, loadSigmaFiles } from '../../src/sigma/index.js';
import { ok } from '../helpers/log-fixtures.js';
import { sharedDataDir } from '../helpers/shared.js';

const web = join(sharedDataDir, 'sigmahq-web', 'rules', 'web');
const engine = compileCollection(
  loadSigmaFiles([join(web, 'webserver_generic'), join(web, 'proxy_generic')]),
  {},
);

function titles(parse: LineParser, line: string): string[] {
  return engine.match(ok(parse, line)).map((r) => r.title);
}

const clf = (req: string, status = 200, ua = 'Mozilla/5.0 (X11; Linux x86_64)', ref = '-') =>
  `198.51.100.7 - - [05/Jan/2026:10:00:01 +0000] "${req}" ${status} 512 "${ref}" "${ua}"`;

describe('SigmaHQ web rules on parsed events (real engine)', () => {
  it('compiles the rule set', () => {
    assert.ok(engine.rules.length >= 40, `${engine.rules.length} rules`);
  });

  const cases: [string, string, string][] = [
    [
      'F5 iControl bash (path in cs-uri-query)',
      clf('POST /mgmt/tm/util/bash HTTP/1.1'),
      'F5 BIG-IP iControl Rest API Command Execution - Webserver',
    ],
    [
      'path traversal',
      clf('GET /download?file=../../../etc/passwd HTTP/1.1', 400),
      'Path Traversal Exploitation Attempts',
    ],
    [
      'SQL injection, not a 404',
      clf('GET /items?id=1%20UNION%20SELECT%20password%20FROM%20users HTTP/1.1'),
      'SQL Injection Strings In URI',
    ],
    ['XSS', clf('GET /search?q=%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1'), 'Cross Site Scripting Strings'],
    [
      'scanner user agent',
      clf('GET /version HTTP/1.1', 404, 'sqlmap/1.8#stable (https://sqlmap.org)'),
      'Suspicious User-Agents Related To Recon Tools',
    ],
    [
      'source code enumeration',
      clf('GET /.git/config HTTP/1.1', 404),
      'Source Code Enumeration Detection by Keyword',
    ],
    [
      'reGeorg: no referer, no user agent, POST',
      clf('POST /tunnel.jsp?cmd=connect&target=10.0.0.1&port=22 HTTP/1.1', 200, '-', '-'),
      'Webshell ReGeorg Detection Via Web Logs',
    ],
    [
      'empty user agent (proxy rule, c-useragent)',
      clf('GET /payload HTTP/1.1', 200, ''),
      'HTTP Request With Empty User Agent',
    ],
  ];
  for (const [what, line, title] of cases) {
    it(`${what} → ${title}`, () => {
      const t = titles(parseCombined, line);
      assert.ok(
        t.some((x) => x.toLowerCase() === title.toLowerCase()),
        `expected "${title}" among [${t.join(' | ')}]`,
      );
    });
  }

  it('a 404 with SQL keywords is filtered out by the rule (sc-status is a number)', () => {
    const t = titles(parseCombined, clf('GET /items?id=1%20UNION%20SELECT%201 HTTP/1.1', 404));
    assert.ok(!t.includes('SQL Injection Strings In URI'), t.join(' | '));
  });

  it('ordinary traffic matches nothing', () => {
    for (const line of [
      clf(
        'GET /docs/getting-started HTTP/1.1',
        200,
        'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
        'https://www.example.com/',
      ),
      clf('POST /mcp HTTP/1.1', 200, 'claude-code/1.0.31'),
      clf('GET /health HTTP/1.1', 200, 'kube-probe/1.29'),
    ])
      assert.deepEqual(titles(parseCombined, line), [], line);
  });

  it('works the same from JSON formats: Caddy and the mcpward audit log', () => {
    const caddy = JSON.stringify({
      logger: 'http.log.access',
      ts: 1767607201.5,
      request: {
        client_ip: '198.51.100.7',
        method: 'POST',
        host: 'bigip.example',
        uri: '/mgmt/tm/util/bash',
        proto: 'HTTP/1.1',
        headers: { 'User-Agent': ['curl/8.5.0'] },
      },
      status: 200,
      size: 10,
      duration: 0.01,
    });
    assert.ok(
      titles(parseCaddy, caddy).includes('F5 BIG-IP iControl Rest API Command Execution - Webserver'),
    );
    const audit = formatAuditRecord({
      'x-mcpward-action': 'blocked',
      'c-ip': '198.51.100.7',
      'cs-method': 'GET',
      'cs-uri-query': '/static/../../../etc/shadow?token=abc',
      'sc-status': 403,
      'cs-user-agent': 'Nikto/2.5.0',
    }).trimEnd();
    const t = titles(parseAuditLine, audit);
    assert.ok(t.includes('Path Traversal Exploitation Attempts'), t.join(' | '));
    assert.ok(t.includes('Suspicious User-Agents Related To Recon Tools'), t.join(' | '));
  });
});
