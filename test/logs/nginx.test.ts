/**
 * The parsers against lines a real nginx wrote: the default `combined` format, a custom `log_format`
 * and an `escape=json` template, for requests sent over real sockets.
 */

import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { compileNginxFormat, readAllEvents, type WebserverEvent } from '../../src/logs/index.js';
import { type NginxServer, startNginx } from '../helpers/nginx.js';

const TIMED =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $host';
const JSON_FORMAT = `log_format jsonl escape=json '{"ts":"$time_iso8601","remote_addr":"$remote_addr","request_method":"$request_method","request_uri":"$request_uri","server_protocol":"$server_protocol","status":$status,"body_bytes_sent":$body_bytes_sent,"request_length":$request_length,"request_time":$request_time,"http_user_agent":"$http_user_agent","http_referer":"$http_referer","host":"$host"}';`;
const NUCLEI = 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)';

function raw(port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.end(text));
    s.on('data', () => {});
    s.once('error', reject);
    s.once('close', () => resolve());
  });
}

describe('real nginx access logs', () => {
  let ngx: NginxServer;
  let t0 = 0;
  let t1 = 0;

  before(async () => {
    ngx = await startNginx({
      logFormats: { timed: TIMED },
      rawLogFormats: [JSON_FORMAT],
      accessLogs: { 'access.log': 'combined', 'timed.log': 'timed', 'json.log': 'jsonl' },
      locations: `    location = /version { default_type application/json; return 200 '{"version":"1.4.2"}'; }
    location = /missing { return 404; }`,
    });
    t0 = Date.now() - 1000;
    const get = async (path: string, headers: Record<string, string>, method = 'GET', body?: string) => {
      const res = await request(`${ngx.url}${path}`, { method, headers, body });
      await res.body.text();
    };
    await get('/version', { 'user-agent': NUCLEI });
    await get('/api/version?verbose=1&id=7', {
      'user-agent': 'python-requests/2.31.0',
      referer: 'https://app.example.test/page',
      host: 'mcp.example.test',
    });
    await get(
      '/mcp',
      { 'user-agent': 'claude-code/1.0.31', 'content-type': 'application/json' },
      'POST',
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}',
    );
    await get('/missing', { 'user-agent': '' });
    await raw(ngx.port, 'GET /search?q="x" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await raw(ngx.port, 'HEAD /status HTTP/1.0\r\n\r\n');
    // Graceful stop: nginx has written every access-log line when it exits.
    await ngx.stop();
    t1 = Date.now() + 1000;
  });
  after(() => ngx?.dispose());

  /** `absent`: what a missing header looks like (`-` in text formats; escape=json logs it as ""). */
  function checkCommon(events: WebserverEvent[], absent: string | undefined = undefined): void {
    assert.equal(events.length, 6);
    for (const e of events) {
      assert.equal(e['c-ip'], '127.0.0.1');
      assert.ok(e._time! >= t0 && e._time! <= t1, `time ${e._time} within the test run`);
    }
    const [v, api, mcp, missing, search, head] = events as [WebserverEvent, ...WebserverEvent[]];
    assert.equal(v['cs-method'], 'GET');
    assert.equal(v['cs-uri-query'], '/version');
    assert.equal(v['sc-status'], 200);
    assert.equal(v['sc-bytes'], '{"version":"1.4.2"}'.length);
    assert.equal(v['cs-user-agent'], NUCLEI);
    assert.equal(v['cs-version'], 'HTTP/1.1');
    assert.equal(api!['cs-uri-query'], '/api/version?verbose=1&id=7');
    assert.equal(api!['cs-uri-stem'], '/api/version');
    assert.equal(api!['cs-referer'], 'https://app.example.test/page');
    assert.equal(api!['cs-user-agent'], 'python-requests/2.31.0');
    assert.equal(mcp!['cs-method'], 'POST');
    assert.equal(mcp!['cs-uri-query'], '/mcp');
    assert.equal(mcp!['cs-user-agent'], 'claude-code/1.0.31');
    assert.equal(missing!['sc-status'], 404);
    assert.equal(search!['cs-uri-query'], '/search?q="x"', 'nginx logs " as \\x22; the parser restores it');
    assert.equal(search!['cs-user-agent'], absent, 'no User-Agent sent');
    assert.equal(head!['cs-method'], 'HEAD');
    assert.equal(head!['cs-version'], 'HTTP/1.0');
    assert.equal(head!['cs-uri-stem'], '/status');
  }

  it('default combined format: auto-sniffed and parsed field by field', async () => {
    const { events, stats } = await readAllEvents([ngx.path('access.log')]);
    assert.equal(stats.formats[0]!.format, 'combined');
    assert.equal(stats.skipped, 0);
    checkCommon(events);
    assert.equal(events[3]!['cs-user-agent'], '', 'an empty User-Agent header is logged as ""');
    assert.equal(events[0]!['cs-referer'], undefined);
  });

  it('custom log_format with $request_time and $host, compiled from the format string', async () => {
    const { events, stats } = await readAllEvents([ngx.path('timed.log')], { format: TIMED });
    assert.equal(stats.skipped, 0);
    checkCommon(events);
    assert.equal(events[0]!['cs-host'], '127.0.0.1', '$host is the Host header without its port');
    assert.equal(events[1]!['cs-host'], 'mcp.example.test');
    for (const e of events) assert.equal(typeof e['time-taken'], 'number');
  });

  it('escape=json log_format, via its template and via the JSON key heuristics', async () => {
    const viaTemplate = await readAllEvents([ngx.path('json.log')], { format: JSON_FORMAT });
    assert.equal(viaTemplate.stats.skipped, 0);
    checkCommon(viaTemplate.events, '');
    assert.equal(viaTemplate.events[1]!['cs-host'], 'mcp.example.test');
    assert.equal(viaTemplate.events[2]!['cs-bytes']! > 50, true, 'request_length counts the POST body');
    const auto = await readAllEvents([ngx.path('json.log')]);
    assert.equal(auto.stats.formats[0]!.format, 'json');
    checkCommon(auto.events, '');
    assert.equal(compileNginxFormat(JSON_FORMAT).shape, 'json');
  });
});
