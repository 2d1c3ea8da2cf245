import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LineError,
  type LineParser,
  parseCombined,
  parseCommon,
  parseVhostCombined,
} from '../../src/logs/index.js';
import { fixtureLines, ok } from '../helpers/log-fixtures.js';

function reason(parse: LineParser, line: string): string {
  const r = parse(line);
  assert.ok(r instanceof LineError, `expected a parse error for ${line}`);
  return r.reason;
}

describe('combined (nginx / Apache default)', () => {
  const lines = fixtureLines('combined.log');

  it('maps a browser request field by field', () => {
    const e = ok(parseCombined, lines[0]!);
    assert.equal(e['c-ip'], '192.0.2.10');
    assert.equal(e.src_ip, '192.0.2.10');
    assert.equal(e['cs-username'], undefined);
    assert.equal(e['cs-method'], 'GET');
    assert.equal(e['cs-uri-stem'], '/docs/getting-started');
    assert.equal(e['cs-uri-query'], '/docs/getting-started');
    assert.equal(e['cs-uri'], '/docs/getting-started');
    assert.equal(e['c-uri'], '/docs/getting-started');
    assert.equal(e['cs-version'], 'HTTP/1.1');
    assert.equal(e['sc-status'], 200);
    assert.equal(e['sc-bytes'], 5120);
    assert.equal(e['cs-bytes'], undefined);
    assert.equal(e['cs-referer'], 'https://www.example.com/');
    assert.equal(e['cs-referrer'], 'https://www.example.com/');
    assert.equal(
      e['cs-user-agent'],
      'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    );
    assert.equal(e['c-useragent'], e['cs-user-agent']);
    assert.equal(e['cs-host'], undefined);
    assert.equal(e['time-taken'], undefined);
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 1));
    assert.equal(e._raw, lines[0]);
    assert.equal(e._source, 'f.log');
    assert.equal(e._line, 7);
    assert.equal(e._offset, 99);
  });

  it('keeps path + query in cs-uri-query, the path alone in cs-uri-stem; user; time zone applied', () => {
    const e = ok(parseCombined, lines[1]!);
    assert.equal(e['cs-uri-query'], '/api/version?verbose=1');
    assert.equal(e['cs-uri-stem'], '/api/version');
    assert.equal(e['c-uri-stem'], '/api/version');
    assert.equal(e['cs-username'], 'alice');
    assert.equal(e['sc-status'], 404);
    // "-" means the client sent no Referer: absent, so Sigma `cs-referer: null` matches.
    assert.equal(e['cs-referer'], undefined);
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 2), '+0100 is subtracted');
  });

  it('tells an empty User-Agent ("") from a missing one ("-")', () => {
    assert.equal(ok(parseCombined, lines[2]!)['cs-user-agent'], '');
    assert.equal(ok(parseCombined, lines[4]!)['cs-user-agent'], undefined);
  });

  it('unescapes nginx \\xHH escapes; IPv6 clients', () => {
    const e = ok(parseCombined, lines[3]!);
    assert.equal(e['c-ip'], '2001:db8::1');
    assert.equal(e['cs-uri-query'], '/search?q="quoted"');
    assert.equal(e['cs-version'], 'HTTP/2.0');
  });

  it('keeps a garbage request line (TLS to a plain port) as an event without method or URI', () => {
    const e = ok(parseCombined, lines[4]!);
    assert.equal(e['sc-status'], 400);
    assert.equal(e['cs-method'], undefined);
    assert.equal(e['cs-uri-query'], undefined);
    assert.equal(e['c-ip'], '10.1.2.3');
  });

  it('derives c-uri-extension from the last path segment only', () => {
    const line = (path: string) =>
      `1.2.3.4 - - [05/Jan/2026:10:00:01 +0000] "GET ${path} HTTP/1.1" 200 1 "-" "-"`;
    assert.equal(ok(parseCombined, line('/dl/setup.exe?x=1.zip'))['c-uri-extension'], 'exe');
    assert.equal(ok(parseCombined, line('/v1.2/file'))['c-uri-extension'], undefined);
    assert.equal(ok(parseCombined, line('/.git/config'))['c-uri-extension'], undefined);
    assert.equal(ok(parseCombined, line('/'))['c-uri-extension'], undefined);
    assert.equal(ok(parseCombined, line('http://dl.example/a/b.zip'))['c-uri-extension'], 'zip');
    assert.equal(ok(parseCombined, line('host.example:443'))['c-uri-extension'], undefined);
  });

  it('accepts Apache \\" escapes inside quoted fields', () => {
    const e = ok(
      parseCombined,
      '1.2.3.4 - - [05/Jan/2026:10:00:01 +0000] "GET /a\\"b HTTP/1.1" 404 9 "-" "sqlmap/1.8 (\\"x\\")"',
    );
    assert.equal(e['cs-uri-query'], '/a"b');
    assert.equal(e['cs-user-agent'], 'sqlmap/1.8 ("x")');
  });

  it('ignores fields after the user agent (nginx "main", Traefik CLF)', () => {
    const e = ok(parseCombined, `${lines[0]} "203.0.113.9" 12 "router@docker" "http://10.0.0.2:80" 3ms`);
    assert.equal(e['sc-status'], 200);
    assert.equal(
      e['cs-user-agent'],
      'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    );
  });

  it('rejects truncated and malformed lines with a reason and a column', () => {
    assert.match(reason(parseCombined, lines[0]!.slice(0, 70)), /closing the request .*column 46/);
    const l0 = lines[0]!;
    assert.match(reason(parseCombined, l0.slice(0, l0.indexOf('"https') + 5)), /closing the referer/);
    assert.match(reason(parseCombined, l0.slice(0, l0.indexOf('"Mozilla') + 5)), /closing the user agent/);
    assert.match(reason(parseCombined, '1.2.3.4 - - [yesterday] "GET / HTTP/1.1" 200 1'), /bad time/);
    assert.match(
      reason(parseCombined, '1.2.3.4 - - [05/Jan/2026:10:00:01 +0000] "GET / HTTP/1.1" OK 1'),
      /status/,
    );
    assert.match(
      reason(parseCombined, '1.2.3.4 - - [05/Jan/2026:10:00:01 +0000] "GET / HTTP/1.1" 200'),
      /byte count/,
    );
    assert.match(reason(parseCombined, 'hello world'), /ident, user and '\[time\]'/);
    assert.match(reason(parseCombined, ''), /client address/);
  });
});

describe('common', () => {
  const lines = fixtureLines('common.log');
  it('parses without referer or user agent; "-" bytes are 0', () => {
    const a = ok(parseCommon, lines[0]!);
    assert.equal(a['c-ip'], '192.0.2.11');
    assert.equal(a['cs-uri-query'], '/index.html');
    assert.equal(a['c-uri-extension'], 'html');
    assert.equal(a['cs-version'], 'HTTP/1.0');
    assert.equal(a['sc-bytes'], 2326);
    assert.equal(a['cs-user-agent'], undefined);
    assert.equal(a['cs-referer'], undefined);
    const b = ok(parseCommon, lines[1]!);
    assert.equal(b['cs-username'], 'frank');
    assert.equal(b['sc-status'], 304);
    assert.equal(b['sc-bytes'], 0);
  });
});

describe('vhost_combined (Apache)', () => {
  const lines = fixtureLines('vhost_combined.log');
  it('puts the virtual host in cs-host and the port in s-port', () => {
    const e = ok(parseVhostCombined, lines[0]!);
    assert.equal(e['cs-host'], 'mcp.example.com');
    assert.equal(e['s-port'], 443);
    assert.equal(e['c-ip'], '192.0.2.20');
    assert.equal(e['cs-uri-query'], '/status');
    assert.equal(e['sc-status'], 200);
    assert.equal(e['sc-bytes'], 611);
    assert.equal(e['cs-user-agent'], 'Mozilla/5.0 zgrab/0.x');
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 1));
    const f = ok(parseVhostCombined, lines[1]!);
    assert.equal(f['cs-host'], 'www.example.com');
    assert.equal(f['s-port'], 80);
    assert.equal(f['c-ip'], '2001:db8::20');
    assert.equal(f['cs-referer'], 'https://www.example.com/');
  });
  it('rejects a plain combined line', () => {
    assert.match(reason(parseVhostCombined, fixtureLines('combined.log')[0]!), /vhost:port/);
  });
});
