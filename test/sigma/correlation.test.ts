import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CorrelationHit, SigmaEngine, SigmaEvent } from '../../src/sigma/index.js';
import { engineOf } from './helpers.js';

const S = 1000;
const M = 60 * S;

/** Base rules: failed and successful logins, recon commands, web requests. */
const BASE = `
title: Failed login
name: failed_login
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel
---
title: Successful login
name: successful_login
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4624}
  condition: sel
---
title: Recon A
name: recon_a
logsource: {category: process_creation}
detection:
  sel: {CommandLine|contains: whoami}
  condition: sel
---
title: Recon B
name: recon_b
logsource: {category: process_creation}
detection:
  sel: {CommandLine|contains: ipconfig}
  condition: sel
---
title: Web request
name: web_request
logsource: {category: webserver}
detection:
  sel: {cs-method|exists: true}
  condition: sel
`;

function corr(body: string, extra = ''): SigmaEngine {
  return engineOf(
    `title: Correlation under test\nid: 0e95725d-7320-415d-80f7-004da920fc11\nlevel: high\ncorrelation:\n${body.replace(/^/gm, '  ')}\n${extra}---${BASE}`,
  );
}

/** Feeds [time, event] pairs; returns the titles and times of every hit (including windows closed by time). */
function run(engine: SigmaEngine, events: [number, SigmaEvent][]): CorrelationHit[] {
  const out: CorrelationHit[] = [];
  for (const [ts, ev] of events) out.push(...engine.evaluate(ev, ts).hits);
  return out;
}

const failed = (user: string, extra: Record<string, unknown> = {}) => ({
  EventID: 4625,
  User: user,
  ...extra,
});
const success = (user: string) => ({ EventID: 4624, User: user });
const times = (hits: CorrelationHit[]) => hits.map((h) => h.timestamp);

describe('correlation rules', () => {
  describe('event_count (sliding windows)', () => {
    const rule =
      'type: event_count\nrules: [failed_login]\ngroup-by: [User]\ntimespan: 1m\ncondition: {gte: 3}';

    it('fires exactly at the threshold, not one below', () => {
      const e = corr(rule);
      assert.deepEqual(
        times(
          run(e, [
            [0, failed('alice')],
            [10 * S, failed('alice')],
          ]),
        ),
        [],
      );
      const hits = run(e, [[20 * S, failed('alice')]]);
      assert.equal(hits.length, 1);
      assert.deepEqual(hits[0]!.group, { User: 'alice' });
      assert.equal(hits[0]!.value, 3);
      assert.equal(hits[0]!.correlation.title, 'Correlation under test');
      assert.equal(hits[0]!.event?.['User'], 'alice');
      assert.ok(hits[0]!.standalone);
    });

    it('counts only events less than one timespan apart', () => {
      const e = corr(rule);
      assert.deepEqual(
        times(
          run(e, [
            [0, failed('a')],
            [30 * S, failed('a')],
            [60 * S, failed('a')],
          ]),
        ),
        [],
        'first and third are exactly 1m apart',
      );
      assert.deepEqual(times(run(e, [[89 * S, failed('a')]])), [89 * S], '30s, 60s and 89s are within 1m');
    });

    it('keeps groups apart and skips events without the group-by field', () => {
      const e = corr(rule);
      const hits = run(e, [
        [0, failed('alice')],
        [1, failed('bob')],
        [2, failed('alice')],
        [3, failed('bob')],
        [4, { EventID: 4625 }],
        [5, failed('alice')],
      ]);
      assert.deepEqual(
        hits.map((h) => h.group['User']),
        ['alice'],
      );
    });

    it('alerts once per group per window, then again for the next window', () => {
      const e = corr(rule);
      const events: [number, SigmaEvent][] = [];
      for (let t = 0; t < 150 * S; t += 5 * S) events.push([t, failed('scanner')]);
      // A steady stream: one alert when the threshold is reached, then one per timespan.
      assert.deepEqual(times(run(e, events)), [10 * S, 70 * S, 130 * S]);
    });

    it('gt counts strictly above the value', () => {
      const e = corr(
        'type: event_count\nrules: [failed_login]\ngroup-by: [User]\ntimespan: 1m\ncondition: {gt: 2}',
      );
      assert.deepEqual(
        times(
          run(e, [
            [0, failed('a')],
            [1, failed('a')],
          ]),
        ),
        [],
      );
      assert.deepEqual(times(run(e, [[2, failed('a')]])), [2]);
    });

    it('group-by: [] counts all events together; several rules feed one count', () => {
      const e = corr(
        'type: event_count\nrules: [failed_login, successful_login]\ngroup-by: []\ntimespan: 1m\ncondition: {gte: 3}',
      );
      const hits = run(e, [
        [0, failed('a')],
        [1, success('b')],
        [2, failed('c')],
      ]);
      assert.equal(hits.length, 1);
      assert.deepEqual(hits[0]!.group, {});
    });
  });

  describe('event_count with upper bounds (anchored windows judged at close)', () => {
    it('lt: fewer than 3 events in the window that opened with the first one', () => {
      const e = corr(
        'type: event_count\nrules: [web_request]\ngroup-by: [c-ip]\ntimespan: 1m\ncondition: {lt: 3}',
      );
      const req = (ip: string) => ({ 'cs-method': 'GET', 'c-ip': ip });
      assert.deepEqual(
        run(e, [
          [0, req('1.1.1.1')],
          [1, req('1.1.1.1')],
          [2, req('2.2.2.2')],
          [3, req('2.2.2.2')],
          [4, req('2.2.2.2')],
        ]),
        [],
      );
      assert.deepEqual(e.advance(60 * S - 1), [], 'windows still open');
      const closed = e.advance(60 * S);
      assert.deepEqual(
        closed.map((h) => [h.group['c-ip'], h.value, h.timestamp, h.windowStart, h.windowEnd]),
        [['1.1.1.1', 2, 60 * S, 0, 60 * S]],
      );
      assert.equal(closed[0]!.event, undefined);
    });

    it('ranges (gt and lte together), eq and neq; flush() judges open windows at end of input', () => {
      const e = corr(
        'type: event_count\nrules: [web_request]\ngroup-by: [c-ip]\ntimespan: 1m\ncondition: {gt: 2, lte: 3}',
      );
      const evs: [number, SigmaEvent][] = [];
      for (const [ip, n] of [
        ['two', 2],
        ['three', 3],
        ['four', 4],
      ] as const)
        for (let i = 0; i < n; i++) evs.push([i, { 'cs-method': 'GET', 'c-ip': ip }]);
      assert.deepEqual(run(e, evs), []);
      assert.deepEqual(
        e.flush().map((h) => h.group['c-ip']),
        ['three'],
      );
      const eq = corr(
        'type: event_count\nrules: [web_request]\ngroup-by: []\ntimespan: 1m\ncondition: {eq: 2}',
      );
      run(eq, [
        [0, { 'cs-method': 'GET' }],
        [1, { 'cs-method': 'GET' }],
      ]);
      assert.equal(eq.flush().length, 1);
      const neq = corr(
        'type: event_count\nrules: [web_request]\ngroup-by: []\ntimespan: 1m\ncondition: {neq: 2}',
      );
      run(neq, [
        [0, { 'cs-method': 'GET' }],
        [1, { 'cs-method': 'GET' }],
      ]);
      assert.equal(neq.flush().length, 0);
    });
  });

  describe('value_count', () => {
    const rule =
      'type: value_count\nrules: [failed_login]\ngroup-by: [IpAddress]\ntimespan: 5m\ncondition: {field: User, gte: 3}';
    it('counts distinct values per group within the timespan', () => {
      const e = corr(rule);
      const f = (u: string, ip = '10.0.0.1') => failed(u, { IpAddress: ip });
      assert.deepEqual(
        times(
          run(e, [
            [0, f('a')],
            [1, f('a')],
            [2, f('b')],
            [3, f('b')],
            [4, f('c', '10.0.0.2')],
          ]),
        ),
        [],
      );
      const hits = run(e, [[5, f('c')]]);
      assert.deepEqual(
        hits.map((h) => [h.group['IpAddress'], h.value]),
        [['10.0.0.1', 3]],
      );
    });
    it('values seen longer ago than the timespan do not count', () => {
      const e = corr(rule);
      const f = (u: string) => failed(u, { IpAddress: 'x' });
      assert.deepEqual(
        times(
          run(e, [
            [0, f('a')],
            [4 * M, f('b')],
            [5 * M, f('c')],
          ]),
        ),
        [],
      );
      assert.deepEqual(
        times(run(e, [[5 * M + 1, f('a')]])),
        [5 * M + 1],
        'a is seen again, b and c are recent',
      );
    });
  });

  describe('temporal and temporal_ordered', () => {
    const cmd = (c: string, host = 'pc1') => ({ CommandLine: c, ComputerName: host, User: 'bob' });
    it('temporal: all rules within the timespan, in any order, per group', () => {
      const e = corr(
        'type: temporal\nrules: [recon_a, recon_b]\ngroup-by: [ComputerName, User]\ntimespan: 5m',
      );
      assert.deepEqual(
        times(
          run(e, [
            [0, cmd('ipconfig /all')],
            [1 * M, cmd('whoami', 'pc2')],
          ]),
        ),
        [],
      );
      const hits = run(e, [[2 * M, cmd('whoami')]]);
      assert.deepEqual(
        hits.map((h) => [h.group, h.rules]),
        [[{ ComputerName: 'pc1', User: 'bob' }, ['recon_a', 'recon_b']]],
      );
      const late = corr('type: temporal\nrules: [recon_a, recon_b]\ngroup-by: [ComputerName]\ntimespan: 5m');
      assert.deepEqual(
        times(
          run(late, [
            [0, cmd('whoami')],
            [5 * M, cmd('ipconfig')],
          ]),
        ),
        [],
      );
    });

    it('temporal with a condition counts distinct rules', () => {
      const e = corr(
        'type: temporal\nrules: [recon_a, recon_b, failed_login]\ngroup-by: [User]\ntimespan: 5m\ncondition: {gte: 2}',
      );
      assert.deepEqual(
        times(
          run(e, [
            [0, cmd('whoami')],
            [1, cmd('whoami')],
          ]),
        ),
        [],
      );
      assert.deepEqual(times(run(e, [[2, failed('bob')]])), [2]);
    });

    it('temporal_ordered: only in the order of the rules list', () => {
      const rule = 'type: temporal_ordered\nrules: [recon_a, recon_b]\ngroup-by: [User]\ntimespan: 5m';
      assert.deepEqual(
        times(
          run(corr(rule), [
            [0, cmd('ipconfig')],
            [1, cmd('whoami')],
          ]),
        ),
        [],
        'b then a',
      );
      assert.deepEqual(
        times(
          run(corr(rule), [
            [0, cmd('whoami')],
            [1, cmd('ipconfig')],
          ]),
        ),
        [1],
      );
      assert.deepEqual(
        times(
          run(corr(rule), [
            [0, cmd('whoami')],
            [5 * M, cmd('ipconfig')],
          ]),
        ),
        [],
        'too far apart',
      );
      assert.deepEqual(
        times(
          run(corr(rule), [
            [0, cmd('whoami')],
            [4 * M, cmd('whoami')],
            [8 * M, cmd('ipconfig')],
          ]),
        ),
        [8 * M],
        'the later start counts',
      );
      assert.deepEqual(
        times(run(corr(rule), [[0, cmd('whoami && ipconfig')]])),
        [],
        'one event is not a sequence',
      );
      const other = { CommandLine: 'ipconfig', User: 'eve' };
      assert.deepEqual(
        times(
          run(corr(rule), [
            [0, cmd('whoami')],
            [1, other],
          ]),
        ),
        [],
        'per group-by key',
      );
    });
  });

  describe('value_sum, value_avg, value_percentile', () => {
    const web = (ip: string, bytes: unknown) => ({ 'cs-method': 'POST', 'c-ip': ip, 'cs-bytes': bytes });
    it('value_sum fires as soon as the sum passes the threshold, within the window', () => {
      const e = corr(
        'type: value_sum\nrules: [web_request]\ngroup-by: [c-ip]\ntimespan: 1h\ncondition: {field: cs-bytes, gt: 1000}',
      );
      assert.deepEqual(
        times(
          run(e, [
            [0, web('a', 400)],
            [1, web('a', '600')],
            [2, web('b', 5000)],
            [3, web('a', 'n/a')],
          ]),
        ),
        [2],
        'a is at exactly 1000',
      );
      assert.deepEqual(
        run(e, [[4, web('a', 1)]]).map((h) => [h.group['c-ip'], h.value]),
        [['a', 1001]],
      );
      const windows = corr(
        'type: value_sum\nrules: [web_request]\ngroup-by: [c-ip]\ntimespan: 1h\ncondition: {field: cs-bytes, gte: 1000}',
      );
      assert.deepEqual(
        times(
          run(windows, [
            [0, web('a', 600)],
            [60 * M, web('a', 600)],
          ]),
        ),
        [],
        'two windows of 600',
      );
    });

    it('value_avg is judged when the window closes', () => {
      const e = corr(
        'type: value_avg\nrules: [web_request]\ngroup-by: [c-ip]\ntimespan: 1h\ncondition: {field: cs-bytes, gt: 500}',
      );
      assert.deepEqual(
        run(e, [
          [0, web('a', 400)],
          [1, web('a', 700)],
          [2, web('b', 500)],
          [3, web('b', 500)],
        ]),
        [],
      );
      const closed = run(e, [[60 * M, web('c', 1)]]);
      assert.deepEqual(
        closed.map((h) => [h.group['c-ip'], h.value]),
        [['a', 550]],
      );
      // A new window for 'a': 400 alone is below, whatever the earlier window held.
      run(e, [[61 * M, web('a', 400)]]);
      assert.deepEqual(
        e.flush().map((h) => h.group['c-ip']),
        [],
      );
    });

    it('value_percentile computes the requested percentile per window', () => {
      const e = corr(
        'type: value_percentile\nrules: [web_request]\ngroup-by: [c-ip]\ntimespan: 1h\ncondition: {field: cs-bytes, percentile: 90, gte: 900}',
      );
      const evs: [number, SigmaEvent][] = [];
      for (let i = 1; i <= 10; i++) evs.push([i, web('slow', i * 100)]);
      for (let i = 1; i <= 10; i++) evs.push([i, web('fast', i * 10)]);
      assert.deepEqual(run(e, evs), []);
      assert.deepEqual(
        e.flush().map((h) => [h.group['c-ip'], h.value]),
        [['slow', 910]],
      );
      for (const [threshold, fires] of [
        [910, true],
        [911, false],
      ] as const) {
        const t = corr(
          `type: value_percentile\nrules: [web_request]\ngroup-by: [c-ip]\ntimespan: 1h\ncondition: {field: cs-bytes, percentile: 90, gte: ${threshold}}`,
        );
        run(t, evs);
        assert.equal(t.flush().length, fires ? 1 : 0, `gte ${threshold}`);
      }
    });

    it('temporal_ordered with a partial condition is refused, naming the feature', () => {
      assert.throws(
        () =>
          corr(
            'type: temporal_ordered\nrules: [recon_a, recon_b]\ngroup-by: [User]\ntimespan: 5m\ncondition: {gte: 1}',
          ),
        /temporal_ordered supports only the full ordered sequence/,
      );
    });

    it("value_percentile without 'percentile' is an error that says why", () => {
      assert.throws(
        () =>
          corr(
            'type: value_percentile\nrules: [web_request]\ngroup-by: [c-ip]\ntimespan: 1h\ncondition: {field: cs-bytes, lte: 1}',
          ),
        /value_percentile needs 'percentile'/,
      );
    });
  });

  describe('chains, aliases and generate', () => {
    it('the specification example: many failed logins followed by a successful one', () => {
      const e = engineOf(`title: Failed logins followed by success
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
correlation:
  type: temporal_ordered
  rules: [multiple_failed_login, successful_login]
  group-by: [User]
  timespan: 10m
level: high
---
title: Multiple failed logons
name: multiple_failed_login
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [User]
  timespan: 10m
  condition: {gte: 10}
---${BASE}`);
      const evs: [number, SigmaEvent][] = [[0, success('alice')]];
      for (let i = 1; i <= 10; i++) evs.push([i * S, failed('alice')]);
      evs.push([20 * S, success('bob')], [30 * S, success('alice')]);
      const hits = run(e, evs);
      assert.deepEqual(
        hits.map((h) => [h.correlation.title, h.timestamp, h.standalone]),
        [
          ['Multiple failed logons', 10 * S, false],
          ['Failed logins followed by success', 30 * S, true],
        ],
      );
      const byName = new Map(e.rules.map((r) => [r.name, r.standalone]));
      assert.equal(
        byName.get('failed_login'),
        false,
        'a rule that feeds a correlation is not an alert of its own',
      );
      assert.equal(byName.get('recon_a'), true);
    });

    it('generate: true keeps the referenced rules as alerts', () => {
      const e = corr(
        'type: event_count\nrules: [failed_login]\ngroup-by: [User]\ntimespan: 1m\ncondition: {gte: 3}\ngenerate: true',
      );
      assert.equal(e.rules.find((r) => r.name === 'failed_login')!.standalone, true);
    });

    it('aliases group events whose fields have different names', () => {
      const e = engineOf(`title: Error then connection back
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  group-by: [internal_ip, remote_ip]
  timespan: 10s
  aliases:
    internal_ip:
      internal_error: destination.ip
      new_network_connection: source.ip
    remote_ip:
      internal_error: source.ip
      new_network_connection: destination.ip
---
title: Internal error
name: internal_error
logsource: {category: webserver}
detection:
  sel: {http.response.status_code: 500}
  condition: sel
---
title: New connection
name: new_network_connection
logsource: {category: network}
detection:
  sel: {event.category: network, event.type: connection}
  condition: sel
`);
      const err = {
        http: { response: { status_code: 500 } },
        source: { ip: '1.1.1.1' },
        destination: { ip: '10.0.0.5' },
      };
      const conn = (src: string, dst: string) => ({
        event: { category: 'network', type: 'connection' },
        source: { ip: src },
        destination: { ip: dst },
      });
      assert.deepEqual(
        run(e, [
          [0, err],
          [1 * S, conn('1.1.1.1', '10.0.0.5')],
        ]),
        [],
        'wrong direction',
      );
      const hits = run(e, [[2 * S, conn('10.0.0.5', '1.1.1.1')]]);
      assert.deepEqual(
        hits.map((h) => h.group),
        [{ internal_ip: '10.0.0.5', remote_ip: '1.1.1.1' }],
      );
    });
  });

  describe('state: eviction, limits, snapshot and restore', () => {
    const rule =
      'type: event_count\nrules: [failed_login]\ngroup-by: [User]\ntimespan: 1m\ncondition: {gte: 3}';

    it('evicts groups whose window has passed and ignores events older than the window', () => {
      const e = corr(rule);
      run(e, [
        [0, failed('a')],
        [1, failed('b')],
      ]);
      assert.equal(e.stats().groups['Correlation under test'], 2);
      e.advance(61 * S);
      assert.equal(e.stats().groups['Correlation under test'], 0);
      run(e, [[0, failed('a')]]);
      assert.equal(e.stats().late, 1);
    });

    it('bounds live groups: the nearest deadlines close first', () => {
      const small = engineOfLimit(2);
      run(small, [
        [0, failed('a')],
        [1, failed('b')],
        [2, failed('c')],
      ]);
      assert.equal(small.stats().groups['Correlation under test'], 2);
      assert.equal(small.stats().dropped, 1);
      // 'a' was closed early: two more of its events no longer reach three.
      assert.deepEqual(
        times(
          run(small, [
            [3, failed('a')],
            [4, failed('a')],
          ]),
        ),
        [],
      );
    });

    it('snapshot/restore keeps windows and does not alert twice', () => {
      const first = corr(rule);
      run(first, [
        [0, failed('a')],
        [1 * S, failed('a')],
        [2 * S, failed('b')],
      ]);
      const saved = JSON.parse(JSON.stringify(first.snapshot()));
      const second = corr(rule);
      second.restore(saved);
      assert.deepEqual(times(run(second, [[3 * S, failed('a')]])), [3 * S], 'the two restored events count');
      const after = JSON.parse(JSON.stringify(second.snapshot()));
      const third = corr(rule);
      third.restore(after);
      assert.deepEqual(
        times(
          run(third, [
            [4 * S, failed('a')],
            [5 * S, failed('a')],
          ]),
        ),
        [],
        'still muted after restore',
      );
      assert.deepEqual(
        times(
          run(third, [
            [6 * S, failed('b')],
            [7 * S, failed('b')],
          ]),
        ),
        [7 * S],
      );
    });

    it('snapshot/restore of value_count state (one value inline, several in a map)', () => {
      const vc =
        'type: value_count\nrules: [failed_login]\ngroup-by: [IpAddress]\ntimespan: 5m\ncondition: {field: User, gte: 3}';
      const a = corr(vc);
      run(a, [
        [0, failed('u1', { IpAddress: 'one' })],
        [1, failed('u1', { IpAddress: 'two' })],
        [2, failed('u2', { IpAddress: 'two' })],
      ]);
      const b = corr(vc);
      b.restore(JSON.parse(JSON.stringify(a.snapshot())));
      assert.deepEqual(
        run(b, [
          [3, failed('u3', { IpAddress: 'two' })],
          [4, failed('u2', { IpAddress: 'one' })],
        ]).map((h) => h.group['IpAddress']),
        ['two'],
      );
      assert.deepEqual(
        run(b, [[5, failed('u3', { IpAddress: 'one' })]]).map((h) => h.group['IpAddress']),
        ['one'],
      );
    });

    it('snapshot/restore of anchored windows and temporal state', () => {
      const avg =
        'type: value_avg\nrules: [web_request]\ngroup-by: [c-ip]\ntimespan: 1h\ncondition: {field: cs-bytes, gt: 500}';
      const a = corr(avg);
      run(a, [[0, { 'cs-method': 'GET', 'c-ip': 'x', 'cs-bytes': 900 }]]);
      const b = corr(avg);
      b.restore(JSON.parse(JSON.stringify(a.snapshot())));
      run(b, [[1, { 'cs-method': 'GET', 'c-ip': 'x', 'cs-bytes': 300 }]]);
      assert.deepEqual(
        b.flush().map((h) => h.value),
        [600],
      );
      const ord = 'type: temporal_ordered\nrules: [recon_a, recon_b]\ngroup-by: [User]\ntimespan: 5m';
      const c = corr(ord);
      run(c, [[0, { CommandLine: 'whoami', User: 'u' }]]);
      const d = corr(ord);
      d.restore(JSON.parse(JSON.stringify(c.snapshot())));
      assert.deepEqual(times(run(d, [[1, { CommandLine: 'ipconfig', User: 'u' }]])), [1]);
      assert.throws(() => d.restore({ version: 9 }), /not a Sigma engine snapshot/);
    });
  });
});

function engineOfLimit(max: number): SigmaEngine {
  return engineOf(
    `title: Correlation under test\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [User]\n  timespan: 1m\n  condition: {gte: 3}\n---${BASE}`,
    { maxGroupsPerCorrelation: max },
  );
}
