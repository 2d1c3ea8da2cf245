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
import { InputPipeline, newStats } from '../logs/pipeline.js';
import { errorMessage } from '../util/errors.js';
import { Matcher } from './match-batch.js';
import { linePrefilter } from './prefilter.js';
import type { WorkerInit, WorkerReply, WorkerTask } from './worker-protocol.js';

const READ_BYTES = 1024 * 1024;

function main(): void {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  const pack = loadRulePack(init.spec as PackSpec);
  const formats = new Map<string, ReturnType<typeof resolveFormat>>();
  const matcher = new Matcher(pack, init.fields, init.literals ? linePrefilter(init.literals) : undefined);
  const buf = Buffer.allocUnsafe(READ_BYTES);
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
    if (format.kind === 'fixed') matcher.setFormat(format.name);
    const pipe = new InputPipeline(task.file, { format, stats, maxSamples: 20 });
    const splitter = new LineSplitter(pipe, task.maxLineBytes, {
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
        for (const ev of pipe.take()) matcher.add(ev);
      }
    } finally {
      closeSync(fd);
    }
    // The range ends at a line end, except the file's unterminated last line.
    if (task.last) splitter.end();
    for (const ev of pipe.take()) matcher.add(ev);
    return { id: task.id, batch: matcher.take(), stats };
  }
}

main();
