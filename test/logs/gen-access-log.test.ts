import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateCombinedLog, VERSION_PATHS } from '../../bench/lib/gen-access-log.js';
import { LineError, parseCombined } from '../../src/logs/index.js';

describe('seeded access-log generator (bench/lib)', () => {
  it('is deterministic per seed, parses as combined, and its ground truth matches its lines', () => {
    const a = generateCombinedLog({ seed: 5, lines: 20_000, enumerators: 4 });
    const lines = [...a.lines()];
    assert.deepEqual([...generateCombinedLog({ seed: 5, lines: 20_000, enumerators: 4 }).lines()], lines);
    assert.notDeepEqual([...generateCombinedLog({ seed: 6, lines: 20_000, enumerators: 4 }).lines()], lines);
    assert.equal(lines.length, 20_000);

    let last = 0;
    const byIp = new Map<string, string[]>();
    const probes = new Set<string>();
    for (const l of lines) {
      const e = parseCombined(l);
      if (e instanceof LineError) assert.fail(`${e.reason}: ${l}`);
      assert.ok(e._time! >= last, 'time never goes back');
      last = e._time!;
      const ip = e['c-ip']!;
      if (!byIp.has(ip)) byIp.set(ip, []);
      byIp.get(ip)!.push(e['cs-uri-stem']!);
      if (e['cs-user-agent'] === 'kube-probe/1.29') probes.add(ip);
    }
    assert.equal(a.truth.enumerators.length, 4);
    for (const en of a.truth.enumerators) {
      assert.deepEqual(byIp.get(en.ip), en.paths, `enumerator ${en.ip} requests exactly its paths, in order`);
      for (const p of en.paths) assert.ok(VERSION_PATHS.includes(p));
    }
    assert.deepEqual([...probes].sort(), [...a.truth.probeIps].sort());
    assert.ok(byIp.size > 1000, `many background clients (${byIp.size})`);
  });
});
