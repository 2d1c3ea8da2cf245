import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  type BadLineReason,
  expandInputs,
  LineSplitter,
  LogReader,
  readAllEvents,
  type SkippedLine,
} from '../../src/logs/index.js';
import { UserError } from '../../src/util/errors.js';
import { fixtureLines, logFixture } from '../helpers/log-fixtures.js';

const good = (n: number, ua = 'curl/8.5.0') =>
  `192.0.2.${n} - - [05/Jan/2026:10:00:0${n % 10} +0000] "GET /p${n} HTTP/1.1" 200 ${n} "-" "${ua}"`;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpward-logs-input-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('reading inputs', () => {
  it('counts malformed lines with file and line number and never stops; lines = parsed + skipped', async () => {
    const parts: Buffer[] = [
      Buffer.from(`${good(1)}\n`), // 1 ok
      Buffer.from('\n'), // 2 empty
      Buffer.from(`${good(3)}\r\n`), // 3 ok (CRLF)
      Buffer.from(`${good(4).slice(0, 60)}\n`), // 4 truncated → unparseable
      Buffer.concat([Buffer.from(good(5).slice(0, 20)), Buffer.from([0, 0, 0]), Buffer.from('\n')]), // 5 binary
      Buffer.concat([Buffer.from(good(6).slice(0, 90)), Buffer.from([0xc3, 0x28]), Buffer.from('"\n')]), // 6 bad UTF-8
      Buffer.from(`${good(7, 'Mozilla/5.0 (Linux; ü) 日本')}\n`), // 7 ok, valid UTF-8
      Buffer.from(`${good(8, 'x'.repeat(70 * 1024))}\n`), // 8 over 64 KiB
      Buffer.from(good(9)), // 9 ok, no final newline
    ];
    const file = join(dir, 'mixed.log');
    const bytes = Buffer.concat(parts);
    writeFileSync(file, bytes);
    const skipped: SkippedLine[] = [];
    const { events, stats } = await readAllEvents([file], {
      format: 'combined',
      onSkip: (s) => skipped.push(s),
    });

    assert.deepEqual(
      events.map((e) => e._line),
      [1, 3, 7, 9],
    );
    assert.equal(stats.lines, 9);
    assert.equal(stats.parsed, 4);
    assert.equal(stats.skipped, 5);
    assert.equal(stats.lines, stats.parsed + stats.skipped);
    assert.deepEqual(
      skipped.map((s) => [s.line, s.reason]),
      [
        [2, 'empty'],
        [4, 'unparseable'],
        [5, 'binary'],
        [6, 'invalid-utf8'],
        [8, 'too-long'],
      ],
    );
    for (const s of skipped) assert.equal(s.source, file);
    assert.match(skipped[1]!.detail!, /truncated/);
    assert.equal(stats.skippedBy['too-long'], 1);
    assert.equal(stats.samples.length, 4, 'empty lines are counted but not sampled');
    // Offsets point at the first byte of each line in the file.
    for (const e of events) {
      const raw = bytes.subarray(e._offset, e._offset + Buffer.byteLength(e._raw)).toString('utf8');
      assert.equal(raw, e._raw);
    }
    assert.equal(events[2]!['cs-user-agent'], 'Mozilla/5.0 (Linux; ü) 日本');
    assert.equal(events[1]!._raw.endsWith('\r'), false, 'CR stripped');
  });

  it('splits identically whatever the chunk boundaries', () => {
    const text = Buffer.from(
      [good(1), '', `${good(2)}\r`, 'é ü 日本', good(3), 'x'.repeat(300), good(4)].join('\n'),
    );
    const run = (size: number) => {
      const out: string[] = [];
      const sp = new LineSplitter(
        {
          line: (t, n, o) => out.push(`${n}@${o}:${t}`),
          bad: (r: BadLineReason, n, o) => out.push(`${n}@${o}!${r}`),
        },
        200,
      );
      for (let i = 0; i < text.length; i += size) sp.push(text.subarray(i, i + size));
      sp.end();
      return out;
    };
    const whole = run(text.length);
    assert.equal(whole.length, 7);
    assert.ok(whole[5]!.endsWith('!too-long'));
    for (const size of [1, 2, 3, 7, 64, 199, 201]) assert.deepEqual(run(size), whole, `chunk size ${size}`);
  });

  it('skips an endless line without holding more than the cap', () => {
    let partialMax = 0;
    const bad: string[] = [];
    const lines: string[] = [];
    const sp = new LineSplitter(
      { line: (t) => lines.push(t), bad: (r, n) => bad.push(`${n}:${r}`) },
      64 * 1024,
    );
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 160; i++) {
      sp.push(chunk); // 10 MiB without a newline
      partialMax = Math.max(partialMax, sp.partialBytes);
    }
    sp.push(Buffer.from(`tail\n${good(1)}\n`));
    sp.end();
    assert.ok(partialMax <= 64 * 1024, `held ${partialMax} bytes`);
    assert.deepEqual(bad, ['1:too-long']);
    assert.deepEqual(lines, [good(1)]);
    assert.equal(sp.position.offset, 160 * 64 * 1024 + 5 + good(1).length + 1);
  });

  it('reads .gz by its magic bytes, as a stream, with the same events as the plain file', async () => {
    const plain = logFixture('combined.log');
    const gz = join(dir, 'combined.log.gz');
    const disguised = join(dir, 'combined-rotated.1');
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    writeFileSync(disguised, gzipSync(readFileSync(plain)));
    const strip = (e: Record<string, unknown>) => ({ ...e, _source: '' });
    const a = await readAllEvents([plain], { format: 'combined' });
    const b = await readAllEvents([gz], { format: 'combined' });
    const c = await readAllEvents([disguised]);
    assert.equal(a.events.length, fixtureLines('combined.log').length);
    assert.deepEqual(b.events.map(strip), a.events.map(strip));
    assert.deepEqual(c.events.map(strip), a.events.map(strip));
    assert.equal(b.events[0]!._source, gz);
  });

  it('reports a truncated .gz as a problem, keeps what it read, and goes on to the next input', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => good(i)).join('\n') + '\n';
    const full = gzipSync(Buffer.from(lines));
    const cut = join(dir, 'cut.log.gz');
    writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    const { events, stats } = await readAllEvents([cut, logFixture('common.log')], { format: 'combined' });
    assert.equal(stats.problems.length, 1);
    assert.equal(stats.problems[0]!.source, cut);
    assert.match(stats.problems[0]!.message, /read stopped/);
    const fromCut = events.filter((e) => e._source === cut).length;
    assert.ok(fromCut > 0 && fromCut < 2000, `read ${fromCut} lines before the cut`);
    assert.equal(events.filter((e) => e._source.endsWith('common.log')).length, 2);
    assert.equal(stats.lines, stats.parsed + stats.skipped);
  });

  it('reads stdin (-), gzipped or not', async () => {
    const text = readFileSync(logFixture('combined.log'));
    const plain = await readAllEvents(['-'], {
      stdin: Readable.from([text.subarray(0, 1), text.subarray(1)]),
    });
    assert.equal(plain.events.length, fixtureLines('combined.log').length);
    assert.equal(plain.events[0]!._source, '-');
    assert.equal(plain.stats.formats[0]!.format, 'combined');
    const gz = gzipSync(text);
    const zipped = await readAllEvents(['-'], {
      stdin: Readable.from([gz.subarray(0, 1), gz.subarray(1, 5), gz.subarray(5)]),
    });
    assert.deepEqual(zipped.events, plain.events);
  });

  it('delivers a live stream (tail -F | ...) line by line, without waiting for more lines or the end', {
    timeout: 10_000,
  }, async () => {
    const stdin = new PassThrough();
    const reader = new LogReader(['-'], { stdin });
    const it = reader[Symbol.asyncIterator]();
    stdin.write(`${good(1)}\n`);
    const first = await it.next();
    assert.equal(first.done, false);
    assert.deepEqual(
      (first.value as { _line: number }[]).map((e) => e._line),
      [1],
    );
    stdin.end(`${good(2)}\n`);
    const second = await it.next();
    assert.equal((second.value as { _line: number }[])[0]!._line, 2);
    assert.equal((await it.next()).done, true);
    assert.equal(reader.stats.formats[0]!.format, 'combined');
  });

  it('expands globs (sorted, files only); missing files and empty globs are user errors', async () => {
    const g = join(dir, 'glob');
    rmSync(g, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(g, 'sub.log'), { recursive: true });
    for (const n of ['b.log', 'a.log', 'c.txt']) writeFileSync(join(g, n), `${good(1)}\n`);
    assert.deepEqual(await expandInputs([join(g, '*.log'), '-']), [join(g, 'a.log'), join(g, 'b.log'), '-']);
    await assert.rejects(
      expandInputs([join(g, '*.gz')]),
      (e: unknown) => e instanceof UserError && /no files match/.test(e.message),
    );
    await assert.rejects(
      expandInputs([join(g, 'nope.log')]),
      (e: unknown) => e instanceof UserError && e.where === join(g, 'nope.log'),
    );
    await assert.rejects(expandInputs([join(g, 'sub.log')]), /not a file/);
    const reader = new LogReader([join(g, '*.log')], { format: 'combined' });
    let n = 0;
    for await (const batch of reader) n += batch.length;
    assert.equal(n, 2);
    assert.equal(reader.stats.inputs, 2);
  });

  it('an unrecognisable file is skipped line by line as unknown-format, not fatal', async () => {
    const file = join(dir, 'syslog.log');
    writeFileSync(
      file,
      'Jan  5 10:00:01 host sshd[1]: Accepted publickey\nJan  5 10:00:02 host cron[2]: job\n',
    );
    const { events, stats } = await readAllEvents([file, logFixture('common.log')]);
    assert.equal(events.length, 2);
    assert.equal(stats.skippedBy['unknown-format'], 2);
    assert.equal(stats.lines, 4);
  });
});
