import { readFileSync } from 'node:fs';
import {
  dedupe,
  type ExpandOptions,
  expandTarget,
  parseTargetLines,
  type ScanTarget,
} from '../scan/targets.js';
import { UserError } from '../util/errors.js';

/** Reads a target list from a file or stdin (`-`). */
export function readTargetSource(path: string): { text: string; name: string } {
  if (path === '-') {
    try {
      return { text: readFileSync(0, 'utf8'), name: '<stdin>' };
    } catch (err) {
      throw new UserError(`cannot read targets from stdin (${(err as Error).message})`, '-i -');
    }
  }
  try {
    return { text: readFileSync(path, 'utf8'), name: path };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read target file (${code === 'ENOENT' ? 'no such file' : code})`, path);
  }
}

/**
 * Every target from the arguments and input files, deduplicated. Returned as a factory so the list
 * can be walked twice (once to count and validate, once to scan) without holding it in memory.
 */
export function targetSource(
  args: string[],
  inputs: string[],
  opts: ExpandOptions,
): () => Generator<ScanTarget> {
  const files = inputs.map(readTargetSource);
  return function* () {
    const all = function* () {
      for (const a of args) yield* expandTarget(a, opts);
      for (const f of files) yield* parseTargetLines(f.text, f.name, opts);
    };
    yield* dedupe(all());
  };
}

/** `80,443,8000-8010` */
export function parsePorts(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new UserError(`not a port or range: "${part}"`, '--ports');
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a < 1 || b > 65535 || a > b) throw new UserError(`port range out of bounds: "${part}"`, '--ports');
    if (b - a > 10_000) throw new UserError(`port range too large: "${part}"`, '--ports');
    for (let p = a; p <= b; p++) if (!out.includes(p)) out.push(p);
  }
  if (out.length === 0) throw new UserError('no ports given', '--ports');
  return out;
}
