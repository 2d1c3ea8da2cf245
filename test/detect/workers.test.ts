/**
 * Worker threads and the literal prefilter change how lines are processed, never what is found: on a
 * generated log with known enumerators, every path gives byte-identical alerts and line counts, every
 * enumerator is caught and nothing else is reported.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type GroundTruth, writeCombinedLog } from '../../bench/lib/gen-access-log.js';
import { runCli } from '../helpers/cli.js';

const SWEEP = '80cb7494-86e8-4dc8-8031-05e2aa5bf3dd';

describe('worker threads and prefilter give the same alerts as one thread', () => {
  let dir: string;
  let log: string;
  let truth: GroundTruth;
  const runs = new Map<string, { stdout: string; summary: string }>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpward-workers-'));
    log = join(dir, 'access.log');
    truth = await writeCombinedLog(log, { lines: 120_000, seed: 11, enumerators: 6 });
    assert.ok(statSync(log).size > 8 * 1024 * 1024, 'big enough for the worker path');
    const variants: Record<string, string[]> = {
      single: ['--workers', '1'],
      two: ['--workers', '2'],
      three: ['--workers', '3'],
      unfiltered: ['--workers', '1', '--no-prefilter'],
      'two-unfiltered': ['--workers', '2', '--no-prefilter'],
    };
    for (const [name, args] of Object.entries(variants)) {
      const res = await runCli(['detect', log, '-f', 'jsonl', ...args]);
      assert.equal(res.code, 0, `${name}: ${res.stderr}`);
      // The summary without its timing.
      runs.set(name, {
        stdout: res.stdout,
        summary: res.stderr.replace(/ in \d+\.\d s, [\d.]+[kM]? lines\/s/, ''),
      });
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the worker threads when asked', () => {
    assert.match(runs.get('two')!.summary, /1 input \(2 worker threads\)/);
    assert.match(runs.get('three')!.summary, /1 input \(3 worker threads\)/);
    assert.doesNotMatch(runs.get('single')!.summary, /worker threads/);
  });

  it('every variant prints the same alerts, byte for byte, and the same line counts', () => {
    const base = runs.get('single')!;
    assert.ok(base.stdout.length > 0);
    for (const [name, r] of runs) {
      assert.equal(r.stdout, base.stdout, name);
      assert.equal(r.summary.replace(/ \(\d worker threads\)/, ''), base.summary, name);
    }
    assert.match(base.summary, /120,000 lines read = 120,000 evaluated \+ 0 skipped/);
  });

  it('catches every enumerator of the ground truth with the sweep, and reports no one else', () => {
    const alerts = runs
      .get('single')!
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: string; source: string });
    const enumerators = new Set(truth.enumerators.map((e) => e.ip));
    for (const ip of enumerators)
      assert.ok(
        alerts.some((a) => a.rule === SWEEP && a.source === ip),
        `no sweep alert for ${ip}`,
      );
    for (const a of alerts) assert.ok(enumerators.has(a.source), `false positive: ${JSON.stringify(a)}`);
  });
});
