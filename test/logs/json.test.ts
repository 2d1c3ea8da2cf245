import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  jsonFlavorOf,
  LineError,
  parseCaddy,
  parseEnvoy,
  parseJson,
  parseSigmaJson,
  parseTraefik,
} from '../../src/logs/index.js';
import { fixtureLines, ok } from '../helpers/log-fixtures.js';

describe('JSON access logs', () => {
  it('Caddy: client_ip over remote_ip, headers, seconds → ms, ts', () => {
    const e = ok(parseCaddy, fixtureLines('caddy.log')[0]!);
    assert.equal(e['c-ip'], '203.0.113.50');
    assert.equal(e['cs-method'], 'GET');
    assert.equal(e['cs-host'], 'mcp.example.com');
    assert.equal(e['cs-uri-query'], '/api/version?verbose=1');
    assert.equal(e['cs-uri-stem'], '/api/version');
    assert.equal(e['cs-version'], 'HTTP/2.0');
    assert.equal(e['cs-user-agent'], 'Go-http-client/2.0');
    assert.equal(e['cs-referer'], 'https://mcp.example.com/');
    assert.equal(e['cs-x-forwarded-for'], '203.0.113.50');
    assert.equal(e['cs-accept'], '*/*');
    assert.equal(e['sc-status'], 200);
    assert.equal(e['sc-bytes'], 58);
    assert.equal(e['cs-bytes'], 0);
    assert.equal(e['time-taken'], 0.93);
    assert.equal(e['cs-username'], undefined);
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 1, 524));
  });

  it('Traefik: Client*/Request*/Downstream*, ns durations, request_<Header>', () => {
    const e = ok(parseTraefik, fixtureLines('traefik.log')[0]!);
    assert.equal(e['c-ip'], '203.0.113.51');
    assert.equal(e['cs-username'], undefined);
    assert.equal(e['cs-method'], 'GET');
    assert.equal(e['cs-uri-query'], '/status?full=true');
    assert.equal(e['cs-uri-stem'], '/status');
    assert.equal(e['cs-version'], 'HTTP/1.1');
    assert.equal(e['cs-host'], 'mcp.example.com');
    assert.equal(e['sc-status'], 200);
    assert.equal(e['sc-bytes'], 19);
    assert.equal(e['cs-bytes'], 0);
    assert.equal(e['time-taken'], 2.374);
    assert.equal(e['cs-user-agent'], 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)');
    assert.equal(e['cs-referer'], 'https://mcp.example.com/');
    assert.equal(e['sc-content-type'], 'application/json');
    assert.equal(e['x-router'], 'mcp@docker');
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 2, 123));
  });

  it('Envoy: json_format keys, address without port, duration in ms', () => {
    const e = ok(parseEnvoy, fixtureLines('envoy.log')[0]!);
    assert.equal(e['c-ip'], '198.51.100.52');
    assert.equal(e['cs-x-forwarded-for'], '203.0.113.52');
    assert.equal(e['cs-method'], 'POST');
    assert.equal(e['cs-uri-query'], '/mcp?session=1');
    assert.equal(e['cs-uri-stem'], '/mcp');
    assert.equal(e['cs-version'], 'HTTP/1.1');
    assert.equal(e['cs-host'], 'mcp.example.com');
    assert.equal(e['sc-status'], 200);
    assert.equal(e['sc-bytes'], 412);
    assert.equal(e['cs-bytes'], 187);
    assert.equal(e['time-taken'], 12);
    assert.equal(e['cs-user-agent'], 'claude-code/1.0.31');
    assert.equal(e['upstream-addr'], '10.0.0.5:8080');
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 3, 456));
    const noResponse = ok(parseEnvoy, '{"method":"GET","path":"/x","response_code":0,"duration":"5"}');
    assert.equal(noResponse['sc-status'], undefined, 'response_code 0 means no response was sent');
  });

  it('nginx escape=json without its format: key heuristics (json_analytics fixture)', () => {
    const e = ok(parseJson, fixtureLines('nginx-json.log')[0]!);
    assert.equal(e['c-ip'], '203.0.113.53');
    assert.equal(e['cs-username'], undefined);
    assert.equal(e['cs-method'], 'GET');
    assert.equal(e['cs-uri-query'], '/info?x=%22a%22');
    assert.equal(e['sc-status'], 200);
    assert.equal(e['sc-bytes'], 77);
    assert.equal(e['cs-bytes'], 312);
    assert.equal(e['cs-user-agent'], 'curl/8.5.0 "x"');
    assert.equal(e['cs-host'], 'mcp.example.com');
    assert.equal(e['time-taken'], 4);
    assert.equal(e['cs-version'], 'HTTP/1.1');
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 4, 789));
  });

  it('ECS-style nested keys map too', () => {
    const e = ok(
      parseJson,
      JSON.stringify({
        '@timestamp': '2026-01-05T10:00:09.000Z',
        source: { ip: '192.0.2.99' },
        http: {
          request: { method: 'GET' },
          response: { status_code: 404, body: { bytes: 12 } },
          version: '1.1',
        },
        url: { original: '/version?x=1' },
        user_agent: { original: 'zgrab/0.x' },
        event: { duration: 2_500_000 },
      }),
    );
    assert.equal(e['c-ip'], '192.0.2.99');
    assert.equal(e['cs-method'], 'GET');
    assert.equal(e['cs-uri-query'], '/version?x=1');
    assert.equal(e['sc-status'], 404);
    assert.equal(e['sc-bytes'], 12);
    assert.equal(e['cs-version'], 'HTTP/1.1');
    assert.equal(e['cs-user-agent'], 'zgrab/0.x');
    assert.equal(e['time-taken'], 2.5);
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 9));
  });

  it('lines already keyed by Sigma names: W3C cs-uri-stem + cs-uri-query join into the full target', () => {
    const e = ok(parseSigmaJson, fixtureLines('sigma.log')[0]!);
    assert.equal(e['cs-uri-query'], '/api/version?v=2');
    assert.equal(e['cs-uri-stem'], '/api/version');
    assert.equal(e['c-uri'], '/api/version?v=2');
    assert.equal(e['c-ip'], '203.0.113.56');
    assert.equal(e['c-useragent'], 'zgrab/0.x');
    assert.equal(e['sc-status'], 200);
    assert.equal(e['time-taken'], 3);
    assert.equal(e['s-ip'], '10.0.0.8', 'other scalar keys are kept verbatim');
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 6));
  });

  it('recognises the flavour of each line', () => {
    const flavor = (name: string) => jsonFlavorOf(JSON.parse(fixtureLines(name)[0]!));
    assert.equal(flavor('caddy.log'), 'caddy');
    assert.equal(flavor('traefik.log'), 'traefik');
    assert.equal(flavor('envoy.log'), 'envoy');
    assert.equal(flavor('sigma.log'), 'sigma-json');
    assert.equal(flavor('mcpward-audit.log'), 'mcpward');
    assert.equal(flavor('nginx-json.log'), 'json');
    // `json` dispatches per line, so a mixed file still parses.
    assert.equal(ok(parseJson, fixtureLines('caddy.log')[0]!)['c-ip'], '203.0.113.50');
  });

  it('rejects non-JSON, truncated JSON and objects without request fields', () => {
    const line = fixtureLines('caddy.log')[0]!;
    for (const bad of [line.slice(0, 80), 'not json', '[1,2]', '{"level":"info","msg":"started"}']) {
      const r = parseJson(bad);
      assert.ok(r instanceof LineError, bad);
      assert.ok(r.reason.length > 5);
    }
  });
});
