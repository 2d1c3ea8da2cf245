import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pep440 from '@renovatebot/pep440';
import semver from 'semver';
import {
  affects,
  bundledAdvisories,
  evaluate,
  fixedOnBranch,
  memoryAdvisoryDb,
  type OsvRecord,
  recordSeverity,
} from '../../src/intel/index.js';

/**
 * Boundary tests generated from the bundled OSV records: for every introduced / fixed /
 * last_affected event, the boundary and both neighbours are checked against an independent
 * oracle (closed/half-open intervals compared with the ecosystem library's own operators).
 */
const records = bundledAdvisories();

interface Interval {
  from: string;
  to?: { version: string; inclusive: boolean };
}

function intervals(rec: OsvRecord, ecosystem: string, name: string): Interval[] {
  const out: Interval[] = [];
  for (const a of rec.affected ?? []) {
    if (a.package?.ecosystem !== ecosystem || a.package.name !== name) continue;
    for (const r of a.ranges ?? []) {
      for (let i = 0; i < r.events.length; i++) {
        const e = r.events[i]!;
        if (!('introduced' in e)) continue;
        const next = r.events[i + 1];
        const iv: Interval = { from: e.introduced };
        if (next && 'fixed' in next) iv.to = { version: next.fixed, inclusive: false };
        if (next && 'last_affected' in next) iv.to = { version: next.last_affected, inclusive: true };
        out.push(iv);
      }
    }
  }
  return out;
}

const ops = {
  npm: {
    gte: (a: string, b: string) => semver.gte(a, b),
    lt: (a: string, b: string) => semver.lt(a, b),
    lte: (a: string, b: string) => semver.lte(a, b),
  },
  PyPI: {
    gte: (a: string, b: string) => pep440.gte(a, b),
    lt: (a: string, b: string) => pep440.lt(a, b),
    lte: (a: string, b: string) => pep440.lte(a, b),
  },
};

function oracle(ivs: Interval[], ecosystem: 'npm' | 'PyPI', v: string): boolean {
  const o = ops[ecosystem];
  return ivs.some(
    (iv) =>
      (iv.from === '0' || o.gte(v, iv.from)) &&
      (!iv.to || (iv.to.inclusive ? o.lte(v, iv.to.version) : o.lt(v, iv.to.version))),
  );
}

/** The version just below and just above a boundary, by its last release number. */
function neighbours(v: string): string[] {
  const parts = v.split('.').map(Number);
  const next = [...parts];
  next[next.length - 1]! += 1;
  const out = [next.join('.')];
  const prev = [...parts];
  let i = prev.length - 1;
  while (i >= 0 && prev[i] === 0) {
    prev[i] = 999;
    i--;
  }
  if (i >= 0) {
    prev[i]! -= 1;
    out.push(prev.join('.'));
  }
  return out;
}

describe('OSV ranges: every boundary of every bundled record', () => {
  let checked = 0;
  for (const rec of records) {
    for (const a of rec.affected ?? []) {
      const eco = a.package!.ecosystem as 'npm' | 'PyPI';
      const name = a.package!.name;
      const ivs = intervals(rec, eco, name);
      const boundaries = new Set(
        (a.ranges ?? []).flatMap((r) =>
          r.events.flatMap((e) => Object.values(e) as string[]).filter((v) => v !== '0'),
        ),
      );
      for (const b of boundaries) {
        for (const v of [b, ...neighbours(b)]) {
          it(`${rec.id} ${eco} ${name} ${v}`, () => {
            assert.equal(affects(rec, eco, name, v), oracle(ivs, eco, v));
          });
          checked++;
        }
      }
    }
  }
  it('covered every record (both ecosystems)', () => {
    assert.equal(records.length, 29);
    const ecos = new Set(records.flatMap((r) => (r.affected ?? []).map((a) => a.package?.ecosystem)));
    assert.deepEqual([...ecos].sort(), ['PyPI', 'npm']);
    assert.ok(checked > 100, `only ${checked} boundary checks`);
  });
});

describe('OSV semantics', () => {
  const byId = (id: string) => records.find((r) => r.id === id)!;
  const fs = '@modelcontextprotocol/server-filesystem';

  it('two affected entries for one package: the 0.x and calendar branches', () => {
    const r = byId('GHSA-hc55-p739-j48w');
    assert.equal(affects(r, 'npm', fs, '0.6.2'), true, 'last_affected is inclusive');
    assert.equal(affects(r, 'npm', fs, '0.6.3'), false);
    assert.equal(affects(r, 'npm', fs, '2025.1.13'), false, 'between the branches');
    assert.equal(affects(r, 'npm', fs, '2025.1.14'), true, 'introduced is inclusive');
    assert.equal(affects(r, 'npm', fs, '2025.3.28'), true);
    assert.equal(affects(r, 'npm', fs, '2025.7.1'), false, 'fixed is exclusive');
    assert.equal(affects(r, 'npm', fs, '2025.7.1-beta.1'), true, 'a prerelease of the fix is before it');
  });

  it('picks the fix on the branch the server is on', () => {
    const r = byId('GHSA-hc55-p739-j48w');
    assert.deepEqual(fixedOnBranch(r, 'npm', fs, '2025.3.28'), { kind: 'fixed', fixed: '2025.7.1' });
    assert.deepEqual(fixedOnBranch(r, 'npm', fs, '0.6.2'), {
      kind: 'no-fix-on-branch',
      lastAffected: '0.6.2',
      elsewhere: ['2025.7.1'],
    });
    assert.deepEqual(fixedOnBranch(r, 'npm', fs, '0.6.3'), { kind: 'not-affected' });
    assert.equal(fixedOnBranch(r, 'npm', fs, 'banana').kind, 'unknown');
  });

  it('last_affected with no fix anywhere (mcp-server-git, adb-mcp)', () => {
    const git = byId('GHSA-9xwc-hfwc-8w59');
    assert.equal(affects(git, 'PyPI', 'mcp-server-git', '2025.11.25'), true);
    assert.equal(affects(git, 'PyPI', 'mcp-server-git', '2025.12.18'), false);
    assert.deepEqual(fixedOnBranch(git, 'PyPI', 'mcp-server-git', '2025.9.25'), {
      kind: 'no-fix-on-branch',
      lastAffected: '2025.11.25',
      elsewhere: [],
    });
  });

  it('package names: PEP 503 for PyPI, ecosystem spelled any case', () => {
    const r = byId('GHSA-5cgr-j3jf-jw3v');
    assert.equal(affects(r, 'pypi', 'MCP_Server.Git', '2025.9.24'), true);
    assert.equal(affects(r, 'PyPI', 'mcp-server-git', '2025.9.25'), false);
    assert.equal(affects(r, 'npm', 'mcp-server-git', '2025.9.24'), false, 'other ecosystem');
  });

  it('an introduced bound above 0 (mcp-remote from 0.0.5; sdk from 1.10.0)', () => {
    const remote = byId('GHSA-6xpm-ggf7-wc3p');
    assert.equal(affects(remote, 'npm', 'mcp-remote', '0.0.4'), false);
    assert.equal(affects(remote, 'npm', 'mcp-remote', '0.0.5'), true);
    const sdk = byId('GHSA-345p-7cg4-v4c7');
    assert.equal(affects(sdk, 'npm', '@modelcontextprotocol/sdk', '1.9.9'), false);
    assert.equal(affects(sdk, 'npm', '@modelcontextprotocol/sdk', '1.25.3'), true);
  });

  it('an unparseable version is unknown, never affected', () => {
    const r = byId('GHSA-3qhf-m339-9g5v');
    assert.equal(evaluate(r, 'PyPI', 'mcp', 'not-a-version').status, 'unknown');
    assert.equal(affects(r, 'PyPI', 'mcp', 'not-a-version'), false);
  });

  it('versions lists, limits, SEMVER ranges, GIT ranges and withdrawn records', () => {
    const rec = (over: Partial<OsvRecord>): OsvRecord => ({
      id: 'TEST-1',
      modified: '2025-01-01T00:00:00Z',
      ...over,
    });
    const listed = rec({
      affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, versions: ['1.0', '2.0.post1'] }],
    });
    assert.equal(affects(listed, 'PyPI', 'x', '1.0.0'), true, 'PEP 440 1.0 == 1.0.0');
    assert.equal(affects(listed, 'PyPI', 'x', '2.0'), false);
    const limited = rec({
      affected: [
        {
          package: { ecosystem: 'npm', name: 'y' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '1.5.0' }] }],
        },
      ],
    });
    assert.equal(affects(limited, 'npm', 'y', '1.4.9'), true);
    assert.equal(affects(limited, 'npm', 'y', '1.5.0'), false, 'at or above every limit');
    const open = rec({
      affected: [
        {
          package: { ecosystem: 'npm', name: 'z' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
          database_specific: { last_known_affected_version_range: '<= 1.2.0' },
        },
      ],
    });
    assert.equal(evaluate(open, 'npm', 'z', '1.2.0').beyondLastKnown, undefined);
    assert.equal(evaluate(open, 'npm', 'z', '3.0.0').beyondLastKnown, '<= 1.2.0');
    assert.equal(affects(open, 'npm', 'z', '3.0.0'), true, 'OSV says open ranges are affected');
    const git = rec({
      affected: [
        {
          package: { ecosystem: 'npm', name: 'g' },
          ranges: [{ type: 'GIT', repo: 'https://example.invalid/r', events: [{ introduced: '0' }] }],
        },
      ],
    });
    assert.equal(evaluate(git, 'npm', 'g', '1.0.0').status, 'unknown');
    const withdrawn = { ...limited, withdrawn: '2025-02-01T00:00:00Z' };
    assert.equal(affects(withdrawn, 'npm', 'y', '1.4.9'), false);
  });

  it('a newer copy of a record replaces the older one', () => {
    const old = records.find((r) => r.id === 'GHSA-7f8r-222p-6f5g')!;
    const newer: OsvRecord = { ...old, modified: '2030-01-01T00:00:00Z', summary: 'updated' };
    const db = memoryAdvisoryDb([old, newer]);
    assert.equal(db.get(old.id)!.summary, 'updated');
    assert.deepEqual(
      db.forPackage('npm', '@modelcontextprotocol/inspector').map((r) => r.summary),
      ['updated'],
      'one record per id',
    );
  });
});

describe('severity', () => {
  it('CVSS base score agrees with GitHub level for every bundled record', () => {
    const level = { LOW: 'low', MODERATE: 'medium', HIGH: 'high', CRITICAL: 'critical' } as const;
    for (const r of records) {
      const s = recordSeverity(r);
      const label = r.database_specific!.severity as keyof typeof level;
      assert.equal(s.severity, level[label], `${r.id}: ${s.basis}`);
    }
  });

  it('scores v3 and v4 vectors, falls back to the GitHub label when there is none', () => {
    const hc55 = records.find((r) => r.id === 'GHSA-hc55-p739-j48w')!;
    assert.deepEqual(recordSeverity(hc55), { severity: 'high', basis: 'CVSS_V4 7.3', score: 7.3 });
    const noVector = records.find((r) => r.id === 'GHSA-rcfx-77hg-w2wv')!;
    assert.deepEqual(recordSeverity(noVector), { severity: 'high', basis: 'database_specific HIGH' });
    const moderate = { id: 'X', modified: 'x', database_specific: { severity: 'MODERATE' } };
    assert.equal(recordSeverity(moderate).severity, 'medium');
  });
});
