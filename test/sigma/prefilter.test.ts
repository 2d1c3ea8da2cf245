import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileCollection, loadSigmaFiles, type SearchDef, type SigmaEvent } from '../../src/sigma/index.js';
import { sharedDataDir } from '../helpers/shared.js';

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('literal prefilter', () => {
  it('gives the same matches as evaluating every rule on every event (SigmaHQ web corpus)', () => {
    const corpus = loadSigmaFiles(join(sharedDataDir, 'sigmahq-web', 'rules'));
    const fast = compileCollection(corpus);
    const slow = compileCollection(corpus, { prefilter: false });
    // Material: every field and literal the rules use, so events land on and near rule values.
    const fields = new Set<string>(['cs-method', 'sc-status']);
    const literals: string[] = ['GET', 'POST', '404', '200', '-', ''];
    const walk = (d: SearchDef) => {
      if (d.kind === 'or') d.alts.forEach(walk);
      else
        for (const it of d.items) {
          if (it.field) fields.add(it.field);
          for (const v of it.values) {
            if (v.kind === 'str')
              literals.push(
                v.str.parts.map((p) => (typeof p === 'string' ? p : p === undefined ? '' : 'x')).join(''),
              );
            if (v.kind === 'num') literals.push(String(v.n));
            if (v.kind === 'cidr') literals.push(v.cidr.split('/')[0]!);
          }
        }
    };
    for (const r of corpus.rules) for (const d of r.detection.searches.values()) walk(d);
    const fieldList = [...fields];
    const r = rng(2026);
    const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
    const flip = (s: string) => [...s].map((c) => (r() < 0.3 ? c.toUpperCase() : c)).join('');
    let matched = 0;
    for (let i = 0; i < 4000; i++) {
      const ev: Record<string, unknown> = {};
      const n = 1 + Math.floor(r() * 6);
      for (let k = 0; k < n; k++) {
        const lit = flip(pick(literals));
        const shape = r();
        ev[pick(fieldList)] =
          shape < 0.4
            ? lit
            : shape < 0.7
              ? `${flip(pick(literals))}${lit}`
              : shape < 0.9
                ? `${lit}/${flip(pick(literals))}`
                : Number(lit) || lit;
      }
      if (r() < 0.5) ev['_raw'] = Object.values(ev).join(' ');
      const a = fast.match(ev as SigmaEvent).map((x) => x.index);
      const b = slow.match(ev as SigmaEvent).map((x) => x.index);
      assert.deepEqual(a, b, JSON.stringify(ev));
      if (a.length) matched++;
    }
    assert.ok(
      matched > 200,
      `only ${matched} events matched anything: the generator is too weak to test the prefilter`,
    );
  });
});
