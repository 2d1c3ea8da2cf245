/** Adding up the line statistics of several reads (files, worker ranges). */
import { type LogStats, SKIP_REASONS } from '../logs/pipeline.js';

const MAX_SAMPLES = 20;

/**
 * Adds `part` to `into`. `lineBase` shifts the line numbers of `part`'s skipped-line samples (a worker
 * numbers its range from 1); `formats: false` leaves out `part`'s format decisions (a worker range
 * repeats the file's).
 */
export function mergeStats(into: LogStats, part: LogStats, lineBase: number, formats = true): void {
  into.lines += part.lines;
  into.parsed += part.parsed;
  into.skipped += part.skipped;
  for (const r of SKIP_REASONS) into.skippedBy[r] += part.skippedBy[r];
  for (const s of part.samples) {
    if (into.samples.length >= MAX_SAMPLES) break;
    into.samples.push({ ...s, line: s.line + lineBase });
  }
  into.inputs += part.inputs;
  if (formats) into.formats.push(...part.formats);
  into.problems.push(...part.problems);
}
