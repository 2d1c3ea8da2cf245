/**
 * Following live logs (`tail -F` done carefully):
 *   - rotation by rename: the path's inode/device changes; the old file is drained and kept open until it
 *     stops growing (the server may write to it until it reopens its log), then the new file is read
 *     from its start;
 *   - truncation (copytruncate): the file is smaller than our position; read again from 0;
 *   - a partial last line is held until its newline arrives;
 *   - a checkpoint (see checkpoint.ts) records each open inode's position and the caller's state, so a
 *     restart resumes exactly after the last delivered line, even if the file was rotated meanwhile
 *     (the old inode is found again among the path's siblings).
 * Woken by fs.watch on the directories, with a modest poll as fallback; reads in fixed-size chunks, so
 * memory stays bounded whatever the backlog.
 */

import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { errorMessage } from '../util/errors.js';
import { type CheckpointEntry, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { WebserverEvent } from './event.js';
import { type FormatChoice, resolveFormat } from './formats.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, type SplitterPosition } from './lines.js';
import { type FormatDecision, InputPipeline, type LogStats, newStats, type SkippedLine } from './pipeline.js';

const CHUNK_BYTES = 256 * 1024;
const START: SplitterPosition = { offset: 0, line: 0, skipping: false };

export interface FollowOptions {
  /** Files to follow; they may not exist yet (they are picked up when they appear). */
  paths: readonly string[];
  /** `auto` (default), a format name, a format string, or a resolved choice. */
  format?: string | FormatChoice;
  /** Receives events in file order; the next read waits for a returned promise. */
  onEvents: (events: WebserverEvent[], source: string) => void | Promise<void>;
  /** Checkpoint file; without it nothing is saved and every start obeys `startAt`. */
  checkpoint?: string;
  /** The caller's state to store with each checkpoint (called only between deliveries). */
  getState?: () => unknown;
  /** Minimum time between checkpoints while running (default 5 s; 0 = after every read pass). */
  checkpointIntervalMs?: number;
  /** Where to start in a file the checkpoint does not know: `end` (default, like tail) or `start`. */
  startAt?: 'start' | 'end';
  /** Fallback poll interval (default 1000 ms); fs.watch normally wakes the follower sooner. */
  pollIntervalMs?: number;
  /** How long a rotated-away file must stay unchanged before it is closed (default 5000 ms). */
  rotatedIdleMs?: number;
  maxLineBytes?: number;
  /**
   * Bytes read from one file per pass before moving on (default 32 MiB): a log written faster than it
   * is read must not starve the other files or the checkpoint. The next pass follows at once.
   */
  maxBytesPerPass?: number;
  onSkip?: (s: SkippedLine) => void;
  onFormat?: (d: FormatDecision) => void;
  /** Rotation, truncation and read problems (also kept in stats.problems). */
  onProblem?: (p: { source: string; message: string }) => void;
}

interface Reading {
  fh: FileHandle;
  dev: bigint;
  ino: bigint;
  splitter: LineSplitter;
  rotated: boolean;
  /** When bytes last arrived (or the file was rotated away). */
  lastGrowth: number;
}

interface Followed {
  path: string;
  cur: Reading | undefined;
  /** Rotated-away inodes still being drained, oldest first. */
  old: Reading[];
  pipe: InputPipeline;
  /** Whether the checkpoint knew this path (then its current file, if new, is read from its start). */
  known: boolean;
}

export class LogFollower {
  readonly stats: LogStats = newStats();
  /** The `state` saved by the previous run's checkpoint (undefined on a first start). */
  restoredState: unknown;
  private readonly files: Followed[] = [];
  private readonly watchers: FSWatcher[] = [];
  private readonly buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private readonly format: FormatChoice;
  private queue: Promise<void> = Promise.resolve();
  private scheduled = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private lastSave = 0;
  private dirty = false;
  /** A file had more to read when its pass budget ran out: run another pass right away. */
  private more = false;
  private failure: unknown;

  private constructor(private readonly opts: FollowOptions) {
    const f = opts.format ?? 'auto';
    this.format = typeof f === 'string' ? resolveFormat(f) : f;
  }

  /** Loads the checkpoint, opens what exists, starts watching; the first read pass follows at once. */
  static async start(opts: FollowOptions): Promise<LogFollower> {
    const f = new LogFollower(opts);
    await f.init();
    return f;
  }

  /** Runs one read pass now (after any pass in progress) and resolves when it has delivered. */
  poll(): Promise<void> {
    return this.run(() => this.pass());
  }

  /** Saves a checkpoint now (between deliveries). */
  checkpoint(): Promise<void> {
    return this.run(() => this.save());
  }

  /** Stops watching and polling, waits for the pass in progress, saves a final checkpoint, closes files. */
  async stop(): Promise<void> {
    if (this.stopping) return this.queue;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.watchers) w.close();
    this.queue = this.queue
      .catch(() => {})
      .then(async () => {
        if (this.failure === undefined) await this.save();
        for (const f of this.files) {
          for (const r of [...f.old, f.cur]) await r?.fh.close().catch(() => {});
          f.old = [];
          f.cur = undefined;
        }
      });
    await this.queue;
    if (this.failure !== undefined) throw this.failure;
  }

  private run(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        await fn();
      } catch (err) {
        // A throwing consumer (or a bug) stops the follower rather than skipping its lines silently.
        this.failure = unwrap(err);
        if (this.timer) clearInterval(this.timer);
        for (const w of this.watchers) w.close();
        throw this.failure;
      }
    });
    this.queue = next.catch(() => {});
    return next;
  }

  private schedule = (): void => {
    if (this.scheduled || this.stopping || this.failure !== undefined) return;
    this.scheduled = true;
    this.run(async () => {
      this.scheduled = false;
      if (!this.stopping) await this.pass();
    }).catch(() => {});
  };

  private problem(source: string, message: string): void {
    const p = { source, message };
    this.stats.problems.push(p);
    this.opts.onProblem?.(p);
  }

  private async init(): Promise<void> {
    const cp = this.opts.checkpoint ? await loadCheckpoint(this.opts.checkpoint) : undefined;
    this.restoredState = cp?.state;
    const dirs = new Set<string>();
    for (const p of this.opts.paths) {
      const path = resolve(p);
      const pipe = new InputPipeline(path, {
        format: this.format,
        stats: this.stats,
        onSkip: this.opts.onSkip,
        onFormat: this.opts.onFormat,
      });
      const entries = cp?.files.filter((e) => e.path === path) ?? [];
      const f: Followed = { path, cur: undefined, old: [], pipe, known: entries.length > 0 };
      this.files.push(f);
      this.stats.inputs++;
      await this.restore(f, entries);
      dirs.add(dirname(path));
    }
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, this.schedule);
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch {
        // Directory missing or not watchable: the poll still covers it.
      }
    }
    this.timer = setInterval(this.schedule, this.opts.pollIntervalMs ?? 1000);
    this.schedule();
  }

  /** Reopens the inodes a checkpoint names: the current file by path, rotated ones among its siblings. */
  private async restore(f: Followed, entries: CheckpointEntry[]): Promise<void> {
    const st = await statOrUndefined(f.path);
    for (const e of entries) {
      const pos: SplitterPosition = { offset: e.offset, line: e.line, skipping: e.skipping };
      if (st && !f.cur && String(st.dev) === e.dev && String(st.ino) === e.ino) {
        f.cur = await this.openReading(f, f.path, pos, false);
        continue;
      }
      const where = await findInode(f.path, e.dev, e.ino);
      if (where === undefined) {
        this.problem(
          f.path,
          `rotated file (inode ${e.ino}) is gone; lines written to it after offset ${e.offset} are lost`,
        );
        continue;
      }
      const r = await this.openReading(f, where, pos, true);
      if (r) f.old.push(r);
    }
    if (f.cur === undefined && st)
      f.cur = await this.openReading(f, f.path, f.known ? START : undefined, false);
  }

  /**
   * Opens `path` for reading at `pos` (undefined = per `startAt`). Identity comes from the open handle, so
   * a rename between stat and open cannot mix files up.
   */
  private async openReading(
    f: Followed,
    path: string,
    pos: SplitterPosition | undefined,
    rotated: boolean,
  ): Promise<Reading | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.problem(path, `cannot open (${errorMessage(err)})`);
      return undefined;
    }
    const st = await fh.stat({ bigint: true });
    let start = pos;
    if (start === undefined)
      start = this.opts.startAt === 'start' ? START : await endOfLastLine(fh, this.buf);
    if (BigInt(start.offset) > st.size) {
      this.problem(
        f.path,
        'file is shorter than the checkpoint (truncated while stopped?); reading from its start',
      );
      start = START;
    }
    const splitter = new LineSplitter(f.pipe, this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, start);
    return { fh, dev: st.dev, ino: st.ino, splitter, rotated, lastGrowth: Date.now() };
  }

  /** Notices a new file at the path (rotation) or its first appearance. */
  private async refresh(f: Followed): Promise<void> {
    const st = await statOrUndefined(f.path);
    if (!st) return;
    if (f.cur === undefined) {
      // Appeared after we started (or reappeared after a delete): everything in it is new.
      f.cur = await this.openReading(f, f.path, START, false);
      return;
    }
    if (st.ino === f.cur.ino && st.dev === f.cur.dev) return;
    const next = await this.openReading(f, f.path, START, false);
    if (!next) return;
    f.cur.rotated = true;
    f.cur.lastGrowth = Date.now();
    f.old.push(f.cur);
    f.cur = next;
  }

  private async pass(): Promise<void> {
    for (const f of this.files) {
      if (this.stopping) return;
      try {
        await this.refresh(f);
        for (const r of [...f.old]) {
          if (await this.drain(f, r)) r.lastGrowth = Date.now();
          else if (Date.now() - r.lastGrowth >= (this.opts.rotatedIdleMs ?? 5000)) {
            r.splitter.end();
            f.old.splice(f.old.indexOf(r), 1);
            await r.fh.close().catch(() => {});
            this.dirty = true;
          }
        }
        if (f.cur) await this.drain(f, f.cur);
      } catch (err) {
        if (this.failure !== undefined || isConsumerError(err)) throw unwrap(err);
        this.problem(f.path, `read failed: ${errorMessage(err)}`);
      }
      f.pipe.flush();
      if (f.pipe.batch.length > 0) await this.deliver(f);
    }
    const every = this.opts.checkpointIntervalMs ?? 5000;
    if (this.dirty && Date.now() - this.lastSave >= every) await this.save();
    if (this.more) {
      this.more = false;
      setImmediate(this.schedule);
    }
  }

  /** Reads what was appended since the last pass; true if anything was. */
  private async drain(f: Followed, r: Reading): Promise<boolean> {
    const size = (await r.fh.stat()).size;
    const sp = r.splitter;
    let pos = sp.position.offset + sp.partialBytes;
    if (size < pos) {
      this.problem(f.path, `truncated (size ${size} < offset ${pos}, copytruncate?); reading from its start`);
      sp.reset(START);
      pos = 0;
      this.dirty = true;
    }
    let grew = false;
    let budget = this.opts.maxBytesPerPass ?? 32 * 1024 * 1024;
    while (!this.stopping) {
      if (budget <= 0) {
        this.more = true;
        break;
      }
      const { bytesRead } = await r.fh.read(this.buf, 0, this.buf.length, pos);
      if (bytesRead === 0) break;
      budget -= bytesRead;
      grew = true;
      pos += bytesRead;
      sp.push(this.buf.subarray(0, bytesRead));
      this.dirty = true;
      if (f.pipe.batch.length > 0 && !f.pipe.holding) await this.deliver(f);
    }
    return grew;
  }

  private async deliver(f: Followed): Promise<void> {
    const events = f.pipe.take();
    try {
      await this.opts.onEvents(events, f.path);
    } catch (err) {
      throw new ConsumerError(err);
    }
  }

  private async save(): Promise<void> {
    if (!this.opts.checkpoint) return;
    // Held lines (format still being sniffed) are consumed but undelivered: never checkpoint past them.
    if (this.files.some((f) => f.pipe.holding)) return;
    const files: CheckpointEntry[] = [];
    for (const f of this.files) {
      for (const r of [...f.old, f.cur]) {
        if (!r) continue;
        const p = r.splitter.position;
        files.push({
          path: f.path,
          dev: String(r.dev),
          ino: String(r.ino),
          offset: p.offset,
          line: p.line,
          skipping: p.skipping,
          rotated: r.rotated,
        });
      }
    }
    await saveCheckpoint(this.opts.checkpoint, { files, state: this.opts.getState?.() });
    this.lastSave = Date.now();
    this.dirty = false;
  }
}

class ConsumerError extends Error {
  constructor(readonly inner: unknown) {
    super('onEvents failed');
  }
}

function isConsumerError(err: unknown): boolean {
  return err instanceof ConsumerError;
}

function unwrap(err: unknown): unknown {
  return err instanceof ConsumerError ? err.inner : err;
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path, { bigint: true });
  } catch {
    return undefined;
  }
}

/** A rotated file: a sibling whose name starts with the followed file's name and has this inode. */
async function findInode(path: string, dev: string, ino: string): Promise<string | undefined> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const p = join(dir, name);
    const st = await statOrUndefined(p);
    if (st && String(st.dev) === dev && String(st.ino) === ino) return p;
  }
  return undefined;
}

/** Position just after the file's last newline, with the line count (for `startAt: 'end'`). */
async function endOfLastLine(fh: FileHandle, buf: Buffer): Promise<SplitterPosition> {
  let pos = 0;
  let lines = 0;
  let lastEnd = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    let i = buf.indexOf(10, 0);
    while (i !== -1 && i < bytesRead) {
      lines++;
      lastEnd = pos + i + 1;
      i = buf.indexOf(10, i + 1);
    }
    pos += bytesRead;
  }
  return { offset: lastEnd, line: lines, skipping: false };
}
