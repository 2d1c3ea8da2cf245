import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diffRuns, findOutliers, inShard, parseShard, shardOf } from '../../src/intel/index.js';
import { FleetStore, recordRun } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { HOSTILE, result, twoRuns } from '../helpers/fleet.js';

const tmp = mkdtempSync(join(tmpdir(), 'mcpward-fleet-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const jsonl = (rs: object[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('fleet store and analysis (library)', () => {
  const path = join(tmp, 'lib.db');
  let store: FleetStore;
  before(async () => {
    store = FleetStore.open(path);
    const { monday, tuesday } = twoRuns();
    await recordRun(store, monday, { label: 'monday' });
    // An async source, as scan streams results.
    async function* stream() {
      for (const r of tuesday) yield r;
    }
    await recordRun(store, stream(), { label: 'tuesday', shard: '1/1' }, { batchSize: 2 });
  });
  after(() => store.close());

  it('uses WAL, foreign keys and a versioned schema', () => {
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
    const rows = store.db.prepare('SELECT version, name FROM schema_migrations').all();
    assert.deepEqual(rows, [
      { version: 1, name: 'runs, targets, results, fingerprints, findings, advisories' },
    ]);
  });

  it('lists runs with counts', () => {
    const runs = store.listRuns();
    assert.deepEqual(
      runs.map((r) => [r.id, r.label, r.shard, r.targets, r.ok, r.findings, Boolean(r.finished)]),
      [
        [2, 'tuesday', '1/1', 6, 5, 4, true],
        [1, 'monday', undefined, 5, 4, 6, true],
      ],
    );
  });

  it('diff: appeared, disappeared, version changes, hardened', () => {
    const diff = diffRuns(store.snapshot(1), store.snapshot(2));
    assert.deepEqual(diff, {
      appeared: [
        { target: 'http://e.test:8000/mcp', before: 'unreachable' },
        { target: 'http://f.test:8000/mcp', before: 'absent' },
      ],
      disappeared: [{ target: 'http://d.test:8000/mcp', now: 'unreachable' }],
      versionChanged: [
        {
          target: 'http://c.test:8000/mcp',
          product: '@modelcontextprotocol/sdk',
          from: '1.12.0',
          to: '1.26.0',
          direction: 'upgrade',
        },
      ],
      hardened: [
        { target: 'http://a.test:8000/mcp', gone: ['header-x-powered-by'] },
        { target: 'http://c.test:8000/mcp', gone: ['error-node-modules-version'] },
      ],
      regressed: [],
    });
  });

  it('outliers: behind the fleet majority and behind advisory fixes', () => {
    assert.deepEqual(findOutliers(store.snapshot(1)), [
      {
        reason: 'behind-fix',
        target: 'http://c.test:8000/mcp',
        product: '@modelcontextprotocol/sdk',
        advisory: 'GHSA-8r9q-7v3j-jr4g',
        severity: 'high',
        fixed: '1.25.2',
        package: '@modelcontextprotocol/sdk',
        version: '1.12.0',
      },
      {
        reason: 'behind-fix',
        target: 'http://c.test:8000/mcp',
        product: '@modelcontextprotocol/sdk',
        advisory: 'GHSA-w48q-cv73-mx4w',
        severity: 'high',
        fixed: '1.24.0',
        package: '@modelcontextprotocol/sdk',
        version: '1.12.0',
      },
      {
        reason: 'behind-fleet',
        target: 'http://c.test:8000/mcp',
        product: '@modelcontextprotocol/sdk',
        version: '1.12.0',
        fleetVersion: '1.24.0',
        fleetShare: '2/3',
      },
    ]);
    assert.deepEqual(findOutliers(store.snapshot(2)), [
      {
        reason: 'behind-fleet',
        target: 'http://f.test:8000/mcp',
        product: '@modelcontextprotocol/sdk',
        version: '1.20.0',
        fleetVersion: '1.24.0',
        fleetShare: '2/5',
      },
    ]);
  });

  it('a run whose source fails is removed, never half-recorded', async () => {
    async function* failing() {
      yield result('http://z.test/mcp', { sdk: '1.0.0' });
      throw new Error('scan aborted');
    }
    await assert.rejects(recordRun(store, failing(), { label: 'broken' }), /scan aborted/);
    assert.deepEqual(
      store.listRuns().map((r) => r.label),
      ['tuesday', 'monday'],
    );
    const orphans = store.db
      .prepare('SELECT COUNT(*) AS n FROM results WHERE run_id NOT IN (SELECT id FROM runs)')
      .get();
    assert.deepEqual(orphans, { n: 0 });
  });

  it('a target reported twice in a run keeps the better answer', async () => {
    const s = FleetStore.open(join(tmp, 'dup.db'));
    try {
      const { runId } = await recordRun(s, [
        result('http://x.test/mcp', { sdk: '1.1.0' }),
        result('http://x.test/mcp', { status: 'unreachable' }),
        result('http://y.test/mcp', { status: 'error' }),
        result('http://y.test/mcp', { sdk: '1.2.0' }),
      ]);
      assert.deepEqual(
        s.snapshot(runId).map((t) => [t.target, t.status, t.products[0]?.version]),
        [
          ['http://x.test/mcp', 'ok', '1.1.0'],
          ['http://y.test/mcp', 'ok', '1.2.0'],
        ],
      );
    } finally {
      s.close();
    }
  });
});

describe('shards', () => {
  it('shardOf is deterministic, 1-based and spreads targets', () => {
    assert.equal(shardOf('http://a.test/mcp', 4), shardOf('HTTP://A.TEST/mcp ', 4));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`http://10.0.${i >> 8}.${i & 255}:8000/mcp`, 4) - 1]!++;
    for (const c of counts) assert.ok(c > 850 && c < 1150, `uneven shards ${counts}`);
    // Pinned values: a change of hash would split fleets differently across versions.
    assert.deepEqual(
      ['http://a.test/mcp', 'http://b.test/mcp', '127.0.0.1:3000'].map((t) => shardOf(t, 7)),
      [5, 7, 7],
    );
    assert.equal(shardOf('anything', 1), 1);
  });
  it('every target is in exactly one shard', () => {
    for (const t of ['a', 'b', 'c', 'http://x/mcp']) {
      const hits = [1, 2, 3].filter((i) => inShard(t, { index: i, count: 3 }));
      assert.equal(hits.length, 1);
    }
  });
  it('parses i/n and rejects nonsense', () => {
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'x', '1-4'])
      assert.throws(() => parseShard(bad), /expected i\/n/);
  });
});

describe('mcpward fleet (CLI)', () => {
  const db = join(tmp, 'cli.db');
  const files = {
    m1: join(tmp, 'monday-1.jsonl'),
    m2: join(tmp, 'monday-2.jsonl'),
    t: join(tmp, 'tuesday.jsonl'),
  };

  before(async () => {
    const { monday, tuesday } = twoRuns();
    // Monday was scanned in two shards on two machines; a.test appears in both (unreachable in one).
    writeFileSync(files.m1, jsonl([...monday.slice(0, 3)]));
    writeFileSync(
      files.m2,
      jsonl([result('http://a.test:8000/mcp', { status: 'unreachable' }), ...monday.slice(3)]),
    );
    writeFileSync(files.t, jsonl(tuesday));
  });

  it('import merges several JSONL files into one run', async () => {
    const a = await runCli(['fleet', 'import', files.m1, files.m2, '--db', db, '--label', 'monday']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, `recorded run 1: 6 results from 2 files, 5 targets (4 answering) in ${db}\n`);
    const b = await runCli(['fleet', 'import', files.t, '--db', db]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /recorded run 2: 6 results from 1 file, 6 targets \(5 answering\)/);
  });

  it('list', async () => {
    const res = await runCli(['fleet', 'list', '--db', db, '--format', 'json']);
    assert.equal(res.code, 0, res.stderr);
    const runs = JSON.parse(res.stdout) as { id: number; label?: string; source: string; targets: number }[];
    assert.deepEqual(
      runs.map((r) => [r.id, r.label, r.source, r.targets]),
      [
        [2, undefined, 'import', 6],
        [1, 'monday', 'import', 5],
      ],
    );
  });

  it('diff defaults to the last two runs', async () => {
    const res = await runCli(['fleet', 'diff', '--db', db, '--format', 'jsonl']);
    assert.equal(res.code, 0, res.stderr);
    const rows = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { change: string; target: string });
    assert.deepEqual(
      rows.map((r) => [r.change, r.target]),
      [
        ['appeared', 'http://e.test:8000/mcp'],
        ['appeared', 'http://f.test:8000/mcp'],
        ['disappeared', 'http://d.test:8000/mcp'],
        ['upgrade', 'http://c.test:8000/mcp'],
        ['hardened', 'http://a.test:8000/mcp'],
        ['hardened', 'http://c.test:8000/mcp'],
      ],
    );
    const table = await runCli(['fleet', 'diff', '1', '2', '--db', db, '--format', 'table']);
    assert.match(table.stdout, /^run 1 \(monday\) -> run 2\n/);
    assert.match(
      table.stdout,
      /upgrade +http:\/\/c\.test:8000\/mcp +@modelcontextprotocol\/sdk 1\.12\.0 -> 1\.26\.0/,
    );
    assert.match(
      table.stdout,
      /2 appeared, 1 disappeared, 1 version changes, 2 hardened, 0 with new findings\n$/,
    );
  });

  it('outliers of a given run', async () => {
    const res = await runCli(['fleet', 'outliers', '1', '--db', db, '--format', 'json']);
    assert.equal(res.code, 0, res.stderr);
    const rows = JSON.parse(res.stdout) as { reason: string; target: string; advisory?: string }[];
    assert.deepEqual(
      rows.map((r) => [r.reason, r.target, r.advisory]),
      [
        ['behind-fix', 'http://c.test:8000/mcp', 'GHSA-8r9q-7v3j-jr4g'],
        ['behind-fix', 'http://c.test:8000/mcp', 'GHSA-w48q-cv73-mx4w'],
        ['behind-fleet', 'http://c.test:8000/mcp', undefined],
      ],
    );
  });

  const s = join(tmp, 'evil.db');
  it('terminal output strips control characters from server-controlled text', async () => {
    const evil = join(tmp, 'evil.jsonl');
    writeFileSync(
      evil,
      jsonl([
        result('http://e1.test/mcp', { server: { name: 'srv', version: '1.0.0' } }),
        result('http://e2.test/mcp', { server: { name: 'srv', version: '1.0.0' } }),
        result('http://e3\u001b[31mRED/mcp', { server: { name: 'srv', version: '0.9.0' } }),
      ]),
    );
    assert.equal((await runCli(['fleet', 'import', evil, '--db', s])).code, 0);
    const res = await runCli(['fleet', 'outliers', '--db', s, '--format', 'table']);
    assert.ok(!res.stdout.includes('\u001b'), 'no escape sequences reach the terminal');
    assert.match(res.stdout, /http:\/\/e3 \[31mRED\/mcp +srv +0\.9\.0 +behind fleet: 1\.0\.0 on 2\/3/);
  });

  it('bad input: one line, exit 2', async () => {
    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify(result('http://ok.test/mcp'))}\n{"target": "x", "status": "maybe"}\n`,
    );
    const res = await runCli(['fleet', 'import', bad, '--db', join(tmp, 'bad.db')]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^mcpward: .*bad\.jsonl:2: status: /);
    assert.equal(res.stderr.trim().split('\n').length, 1);
    const list = await runCli(['fleet', 'list', '--db', join(tmp, 'bad.db'), '--format', 'json']);
    assert.deepEqual(JSON.parse(list.stdout), [], 'the failed import left no run');

    const empty = join(tmp, 'empty.jsonl');
    writeFileSync(empty, '\n\n');
    const r1 = await runCli(['fleet', 'import', empty, '--db', join(tmp, 'bad.db')]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /empty\.jsonl: no results in the input/);

    const notJson = join(tmp, 'notjson.jsonl');
    writeFileSync(notJson, `${HOSTILE}\n`);
    const r2 = await runCli(['fleet', 'import', notJson, '--db', join(tmp, 'bad.db')]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /notjson\.jsonl:1: not valid JSON/);

    const none = await runCli(['fleet', 'diff', '--db', join(tmp, 'missing.db')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing\.db: no fleet database here yet/);

    const one = await runCli(['fleet', 'diff', '--db', s]);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /needs 2 finished runs, the database has 1/);

    const notDb = join(tmp, 'text.db');
    writeFileSync(notDb, 'hello, not sqlite at all, but long enough to have a header of sorts........');
    const r3 = await runCli(['fleet', 'list', '--db', notDb]);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /text\.db: not a SQLite database|text\.db: cannot open database/);
  });
});
