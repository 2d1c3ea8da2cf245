/**
 * Worker thread: parses and matches one byte range of a log file at a time and sends back the
 * matching events as a MatchBatch (see match-batch.ts), with the range's line statistics. Ranges start
 * at line starts (chosen by the main thread), so no line is split between workers.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { loadRulePack, type PackSpec } from '../alerts/pack.js';
import { resolveFormat } from '../logs/formats.js';
import { LineSplitter } from '../logs/lines.js';
import { newStats } from '../logs/pipeline.js';
import { errorMessage } from '../util/errors.js';
import { HeapGuard } from './heap.js';
import { Matcher } from './match-batch.js';
import { linePrefilter } from './prefilter.js';
import { RangeSink } from './range-sink.js';
import type { WorkerInit, WorkerReply, WorkerTask } from './worker-protocol.js';

const READ_BYTES = 1024 * 1024;

function main(): void {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  const pack = loadRulePack(init.spec as PackSpec);
  const formats = new Map<string, ReturnType<typeof resolveFormat>>();
  const prefilter = init.prefilter ? linePrefilter(init.prefilter.literals) : undefined;
  const requestOnly = init.prefilter?.requestOnly ?? false;
  const matcher = new Matcher(pack, init.fields, prefilter);
  const buf = Buffer.allocUnsafe(READ_BYTES);
  const heap = new HeapGuard(32);
  port.on('message', (task: WorkerTask) => {
    let reply: WorkerReply;
    try {
      reply = run(task);
    } catch (err) {
      reply = { id: task.id, error: errorMessage(err) };
    }
    port.postMessage(reply);
  });

  function run(task: WorkerTask): WorkerReply {
    const stats = newStats();
    let format = formats.get(task.format);
    if (!format) {
      format = resolveFormat(task.format);
      formats.set(task.format, format);
    }
    if (format.kind !== 'fixed') throw new Error('worker ranges need a fixed format');
    matcher.setFormat(format.name);
    const sink = new RangeSink(task.file, format, prefilter, requestOnly, matcher, stats);
    const splitter = new LineSplitter(sink, task.maxLineBytes, {
      offset: task.start,
      line: 0,
      skipping: false,
    });
    const fd = openSync(task.file, 'r');
    try {
      let pos = task.start;
      while (pos < task.end) {
        const want = Math.min(READ_BYTES, task.end - pos);
        const n = readSync(fd, buf, 0, want, pos);
        if (n === 0) break;
        pos += n;
        splitter.push(buf.subarray(0, n));
        heap.check();
      }
    } finally {
      closeSync(fd);
    }
    // The range ends at a line end, except the file's unterminated last line.
    if (task.last) splitter.end();
    return { id: task.id, batch: matcher.take(), stats };
  }
}

main();
