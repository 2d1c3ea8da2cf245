import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAllEvents, sniffFormat } from '../../src/logs/index.js';
import { fixtureLines, logFixture } from '../helpers/log-fixtures.js';

const EXPECTED: Record<string, string> = {
  'combined.log': 'combined',
  'common.log': 'common',
  'vhost_combined.log': 'vhost_combined',
  'caddy.log': 'caddy',
  'traefik.log': 'traefik',
  'envoy.log': 'envoy',
  'nginx-json.log': 'json',
  'sigma.log': 'sigma-json',
  'mcpward-audit.log': 'mcpward',
  // Custom text formats that extend combined are read as combined (extra fields need --log-format).
  'nginx-custom.log': 'combined',
  'apache-custom.log': 'combined',
};

describe('--log-format auto', () => {
  for (const [file, name] of Object.entries(EXPECTED)) {
    it(`picks ${name} for ${file}`, () => {
      const lines = fixtureLines(file);
      const r = sniffFormat(lines);
      assert.ok(r, 'a format was chosen');
      assert.equal(r.name, name);
      assert.equal(r.matched, lines.length, 'every sampled line parses');
    });
  }

  it('prefers nginx "main" when the X-Forwarded-For field is there', () => {
    const r = sniffFormat([
      '192.0.2.1 - - [05/Jan/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0" "203.0.113.9"',
    ]);
    assert.equal(r?.name, 'nginx_main');
  });

  it('does not mistake an IPv6 combined line for vhost_combined', () => {
    const r = sniffFormat(['::1 - - [05/Jan/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0"']);
    assert.equal(r?.name, 'combined');
  });

  it('gives up on text that is no access log', () => {
    assert.equal(sniffFormat(['hello world', 'Jan  5 10:00:01 host sshd[1]: Accepted publickey']), undefined);
    assert.equal(sniffFormat(['', '  ']), undefined);
  });

  it('is what the reader uses for auto, and it says what it chose', async () => {
    const chosen: string[] = [];
    const { events, stats } = await readAllEvents([logFixture('traefik.log'), logFixture('common.log')], {
      onFormat: (d) => chosen.push(`${d.source.split('/').pop()}=${d.format}`),
    });
    assert.deepEqual(chosen, ['traefik.log=traefik', 'common.log=common']);
    assert.equal(events.length, 3);
    assert.deepEqual(
      stats.formats.map((f) => [f.format, f.sniffed, f.matched, f.sampled]),
      [
        ['traefik', true, 1, 1],
        ['common', true, 2, 2],
      ],
    );
  });
});
