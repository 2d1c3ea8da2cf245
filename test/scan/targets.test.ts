import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dedupe, expandTarget, parseTargetLines } from '../../src/scan/targets.js';
import { UserError } from '../../src/util/errors.js';

const opts = { ports: [3000, 8443] };
const urls = (spec: string) => [...expandTarget(spec, opts)].map((t) => t.url);

describe('targets', () => {
  it('keeps a URL with its path and normalises default ports', () => {
    assert.deepEqual(urls('http://127.0.0.1:8080/custom/mcp'), ['http://127.0.0.1:8080/custom/mcp']);
    assert.deepEqual(urls('https://mcp.example.com/'), ['https://mcp.example.com']);
    assert.deepEqual(urls('http://[::1]:9000'), ['http://[::1]:9000']);
  });

  it('reads host:port, [v6]:port and picks https for 443/8443', () => {
    assert.deepEqual(urls('127.0.0.1:3000'), ['http://127.0.0.1:3000']);
    assert.deepEqual(urls('example.com:8443'), ['https://example.com:8443']);
    assert.deepEqual(urls('[::1]:3000'), ['http://[::1]:3000']);
  });

  it('expands bare hosts on every port', () => {
    assert.deepEqual(urls('localhost'), ['http://localhost:3000', 'https://localhost:8443']);
    assert.deepEqual(urls('::1'), ['http://[::1]:3000', 'https://[::1]:8443']);
  });

  it('expands CIDR ranges without network and broadcast addresses', () => {
    const got = [...expandTarget('127.0.0.0/30', { ports: [80] })].map((t) => t.url);
    assert.deepEqual(got, ['http://127.0.0.1', 'http://127.0.0.2']);
    assert.equal([...expandTarget('127.0.0.9/32', { ports: [80] })].length, 1);
    assert.throws(() => [...expandTarget('10.0.0.0/8', { ports: [80] })], /more than the limit/);
  });

  it('rejects what is not a target with the place it came from', () => {
    for (const bad of ['foo bar', 'ftp://x', 'http://u:p@h', '127.0.0.1:99999', '999.1.1.1/24', 'a/b']) {
      assert.throws(() => [...expandTarget(bad, opts)], UserError, bad);
    }
    const lines = 'http://127.0.0.1:1\n# comment\n\n127.0.0.1:2 # trailing\nnot a target\n';
    assert.throws(
      () => [...parseTargetLines(lines, 'hosts.txt', opts)],
      (e: unknown) =>
        e instanceof UserError &&
        e.oneLine() === 'hosts.txt:5: not a URL, host, host:port or IPv4 CIDR range: "not a target"',
    );
  });

  it('records file and line, and dedupes', () => {
    const got = [...dedupe(parseTargetLines('127.0.0.1:2\nhttp://127.0.0.1:2\n127.0.0.1:3', 'f', opts))];
    assert.deepEqual(
      got.map((t) => [t.url, t.source?.line]),
      [
        ['http://127.0.0.1:2', 1],
        ['http://127.0.0.1:3', 3],
      ],
    );
  });
});
