import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type FollowOptions,
  LogFollower,
  loadCheckpoint,
  type WebserverEvent,
} from '../../src/logs/index.js';
import { UserError } from '../../src/util/errors.js';

const line = (n: number) =>
  `192.0.2.${n % 250} - - [05/Jan/2026:10:00:00 +0000] "GET /req/${n} HTTP/1.1" 200 ${n} "-" "curl/8.5.0"`;
const lines = (from: number, to: number) => {
  let s = '';
  for (let i = from; i <= to; i++) s += `${line(i)}\n`;
  return s;
};
const reqNo = (e: WebserverEvent) => Number(e['cs-uri-stem']!.slice(5));

let dir: string;
let log: string;
const followers: LogFollower[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpward-follow-'));
  log = join(dir, 'access.log');
});
afterEach(async () => {
  for (const f of followers.splice(0)) await f.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function follow(opts: Partial<FollowOptions> = {}) {
  const events: WebserverEvent[] = [];
  const f = await LogFollower.start({
    paths: [log],
    format: 'combined',
    startAt: 'start',
    pollIntervalMs: 60_000,
    rotatedIdleMs: 0,
    onEvents: (evs) => {
      events.push(...evs);
    },
    ...opts,
  });
  followers.push(f);
  return { f, events };
}

describe('following a log', () => {
  it('holds a partial last line until its newline arrives; events carry line numbers and offsets', async () => {
    writeFileSync(log, `${line(1)}\n${line(2).slice(0, 40)}`);
    const { f, events } = await follow();
    await f.poll();
    assert.deepEqual(events.map(reqNo), [1]);
    appendFileSync(log, `${line(2).slice(40)}\n${line(3)}\n`);
    await f.poll();
    assert.deepEqual(events.map(reqNo), [1, 2, 3]);
    assert.deepEqual(
      events.map((e) => [e._line, e._offset]),
      [
        [1, 0],
        [2, line(1).length + 1],
        [3, line(1).length + line(2).length + 2],
      ],
    );
    assert.equal(events[1]!._raw, line(2));
    assert.equal(f.stats.lines, 3);
  });

  it('follows a rename rotation: drains the old file (still being written), then reads the new one', async () => {
    writeFileSync(log, lines(1, 3));
    const { f, events } = await follow();
    await f.poll();
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, lines(4, 5)); // the server writes to the old inode until it reopens
    writeFileSync(log, lines(6, 7));
    await f.poll();
    await f.poll(); // the rotated file, idle now, is closed
    appendFileSync(log, lines(8, 8));
    await f.poll();
    assert.deepEqual(events.map(reqNo), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(
      events.slice(5).map((e) => e._line),
      [1, 2, 3],
      'line numbers restart in the new file',
    );
  });

  it('notices copytruncate and reads the file again from its start', async () => {
    writeFileSync(log, lines(1, 4));
    const problems: string[] = [];
    const { f, events } = await follow({ onProblem: (p) => problems.push(p.message) });
    await f.poll();
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    appendFileSync(log, lines(5, 6));
    await f.poll();
    assert.deepEqual(events.map(reqNo), [1, 2, 3, 4, 5, 6]);
    assert.equal(events[4]!._line, 1);
    assert.equal(events[4]!._offset, 0);
    assert.match(problems.join('\n'), /truncated/);
  });

  it('restarts from its checkpoint with the saved state: no line twice, none skipped, across a rotation', async () => {
    const cp = join(dir, 'checkpoint.json');
    writeFileSync(log, lines(1, 5) + line(6).slice(0, 30));
    let state = { seen: 0 };
    const first = await follow({
      checkpoint: cp,
      getState: () => state,
      onEvents: (evs) => {
        state = { seen: state.seen + evs.length };
        seen1.push(...evs.map(reqNo));
      },
    });
    const seen1: number[] = [];
    await first.f.poll();
    await first.f.stop();
    assert.deepEqual(seen1, [1, 2, 3, 4, 5]);
    const saved = await loadCheckpoint(cp);
    assert.ok(saved);
    assert.equal(saved.files.length, 1);
    assert.equal(saved.files[0]!.offset, Buffer.byteLength(lines(1, 5)), 'the partial line is not consumed');
    assert.deepEqual(saved.state, { seen: 5 });

    // While stopped: the partial line completes, more lines, a rotation, late writes to the old file.
    appendFileSync(log, `${line(6).slice(30)}\n${lines(7, 8)}`);
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, lines(9, 9));
    writeFileSync(log, lines(10, 11));

    const seen2: number[] = [];
    const second = await follow({ checkpoint: cp, onEvents: (evs) => void seen2.push(...evs.map(reqNo)) });
    assert.deepEqual(second.f.restoredState, { seen: 5 });
    await second.f.poll();
    assert.deepEqual(seen2, [6, 7, 8, 9, 10, 11]);
    const all = [...seen1, ...seen2];
    assert.deepEqual(
      all,
      Array.from({ length: 11 }, (_, i) => i + 1),
    );
    assert.equal(second.events.length, 0, 'the custom onEvents received them');
  });

  it('without a checkpoint, startAt end skips what is already there (at a line boundary)', async () => {
    writeFileSync(log, lines(1, 3) + line(4).slice(0, 20));
    const { f, events } = await follow({ startAt: 'end' });
    await f.poll();
    assert.equal(events.length, 0);
    appendFileSync(log, `${line(4).slice(20)}\n${lines(5, 5)}`);
    await f.poll();
    assert.deepEqual(events.map(reqNo), [4, 5]);
    assert.deepEqual(
      events.map((e) => e._line),
      [4, 5],
    );
  });

  it('picks up a file that appears after the start, and wakes on fs.watch without polling', {
    timeout: 30_000,
  }, async () => {
    let wake: () => void = () => {};
    const got = new Promise<void>((r) => {
      wake = r;
    });
    const { events } = await follow({
      onEvents: (evs) => {
        events.push(...evs);
        if (events.length >= 2) wake();
      },
    });
    writeFileSync(log, lines(1, 2));
    await got; // the poll interval is a minute: only the directory watch can deliver this
    assert.deepEqual(events.map(reqNo), [1, 2]);
  });

  it('reads a large backlog in bounded passes and still delivers every line once, in order', {
    timeout: 30_000,
  }, async () => {
    const n = 50_000; // ~5 MB: five pass budgets of 1 MiB; a pass that does not reschedule hangs here
    let text = '';
    for (let i = 1; i <= n; i++) text += `${line(i)}\n`;
    writeFileSync(log, text);
    let next = 1;
    let done: () => void = () => {};
    const all = new Promise<void>((r) => {
      done = r;
    });
    let batches = 0;
    await follow({
      maxBytesPerPass: 1024 * 1024,
      onEvents: (evs) => {
        batches++;
        for (const e of evs) assert.equal(reqNo(e), next++);
        if (next > n) done();
      },
    });
    await all;
    assert.equal(next, n + 1);
    assert.ok(batches >= 18, `delivered in chunk-sized batches (${batches})`);
  });

  it('stops (and says why) when the consumer throws, instead of dropping lines', async () => {
    writeFileSync(log, lines(1, 2));
    const { f } = await follow({
      onEvents: () => {
        throw new Error('sink full');
      },
    });
    await assert.rejects(f.poll(), /sink full/);
    await assert.rejects(f.stop(), /sink full/);
  });

  it('a damaged checkpoint is a user error naming the file', async () => {
    const cp = join(dir, 'cp.json');
    writeFileSync(cp, '{"version":1,');
    await assert.rejects(
      LogFollower.start({ paths: [log], checkpoint: cp, onEvents: () => {} }),
      (e: unknown) => e instanceof UserError && e.where === cp,
    );
    writeFileSync(cp, JSON.stringify({ version: 1, savedAt: 'x', files: [{ path: log }] }));
    await assert.rejects(LogFollower.start({ paths: [log], checkpoint: cp, onEvents: () => {} }), UserError);
    assert.match(readFileSync(cp, 'utf8'), /version/);
  });
});
