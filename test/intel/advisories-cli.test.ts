import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultProductMap, loadAdvisoryDb, matchProduct } from '../../src/intel/index.js';
import { runCli } from '../helpers/cli.js';
import { writeZip } from '../helpers/zip.js';

const tmp = mkdtempSync(join(tmpdir(), 'mcpward-adv-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A small OSV record for a package the bundled set does not cover. */
function record(id: string, name: string, fixed: string, modified = '2026-01-01T00:00:00Z') {
  return {
    schema_version: '1.6.0',
    id,
    modified,
    aliases: [`CVE-2099-${id.slice(-4)}`],
    summary: `${name} test advisory`,
    affected: [
      {
        package: { ecosystem: 'npm', name, purl: `pkg:npm/${name}` },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
    database_specific: { severity: 'HIGH' },
  };
}

function lines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('mcpward advisories import / list', () => {
  const home = join(tmp, 'home');
  const env = { MCPWARD_HOME: home };
  const zipPath = join(tmp, 'all.zip');
  const dirPath = join(tmp, 'export');

  before(async () => {
    // osv.dev's per-ecosystem all.zip: a flat zip of <ID>.json files.
    await writeZip(zipPath, [
      {
        name: 'TEST-2099-0001.json',
        data: JSON.stringify(record('TEST-2099-0001', 'zip-only-mcp', '1.2.0')),
      },
      {
        name: 'TEST-2099-0002.json',
        data: JSON.stringify(record('TEST-2099-0002', 'zip-only-mcp', '2.0.0')),
      },
      { name: 'README.txt', data: 'not a record' },
    ]);
    mkdirSync(join(dirPath, '2099', '01'), { recursive: true });
    writeFileSync(
      join(dirPath, '2099', '01', 'TEST-2099-0003.json'),
      JSON.stringify(record('TEST-2099-0003', 'dir-only-mcp', '3.1.4')),
    );
    // A newer copy of a bundled record replaces it.
    const bundled = JSON.parse(
      readFileSync(
        new URL(
          '../../../data/advisories/github-reviewed/2025/06/GHSA-7f8r-222p-6f5g/GHSA-7f8r-222p-6f5g.json',
          import.meta.url,
        ),
        'utf8',
      ),
    );
    writeFileSync(
      join(dirPath, 'GHSA-7f8r-222p-6f5g.json'),
      JSON.stringify({ ...bundled, modified: '2030-01-01T00:00:00Z', summary: 'revised upstream' }),
    );
  });

  it('imports an osv.dev-style all.zip', async () => {
    const res = await runCli(['advisories', 'import', zipPath], { env });
    assert.equal(res.stderr, '');
    assert.equal(res.code, 0);
    assert.match(res.stdout, /imported 2 records from .*all\.zip: 2 added, 0 updated, 0 unchanged/);
    const again = await runCli(['advisories', 'import', zipPath], { env });
    assert.match(again.stdout, /0 added, 0 updated, 2 unchanged/);
  });

  it('imports a directory tree and replaces an older bundled record', async () => {
    const res = await runCli(['advisories', 'import', dirPath, '--data-dir', home]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /imported 2 records .*: 2 added/);
    const list = await runCli(
      ['advisories', 'list', '--package', '@modelcontextprotocol/inspector', '--format', 'jsonl'],
      { env },
    );
    const rows = lines(list.stdout);
    assert.deepEqual(
      rows.map((r) => [r['id'], r['summary']]),
      [
        ['GHSA-7f8r-222p-6f5g', 'revised upstream'],
        [
          'GHSA-g9hg-qhmf-q45m',
          'MCP Inspector is Vulnerable to Potential Command Execution via XSS When Connecting to an Untrusted MCP Server',
        ],
      ],
    );
  });

  it('lists imported and bundled records together, filtered by ecosystem', async () => {
    const res = await runCli(['advisories', 'list', '--ecosystem', 'NPM', '--format', 'json'], { env });
    assert.equal(res.code, 0, res.stderr);
    const rows = JSON.parse(res.stdout) as { id: string; ecosystem: string; affected: string[] }[];
    assert.ok(rows.every((r) => r.ecosystem === 'npm'));
    const ids = rows.map((r) => r.id);
    for (const id of ['TEST-2099-0001', 'TEST-2099-0002', 'TEST-2099-0003', 'GHSA-w48q-cv73-mx4w'])
      assert.ok(ids.includes(id), id);
    assert.ok(!ids.includes('GHSA-3qhf-m339-9g5v'), 'PyPI left out');
    assert.deepEqual(rows.find((r) => r.id === 'GHSA-hc55-p739-j48w')!.affected, [
      '<=0.6.2',
      '>=2025.1.14 <2025.7.1',
    ]);
    const onlyImported = await runCli(['advisories', 'list', '--no-bundled', '--format', 'jsonl'], { env });
    assert.deepEqual(
      lines(onlyImported.stdout).map((r) => r['id']),
      ['GHSA-7f8r-222p-6f5g', 'TEST-2099-0003', 'TEST-2099-0001', 'TEST-2099-0002'],
    );
  });

  it('imported advisories are matched by the library API', () => {
    const db = loadAdvisoryDb({ dataDir: home });
    try {
      const m = matchProduct(
        { product: 'zip-only-mcp', version: '1.5.0', source: 'serverinfo' },
        db,
        defaultProductMap(),
      );
      assert.deepEqual(
        m.advisories.map((a) => a.id),
        ['TEST-2099-0002'],
      );
      assert.equal(m.advisories[0]!.fixed, '2.0.0');
    } finally {
      db.close();
    }
  });

  it('prints a table on request', async () => {
    const res = await runCli(['advisories', 'list', '--package', 'mcp-server-git', '--format', 'table'], {
      env,
    });
    assert.equal(res.code, 0);
    assert.match(res.stdout, /^ID +SEVERITY +ECOSYSTEM +PACKAGE/);
    assert.match(res.stdout, /GHSA-9xwc-hfwc-8w59 +medium +PyPI +mcp-server-git +<=2025\.11\.25/);
    assert.match(res.stdout, /\n4 advisories\n$/);
  });
});

describe('mcpward advisories import: bad input', () => {
  const env = { MCPWARD_HOME: join(tmp, 'bad-home') };
  const oneLine = (s: string) => {
    assert.equal(s.trim().split('\n').length, 1, `expected one line: ${s}`);
    assert.match(s, /^mcpward: /);
  };

  it('a file that is not a zip', async () => {
    const p = join(tmp, 'broken.zip');
    writeFileSync(p, 'PK\u0003\u0004 this is not really a zip archive at all');
    const res = await runCli(['advisories', 'import', p], { env });
    assert.equal(res.code, 2);
    oneLine(res.stderr);
    assert.match(res.stderr, /broken\.zip: not a readable zip archive/);
  });

  it('a truncated zip', async () => {
    const good = join(tmp, 'good.zip');
    await writeZip(good, [
      { name: 'A.json', data: JSON.stringify(record('TEST-2099-0009', 'x-mcp', '1.0.0')) },
    ]);
    const bytes = readFileSync(good);
    const p = join(tmp, 'truncated.zip');
    writeFileSync(p, bytes.subarray(0, bytes.length - 30));
    const res = await runCli(['advisories', 'import', p], { env });
    assert.equal(res.code, 2);
    oneLine(res.stderr);
    assert.match(res.stderr, /truncated\.zip: not a readable zip archive/);
  });

  it('a zip bomb (an entry that inflates 1000x) is refused before inflating', async () => {
    const p = join(tmp, 'bomb.zip');
    await writeZip(p, [{ name: 'BOMB.json', data: Buffer.alloc(12 * 1024 * 1024, 0x20) }]);
    const res = await runCli(['advisories', 'import', p], { env });
    assert.equal(res.code, 2);
    oneLine(res.stderr);
    assert.match(res.stderr, /bomb\.zip:BOMB\.json: entry expands \d+x .*refusing a likely zip bomb/);
  });

  it('an oversized entry', async () => {
    const p = join(tmp, 'big.zip');
    // Random-ish content does not compress, so only the size limit can catch it.
    const big = Buffer.alloc(17 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    await writeZip(p, [{ name: 'BIG.json', data: big, store: true }]);
    const res = await runCli(['advisories', 'import', p], { env });
    assert.equal(res.code, 2);
    oneLine(res.stderr);
    assert.match(res.stderr, /big\.zip:BIG\.json: entry is 17\.0 MiB uncompressed, over the 16\.0 MiB limit/);
  });

  it('an entry whose header understates its size is stopped while inflating', async () => {
    const p = join(tmp, 'liar.zip');
    await writeZip(p, [
      {
        name: 'LIAR.json',
        data: JSON.stringify(record('TEST-2099-0012', 'z-mcp', '1.0.0')).padEnd(50_000, ' '),
      },
    ]);
    const bytes = readFileSync(p);
    // Claim 100 bytes uncompressed in both the local header (offset 22) and the central directory (offset 24).
    for (let i = 0; i + 4 <= bytes.length; i++) {
      const sig = bytes.readUInt32LE(i);
      if (sig === 0x04034b50) bytes.writeUInt32LE(100, i + 22);
      if (sig === 0x02014b50) bytes.writeUInt32LE(100, i + 24);
    }
    writeFileSync(p, bytes);
    const res = await runCli(['advisories', 'import', p], { env });
    assert.equal(res.code, 2);
    oneLine(res.stderr);
    assert.match(
      res.stderr,
      /liar\.zip:LIAR\.json: not a readable zip archive \(too many bytes in the stream/,
    );
  });

  it('an invalid record names the entry and the key; --skip-invalid goes on', async () => {
    const p = join(tmp, 'invalid.zip');
    const bad = record('TEST-2099-0010', 'y-mcp', '1.0.0');
    (bad.affected[0]!.ranges[0]!.events as object[]) = [{ introduced: '0', fixed: '1.0.0' }];
    await writeZip(p, [
      { name: 'TEST-2099-0010.json', data: JSON.stringify(bad) },
      { name: 'TEST-2099-0011.json', data: JSON.stringify(record('TEST-2099-0011', 'y-mcp', '1.0.0')) },
    ]);
    const res = await runCli(['advisories', 'import', p], { env });
    assert.equal(res.code, 2);
    oneLine(res.stderr);
    assert.match(res.stderr, /invalid\.zip:TEST-2099-0010\.json: affected\[0\]\.ranges\[0\]\.events\[0\]/);
    const list = await runCli(['advisories', 'list', '--no-bundled', '--format', 'jsonl'], { env });
    assert.equal(list.stdout, '', 'a failed import writes nothing');
    const skip = await runCli(['advisories', 'import', p, '--skip-invalid'], { env });
    assert.equal(skip.code, 0, skip.stderr);
    assert.match(skip.stdout, /imported 2 records .*1 added.*1 invalid skipped/);
  });

  it('a missing path', async () => {
    const res = await runCli(['advisories', 'import', join(tmp, 'nope')], { env });
    assert.equal(res.code, 2);
    oneLine(res.stderr);
    assert.match(res.stderr, /nope: no such file or directory/);
  });
});
