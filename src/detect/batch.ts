/**
 * Reading logs once (not following): every input in event-time order, parse + match inline or in
 * worker threads, correlations and alerts on this thread, in log order.
 *
 * Worker threads take big plain files: the file is cut into ranges at line starts, each worker parses
 * and matches ranges, and only the matching events come back (see match-batch.ts). stdin, `.gz` and
 * small files are read on this thread. Both paths produce the same batches, so the same alerts.
 */
import { open, stat } from 'node:fs/promises';
import type { Alert } from '../alerts/model.js';
import { AlertRuntime } from '../alerts/runtime.js';
import { resolveFormat } from '../logs/formats.js';
import { expandInputs, LogReader, READ_CHUNK_BYTES, STDIN } from '../logs/input.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from '../logs/lines.js';
import { type FormatDecision, InputPipeline, type LogStats, newStats } from '../logs/pipeline.js';
import { HeapGuard } from './heap.js';
import { applyBatch, Matcher } from './match-batch.js';
import { lineRanges, MatchPool } from './pool.js';
import { linePrefilter, planPrefilter } from './prefilter.js';
import { fillSampleTexts } from './samples.js';
import { mergeStats } from './stats.js';

export interface BatchOptions {
  inputs: readonly string[];
  /** `--log-format`: auto, a name or a format string. */
  format: string;
  runtime: AlertRuntime;
  /** Worker threads for big files (≤ 1: none). */
  workers: number;
  /** Pass over lines that hold none of the rules' literals without parsing them (default true). */
  prefilter?: boolean;
  /** Files smaller than this are read on the main thread (default 4 MiB). */
  minParallelBytes?: number;
  /** Range size per worker task (default: about 8 MiB, less for smaller files). */
  rangeBytes?: number;
  /** Alerts as they are emitted (windows closing, in log time). */
  onAlerts: (alerts: Alert[]) => void | Promise<void>;
  /** Progress: bytes done of `totalBytes` (files only; stdin counts 0), lines read so far. */
  onProgress?: (bytesDone: number, totalBytes: number, lines: number) => void;
  stdin?: NodeJS.ReadableStream;
}

export interface BatchResult {
  stats: LogStats;
  files: string[];
  /** Files read by worker threads. */
  parallel: string[];
  /** The literals lines were prefiltered on (undefined: no prefilter). */
  prefilter: string[] | undefined;
}

/**
 * Bytes per worker task: small enough that a range's matches are applied and dropped before the main
 * thread's young generation fills up (bigger batches live long enough to be promoted, and the old
 * generation then grows with garbage), big enough that messages cost nothing.
 */
const RANGE_BYTES = 2 * 1024 * 1024;

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

async function head(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Time of an input's first line that has one (for ordering rotated files), or +∞. */
async function firstTime(path: string, format: string): Promise<number> {
  const reader = new LogReader([path], { format });
  try {
    for await (const batch of reader) {
      for (const ev of batch) if (typeof ev._time === 'number') return ev._time;
      if (reader.stats.lines > 1000) break;
    }
  } catch {
    /* unreadable: reported when it is read for real */
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Files in event-time order (by their first timestamp), so `access.log*` reads access.log.2 before
 * access.log.1 before access.log. Inputs including stdin keep the order given.
 */
export async function orderInputs(paths: readonly string[], format: string): Promise<string[]> {
  if (paths.length < 2 || paths.includes(STDIN)) return [...paths];
  const times = await Promise.all(paths.map((p) => firstTime(p, format)));
  return paths
    .map((p, i) => ({ p, i, t: times[i]! }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.p);
}

/**
 * The format the main thread's reader would pick for this file (same first read, same sniff), or
 * undefined when the first lines are not recognised (that file is then read on the main thread).
 */
async function sniffFile(path: string): Promise<FormatDecision | undefined> {
  const first = await head(path, READ_CHUNK_BYTES);
  const stats = newStats();
  let decision: FormatDecision | undefined;
  const pipe = new InputPipeline(path, {
    format: { kind: 'auto' },
    stats,
    onFormat: (d) => {
      decision = d;
    },
  });
  const splitter = new LineSplitter(pipe, DEFAULT_MAX_LINE_BYTES);
  splitter.push(first);
  pipe.flush();
  if (stats.skippedBy['unknown-format'] > 0) return undefined;
  return decision;
}

/** The first lines of the first file, to choose prefilter literals on (none for stdin). */
export async function sampleLines(paths: readonly string[]): Promise<string[]> {
  const first = paths.find((p) => p !== STDIN);
  if (first === undefined) return [];
  let bytes: Buffer;
  try {
    bytes = await head(first, READ_CHUNK_BYTES);
  } catch {
    return []; // not there yet (--follow): the built-in sample decides
  }
  if (isGzip(bytes)) return [];
  const lines = bytes.toString('latin1').split('\n');
  if (bytes.length === READ_CHUNK_BYTES) lines.pop();
  return lines.filter((l) => l.length > 0).slice(0, 500);
}

export async function detectBatch(opts: BatchOptions): Promise<BatchResult> {
  const rt = opts.runtime;
  const fields = AlertRuntime.fieldsFor(rt.pack);
  // Workers send neither the line (samples are read back from the file) nor the file name.
  const workerFields = AlertRuntime.fieldsFor(rt.pack, { raw: false, source: false });
  const paths = await orderInputs(await expandInputs(opts.inputs), opts.format);
  const fixed = resolveFormat(opts.format);
  const plan = opts.prefilter === false ? undefined : planPrefilter(rt.pack.engine, await sampleLines(paths));

  const total = newStats();
  const sizes = new Map<string, number>();
  const plain = new Set<string>();
  for (const p of paths) {
    if (p === STDIN) continue;
    sizes.set(p, (await stat(p)).size);
    // A plain file's lines can be read back by offset for alert samples; .gz offsets are decompressed.
    if (!isGzip(await head(p, 2))) plain.add(p);
  }
  rt.tracker.setRereadable((f) => plain.has(f));
  let doneBytes = 0;
  const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  const out: Alert[] = [];
  const emit = async () => {
    if (out.length === 0) return;
    const batch = out.splice(0);
    fillSampleTexts(batch);
    await opts.onAlerts(batch);
  };
  const matcher = new Matcher(rt.pack, fields, plan ? linePrefilter(plan.literals) : undefined);
  const heap = new HeapGuard();
  const minParallel = opts.minParallelBytes ?? 4 * 1024 * 1024;
  let pool: MatchPool | undefined;
  const parallel: string[] = [];
  try {
    for (const path of paths) {
      const size = sizes.get(path) ?? 0;
      let format: string | undefined;
      let decision: FormatDecision | undefined;
      if (opts.workers > 1 && path !== STDIN && size >= minParallel && !isGzip(await head(path, 2))) {
        if (fixed.kind === 'fixed') format = opts.format;
        else {
          decision = await sniffFile(path);
          format = decision?.format;
        }
      }
      if (format !== undefined) {
        pool ??= await MatchPool.start(opts.workers, {
          spec: rt.pack.spec,
          fields: workerFields,
          prefilter: plan ?? null,
        });
        parallel.push(path);
        const stats = newStats();
        stats.inputs = 1;
        stats.formats.push(
          decision ?? { source: path, format: fixed.kind === 'fixed' ? fixed.name : format, sniffed: false },
        );
        const chunk =
          opts.rangeBytes ??
          Math.max(256 * 1024, Math.min(RANGE_BYTES, Math.ceil(size / (opts.workers * 4))));
        const ranges = await lineRanges(path, size, chunk);
        let lineBase = 0;
        await pool.runFile(path, format, ranges, DEFAULT_MAX_LINE_BYTES, async (reply, range) => {
          mergeStats(stats, reply.stats, lineBase, false);
          applyBatch(rt, workerFields, reply.batch, lineBase, out, path);
          heap.check();
          lineBase += reply.stats.lines;
          opts.onProgress?.(doneBytes + range.end, totalBytes, total.lines + stats.lines);
          await emit();
        });
        mergeStats(total, stats, 0);
      } else {
        const reader = new LogReader([path], {
          format: opts.format,
          onFormat: (d) => matcher.setFormat(d.format),
          ...(opts.stdin ? { stdin: opts.stdin } : {}),
        });
        let lastOffset = 0;
        try {
          for await (const events of reader) {
            for (const ev of events) matcher.add(ev);
            if (events.length) lastOffset = events[events.length - 1]!._offset;
            applyBatch(rt, fields, matcher.take(), 0, out);
            heap.check();
            opts.onProgress?.(
              doneBytes + Math.min(lastOffset, size),
              totalBytes,
              total.lines + reader.stats.lines,
            );
            await emit();
          }
        } finally {
          mergeStats(total, reader.stats, 0);
        }
      }
      doneBytes += size;
    }
  } finally {
    await pool?.close();
  }
  rt.finish(out);
  await emit();
  return { stats: total, files: paths, parallel, prefilter: plan?.literals };
}
