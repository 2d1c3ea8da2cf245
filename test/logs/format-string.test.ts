import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileApacheFormat,
  compileFormatString,
  compileNginxFormat,
  LineError,
  parseVhostCombined,
  resolveFormat,
} from '../../src/logs/index.js';
import { UserError } from '../../src/util/errors.js';
import { fixtureLines, ok } from '../helpers/log-fixtures.js';

const NGINX_CUSTOM = `'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $host'`;

describe('nginx log_format', () => {
  it('compiles the format string once and maps every variable (custom format fixture)', () => {
    const f = compileNginxFormat(NGINX_CUSTOM);
    assert.equal(f.shape, 'text');
    assert.deepEqual(f.ignored, []);
    const [l1, l2] = fixtureLines('nginx-custom.log');
    const a = ok(f.parse, l1!);
    assert.equal(a['c-ip'], '192.0.2.30');
    assert.equal(a['cs-method'], 'GET');
    assert.equal(a['cs-uri-query'], '/version');
    assert.equal(a['sc-status'], 200);
    assert.equal(a['sc-bytes'], 58);
    assert.equal(a['cs-referer'], undefined);
    assert.equal(a['cs-user-agent'], 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)');
    assert.equal(a['time-taken'], 2, '$request_time is seconds; time-taken is ms');
    assert.equal(a['cs-host'], 'mcp.example.com');
    assert.equal(a._time, Date.UTC(2026, 0, 5, 10, 0, 1));
    const b = ok(f.parse, l2!);
    assert.equal(b['cs-username'], 'bob');
    assert.equal(b['cs-method'], 'POST');
    assert.equal(b['cs-referer'], 'https://app.example.com/chat');
    assert.equal(b['time-taken'], 1250);
    assert.equal(b['cs-host'], 'api.example.com');
  });

  it('accepts the whole directive with several quoted parts, and the bare string', () => {
    const directive = `log_format timed escape=default '$remote_addr - $remote_user [$time_local] "$request" '\n    '$status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $host';`;
    const line = fixtureLines('nginx-custom.log')[0]!;
    const viaDirective = ok(compileFormatString(directive).parse, line);
    const bare = ok(compileFormatString(NGINX_CUSTOM.slice(1, -1)).parse, line);
    assert.deepEqual(viaDirective, bare);
    assert.equal(bare['cs-host'], 'mcp.example.com');
  });

  it('splits adjacent variables by their shape ($scheme://$host$uri$is_args$args)', () => {
    const f = compileNginxFormat(
      '$remote_addr [$time_local] "$request_method $scheme://$host$uri$is_args$args $server_protocol" $status $bytes_sent $request_length $http_x_forwarded_for $upstream_addr $msec',
    );
    const e = ok(
      f.parse,
      '192.0.2.9 [05/Jan/2026:10:00:01 +0000] "GET https://mcp.example.com/api/version?x=1 HTTP/1.1" 200 321 88 203.0.113.1, 10.0.0.1 10.0.0.5:8080 1767607201.250',
    );
    assert.equal(e['cs-method'], 'GET');
    assert.equal(e['cs-host'], 'mcp.example.com');
    assert.equal(e['cs-scheme'], 'https');
    assert.equal(e['cs-uri-stem'], '/api/version');
    assert.equal(e['cs-uri-query'], '/api/version?x=1');
    assert.equal(e['cs-version'], 'HTTP/1.1');
    assert.equal(e['sc-bytes'], 321);
    assert.equal(e['cs-bytes'], 88);
    assert.equal(e['cs-x-forwarded-for'], '203.0.113.1, 10.0.0.1');
    assert.equal(e['upstream-addr'], '10.0.0.5:8080');
    // $time_local and $msec both give the time; $msec is more precise and wins.
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 1, 250));
  });

  it('uses $msec / $time_iso8601 for the time, and ignores unknown variables', () => {
    const f = compileNginxFormat('$msec $remote_addr $connection $ssl_cipher "$request" $status');
    assert.deepEqual(f.ignored, ['$connection', '$ssl_cipher']);
    const e = ok(f.parse, '1767607201.250 192.0.2.9 77 TLS_AES_128_GCM_SHA256 "GET /x HTTP/1.1" 200');
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 1, 250));
    assert.equal(e['c-ip'], '192.0.2.9');
    const g = compileNginxFormat('$time_iso8601 $remote_addr "$request" $status');
    assert.equal(
      ok(g.parse, '2026-01-05T11:00:01+01:00 ::1 "GET / HTTP/1.1" 200')._time,
      Date.UTC(2026, 0, 5, 10, 0, 1),
    );
  });

  it('reads escape=json templates as a key → variable map (json_analytics fixture)', () => {
    const f = compileNginxFormat(
      `log_format json_analytics escape=json '{"msec": "$msec", "connection": "$connection", "request_length": "$request_length", "remote_addr": "$remote_addr", "remote_user": "$remote_user", "request": "$request", "request_uri": "$request_uri", "args": "$args", "status": "$status", "body_bytes_sent": "$body_bytes_sent", "http_referer": "$http_referer", "http_user_agent": "$http_user_agent", "http_x_forwarded_for": "$http_x_forwarded_for", "http_host": "$http_host", "server_name": "$server_name", "request_time": "$request_time", "upstream_response_time": "$upstream_response_time", "scheme": "$scheme", "request_method": "$request_method", "server_protocol": "$server_protocol"}';`,
    );
    assert.equal(f.shape, 'json');
    const e = ok(f.parse, fixtureLines('nginx-json.log')[0]!);
    assert.equal(e['c-ip'], '203.0.113.53');
    assert.equal(e['cs-method'], 'GET');
    assert.equal(e['cs-uri-query'], '/info?x=%22a%22');
    assert.equal(e['cs-uri-stem'], '/info');
    assert.equal(e['sc-status'], 200);
    assert.equal(e['sc-bytes'], 77);
    assert.equal(e['cs-bytes'], 312);
    assert.equal(e['cs-user-agent'], 'curl/8.5.0 "x"');
    assert.equal(e['cs-host'], 'mcp.example.com');
    assert.equal(e['time-taken'], 4);
    assert.equal(e['cs-version'], 'HTTP/1.1');
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 4, 789));
    assert.ok(f.parse('{"remote_addr": "1.2.3.4", "status"') instanceof LineError);
  });

  it('says where a line departs from the format', () => {
    const f = compileNginxFormat(NGINX_CUSTOM);
    const r = f.parse(
      '192.0.2.30 - - [05/Jan/2026:10:00:01 +0000] "GET /version HTTP/1.1" 200 58 "-" "curl/8" 0.002',
    );
    assert.ok(r instanceof LineError);
    assert.match(r.reason, /expected " " at column 94/);
    const r2 = f.parse('garbage');
    assert.ok(r2 instanceof LineError);
    assert.match(r2.reason, /expected \$remote_addr|expected " - "/);
  });
});

describe('Apache LogFormat', () => {
  it('maps %h %u %t %r %>s %b %{Referer}i %{User-Agent}i %D %{Host}i (custom format fixture)', () => {
    const f = compileFormatString(
      '%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\" %D %{Host}i',
    );
    assert.equal(f.flavor, 'apache');
    const [l1, l2] = fixtureLines('apache-custom.log');
    const a = ok(f.parse, l1!);
    assert.equal(a['c-ip'], '192.0.2.40');
    assert.equal(a['cs-uri-query'], '/server-info?auto');
    assert.equal(a['cs-uri-stem'], '/server-info');
    assert.equal(a['sc-status'], 403);
    assert.equal(a['sc-bytes'], 199);
    assert.equal(a['time-taken'], 1.45, '%D is microseconds');
    assert.equal(a['cs-host'], 'mcp.example.com');
    assert.equal(
      a['cs-user-agent'],
      'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)',
    );
    assert.equal(a._time, Date.UTC(2026, 0, 5, 10, 0, 1));
    const b = ok(f.parse, l2!);
    assert.equal(b['cs-uri-query'], '/a"b', 'Apache escapes " as \\"');
    assert.equal(b['cs-user-agent'], 'sqlmap/1.8 ("quoted")');
  });

  it('reads the whole LogFormat directive; vhost_combined gives what the fast path gives', () => {
    const f = compileApacheFormat(
      'LogFormat "%v:%p %h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" vhost_combined',
    );
    for (const line of fixtureLines('vhost_combined.log')) {
      const viaFormat = ok(f.parse, line);
      const fast = ok(parseVhostCombined, line);
      for (const k of [
        'c-ip',
        'cs-host',
        's-port',
        'cs-method',
        'cs-uri-query',
        'sc-status',
        'sc-bytes',
        'cs-user-agent',
        'cs-referer',
        '_time',
      ])
        assert.deepEqual(viaFormat[k], fast[k], k);
    }
  });

  it('prefers %a over %h, combines %U%q, reads %T and %{msec}t', () => {
    const f = compileApacheFormat('%h %a %{msec}t "%m %U%q %H" %>s %B %I %T');
    const e = ok(f.parse, 'proxy.local 192.0.2.50 1767607201250 "GET /x?y=1 HTTP/1.1" 200 5 120 2');
    assert.equal(e['c-ip'], '192.0.2.50');
    assert.equal(e['cs-uri-query'], '/x?y=1');
    assert.equal(e['cs-uri-stem'], '/x');
    assert.equal(e['cs-bytes'], 120);
    assert.equal(e['time-taken'], 2000);
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 1, 250));
  });
});

describe('--log-format resolution', () => {
  it('knows auto, names and format strings; bad values are UserErrors naming the flag', () => {
    assert.deepEqual(resolveFormat('auto'), { kind: 'auto' });
    const named = resolveFormat('caddy');
    assert.equal(named.kind === 'fixed' && named.name, 'caddy');
    const custom = resolveFormat('$remote_addr "$request" $status');
    assert.equal(custom.kind === 'fixed' && custom.name.startsWith('nginx:'), true);
    assert.throws(
      () => resolveFormat('nginx-fancy'),
      (e: unknown) =>
        e instanceof UserError && /unknown log format/.test(e.message) && e.where === '--log-format',
    );
    assert.throws(() => compileFormatString('just text'), UserError);
    assert.throws(() => compileNginxFormat("'$remote_addr"), /unterminated/);
    assert.throws(() => compileApacheFormat('%h %{Referer'), /unterminated %\{/);
  });
});
