import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type PlainSdkServer, startPlainSdkServer } from '../../src/lab/plain-sdk.js';
import { runCli } from '../helpers/cli.js';

/**
 * A fleet of four real SDK servers, one running behind the others; scanned, upgraded, scanned again.
 */
describe('mcpward fleet scan', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpward-fleet-scan-'));
  const db = join(dir, 'fleet.db');
  const servers: PlainSdkServer[] = [];
  const start = (version: string, port = 0) =>
    startPlainSdkServer({ name: 'orders-mcp', version }, { host: '127.0.0.1', port });
  let urls: string[] = [];

  before(async () => {
    for (const v of ['2.1.0', '2.1.0', '2.1.0', '2.0.3']) servers.push(await start(v));
    urls = servers.map((s) => s.url);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('records a run and finds the server behind the fleet', async () => {
    const r = await runCli(['fleet', 'scan', ...urls, '--db', db, '--label', 'before']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^recorded run 1: 4 targets scanned \(4 answering\)/);
    const o = await runCli(['fleet', 'outliers', '--db', db, '--format', 'json']);
    assert.deepEqual(JSON.parse(o.stdout), [
      {
        reason: 'behind-fleet',
        target: urls[3],
        product: 'orders-mcp',
        version: '2.0.3',
        fleetVersion: '2.1.0',
        fleetShare: '3/4',
      },
    ]);
  });

  it('sees the upgrade in the next run and no outlier after it', async () => {
    const port = Number(new URL(urls[3]!).port);
    await servers[3]!.close();
    servers[3] = await start('2.1.0', port);
    const r = await runCli(['fleet', 'scan', ...urls, '--db', db, '--label', 'after']);
    assert.equal(r.code, 0, r.stderr);
    const d = await runCli(['fleet', 'diff', '--db', db, '--format', 'json']);
    assert.deepEqual(JSON.parse(d.stdout), [
      {
        change: 'upgrade',
        target: urls[3],
        detail: 'orders-mcp 2.0.3 -> 2.1.0',
        product: 'orders-mcp',
        from: '2.0.3',
        to: '2.1.0',
      },
    ]);
    const o = await runCli(['fleet', 'outliers', '--db', db, '--format', 'json']);
    assert.deepEqual(JSON.parse(o.stdout), []);
  });

  it('splits a target list into shards that together cover it once, and merges them', async () => {
    const list = join(dir, 'targets.txt');
    writeFileSync(list, `${urls.join('\n')}\n`);
    const seen: string[] = [];
    const files: string[] = [];
    for (const shard of ['1/2', '2/2']) {
      const out = join(dir, `shard-${shard.replace('/', '-of-')}.jsonl`);
      const r = await runCli(['scan', '-i', list, '--shard', shard, '-f', 'jsonl', '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      files.push(out);
      const lines = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean);
      seen.push(...lines.map((l) => (JSON.parse(l) as { target: string }).target));
    }
    assert.deepEqual([...seen].sort(), [...urls].sort());
    const m = await runCli(['fleet', 'import', ...files, '--db', db, '--label', 'sharded']);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /^recorded run 3: 4 results from 2 files, 4 targets/);
  });

  it('rejects a bad shard with one line and exit 2', async () => {
    const r = await runCli(['fleet', 'scan', urls[0]!, '--db', db, '--shard', '3/2']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^mcpward: --shard: expected i\/n/);
  });
});
