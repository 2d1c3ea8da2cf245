import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAnyTime, parseClfTime, parseIsoTime } from '../../src/logs/index.js';

describe('log timestamps', () => {
  it('reads every CLF month and applies the zone', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    months.forEach((m, i) => {
      assert.equal(parseClfTime(`15/${m}/2026:08:30:05 +0000`), Date.UTC(2026, i, 15, 8, 30, 5), m);
    });
    assert.equal(parseClfTime('10/Oct/2000:13:55:36 -0700'), Date.UTC(2000, 9, 10, 20, 55, 36));
    assert.equal(parseClfTime('01/Jan/2026:00:30:00 +0530'), Date.UTC(2025, 11, 31, 19, 0, 0));
    // Day changes between consecutive lines (the per-day cache must notice).
    assert.equal(parseClfTime('31/Dec/2025:23:59:59 +0000'), Date.UTC(2025, 11, 31, 23, 59, 59));
    assert.equal(parseClfTime('01/Jan/2026:00:00:00 +0000'), Date.UTC(2026, 0, 1));
  });

  it('rejects malformed CLF times', () => {
    for (const bad of [
      '10/Okt/2000:13:55:36 -0700',
      '10/Jxx/2000:13:55:36 -0700',
      '1O/Oct/2000:13:55:36 -0700',
      '10/Oct/2000 13:55:36 -0700',
      '10/Oct/2000:13:55:36 ~0700',
      '10/Oct/2000:13:55:36',
      '',
    ])
      assert.ok(Number.isNaN(parseClfTime(bad)), bad);
  });

  it('reads ISO 8601 with offsets and long fractions, and epochs by magnitude', () => {
    assert.equal(parseIsoTime('2026-01-05T10:00:02.123456789Z'), Date.UTC(2026, 0, 5, 10, 0, 2, 123));
    assert.equal(parseIsoTime('2026-01-05T11:00:02+01:00'), Date.UTC(2026, 0, 5, 10, 0, 2));
    assert.equal(parseIsoTime('2026-01-05T11:00:02+0100'), Date.UTC(2026, 0, 5, 10, 0, 2));
    assert.equal(parseIsoTime('2026-01-05 10:00:02'), Date.UTC(2026, 0, 5, 10, 0, 2));
    const t = Date.UTC(2026, 0, 5, 10, 0, 2, 500);
    assert.equal(parseAnyTime(t / 1000), t);
    assert.equal(parseAnyTime(t), t);
    assert.equal(parseAnyTime(t * 1000), t);
    assert.equal(parseAnyTime(String(t * 1e6)), t);
    assert.equal(parseAnyTime('[05/Jan/2026:10:00:02 +0000]'), t - 500);
    assert.ok(Number.isNaN(parseAnyTime('yesterday')));
    assert.ok(Number.isNaN(parseAnyTime('-')));
  });
});
