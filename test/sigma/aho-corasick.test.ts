import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Automaton } from '../../src/sigma/match/aho-corasick.js';

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function found(a: Automaton, s: string): number[] {
  const ids: number[] = [];
  a.scan(s, { mark: (id) => ids.push(id) });
  return [...new Set(ids)].sort((x, y) => x - y);
}

describe('multi-needle search', () => {
  const alphabet = 'abAB/.-é\u00c9\u2013ß';
  const r = rng(7);
  const word = (max: number) =>
    Array.from({ length: 1 + Math.floor(r() * max) }, () => alphabet[Math.floor(r() * alphabet.length)]).join(
      '',
    );
  const needles = Array.from({ length: 60 }, (_, id) => ({ text: word(4).toLowerCase(), id }));

  for (const [mode, cells] of [
    ['DFA', undefined],
    ['indexOf fallback', 1],
  ] as const) {
    it(`finds exactly the needles a case-insensitive includes() finds (${mode})`, () => {
      const a = new Automaton(needles, cells);
      for (let i = 0; i < 500; i++) {
        const hay = word(30);
        const expected = needles.filter((n) => hay.toLowerCase().includes(n.text)).map((n) => n.id);
        assert.deepEqual(
          found(a, hay),
          [...new Set(expected)].sort((x, y) => x - y),
          `haystack ${JSON.stringify(hay)}`,
        );
      }
    });
  }

  it('reports overlapping and nested needles', () => {
    const a = new Automaton([
      { text: 'he', id: 0 },
      { text: 'she', id: 1 },
      { text: 'his', id: 2 },
      { text: 'hers', id: 3 },
    ]);
    assert.deepEqual(found(a, 'USHERS'), [0, 1, 3]);
    assert.deepEqual(found(a, 'this'), [2]);
    assert.deepEqual(found(a, ''), []);
  });
});
