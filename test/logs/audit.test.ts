import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AuditFields,
  formatAuditRecord,
  isSecretParam,
  LineError,
  parseAuditLine,
  redactQuery,
} from '../../src/logs/index.js';
import { fixtureLines, ok } from '../helpers/log-fixtures.js';

const base: AuditFields = {
  '@timestamp': Date.UTC(2026, 0, 5, 10, 0, 7, 250),
  'x-mcpward-action': 'blocked',
  'x-mcpward-rule': 'version-endpoint',
  'c-ip': '203.0.113.57',
  'cs-method': 'GET',
  'cs-uri-query': '/version',
  'cs-version': 'HTTP/1.1',
  'cs-host': 'mcp.example.com',
  'sc-status': 404,
  'sc-bytes': 0,
  'time-taken': 0.4,
  'cs-user-agent': 'curl/8.5.0',
};

describe('mcpward audit log', () => {
  it('writes one JSON line keyed by Sigma field names, @timestamp first', () => {
    const line = formatAuditRecord(base);
    assert.ok(line.endsWith('\n'));
    assert.equal(line.indexOf('\n'), line.length - 1, 'exactly one line');
    const obj = JSON.parse(line);
    assert.equal(Object.keys(obj)[0], '@timestamp');
    assert.equal(obj['@timestamp'], '2026-01-05T10:00:07.250Z');
    assert.equal(obj['x-mcpward-action'], 'blocked');
    assert.equal(obj['x-mcpward-rule'], 'version-endpoint');
    assert.equal(obj['c-ip'], '203.0.113.57');
    assert.equal(obj['sc-status'], 404);
    assert.equal(obj['c-uri'], undefined, 'aliases are derived on read, not written');
  });

  it('reads back into a full webserver event (round trip), keeping the x-mcpward-* and mcp-* fields', () => {
    const line = formatAuditRecord({ ...base, 'mcp-method': 'initialize', 'cs-uri-query': '/mcp?x=1' });
    const e = ok(parseAuditLine, line.trimEnd());
    assert.equal(e['c-ip'], '203.0.113.57');
    assert.equal(e['cs-method'], 'GET');
    assert.equal(e['cs-uri-query'], '/mcp?x=1');
    assert.equal(e['cs-uri-stem'], '/mcp');
    assert.equal(e['c-uri'], '/mcp?x=1');
    assert.equal(e['cs-version'], 'HTTP/1.1');
    assert.equal(e['cs-host'], 'mcp.example.com');
    assert.equal(e['sc-status'], 404);
    assert.equal(e['sc-bytes'], 0);
    assert.equal(e['time-taken'], 0.4);
    assert.equal(e['cs-user-agent'], 'curl/8.5.0');
    assert.equal(e['c-useragent'], 'curl/8.5.0');
    assert.equal(e['x-mcpward-action'], 'blocked');
    assert.equal(e['x-mcpward-rule'], 'version-endpoint');
    assert.equal(e['mcp-method'], 'initialize');
    assert.equal(e._time, Date.UTC(2026, 0, 5, 10, 0, 7, 250));
  });

  it('parses the audit fixture', () => {
    const [a, b] = fixtureLines('mcpward-audit.log');
    const e = ok(parseAuditLine, a!);
    assert.equal(e['x-mcpward-action'], 'blocked');
    assert.equal(e['cs-uri-stem'], '/version');
    const f = ok(parseAuditLine, b!);
    assert.equal(f['x-mcpward-action'], 'rewritten');
    assert.equal(f['mcp-method'], 'initialize');
    assert.equal(f['cs-method'], 'POST');
    const notAudit = parseAuditLine(fixtureLines('sigma.log')[0]!);
    assert.ok(notAudit instanceof LineError);
  });

  it('never contains secrets: drops credential headers, redacts token-like parameters and bearer/JWT strings', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA';
    const secrets = [
      'tok-111',
      'at-222',
      'ak-333',
      'k-444',
      'pw-555',
      'sec-666',
      'sig-777',
      'sess-888',
      'cs-999',
      'amzsig-000',
      'bearer-abcdef123',
      'cookie-value-1',
      'proxy-basic-xyz',
      'apikey-hdr-1',
      'mcp-session-abc',
      'ref-token-2',
      jwt,
    ];
    const line = formatAuditRecord({
      ...base,
      'cs-uri-query':
        '/sse?token=tok-111&access_token=at-222&api_key=ak-333&key=k-444&password=pw-555&secret=sec-666&sig=sig-777&sessionId=sess-888&client_secret=cs-999&X-Amz-Signature=amzsig-000&page=2&q=hello',
      'cs-referer': 'https://app.example.com/cb?refresh_token=ref-token-2&lang=en',
      'cs-authorization': 'Bearer bearer-abcdef123',
      'cs-cookie': 'session=cookie-value-1',
      'cs-proxy-authorization': 'Basic proxy-basic-xyz',
      'cs-x-api-key': 'apikey-hdr-1',
      'cs-mcp-session-id': 'mcp-session-abc',
      'cs-user-agent': `agent/1.0 Bearer bearer-abcdef123`,
      'x-mcpward-reason': `token in body: ${jwt}`,
    });
    for (const s of secrets) assert.ok(!line.includes(s), `leaked ${s}: ${line}`);
    const obj = JSON.parse(line);
    assert.equal(
      obj['cs-uri-query'],
      '/sse?token=REDACTED&access_token=REDACTED&api_key=REDACTED&key=REDACTED&password=REDACTED&secret=REDACTED&sig=REDACTED&sessionId=REDACTED&client_secret=REDACTED&X-Amz-Signature=REDACTED&page=2&q=hello',
    );
    assert.equal(obj['cs-referer'], 'https://app.example.com/cb?refresh_token=REDACTED&lang=en');
    for (const k of [
      'cs-authorization',
      'cs-cookie',
      'cs-proxy-authorization',
      'cs-x-api-key',
      'cs-mcp-session-id',
    ])
      assert.equal(k in obj, false, k);
    assert.equal(obj['cs-user-agent'], 'agent/1.0 Bearer REDACTED');
    assert.equal(obj['x-mcpward-reason'], 'token in body: REDACTED');
  });

  it('classifies parameter names, and leaves ordinary queries alone', () => {
    for (const n of [
      'token',
      'Access_Token',
      'api-key',
      'apikey',
      'KEY',
      'passwd',
      'x-amz-security-token',
      'client_secret',
      'sig',
    ])
      assert.ok(isSecretParam(n), n);
    for (const n of ['page', 'q', 'keyword', 'monkey', 'id', 'sort', 'signal'])
      assert.ok(!isSecretParam(n), n);
    assert.equal(redactQuery('/x?page=1&q=a'), '/x?page=1&q=a');
    assert.equal(redactQuery('/x'), '/x');
    assert.equal(redactQuery('/x?token'), '/x?token', 'a bare name carries no value');
    assert.equal(redactQuery('/x?a=1;token=t#frag'), '/x?a=1;token=REDACTED#frag');
  });

  it('refuses an unknown action (a guard bug, not user input)', () => {
    assert.throws(() => formatAuditRecord({ ...base, 'x-mcpward-action': 'maybe' as 'allowed' }), TypeError);
  });
});
