import { createReadStream } from 'node:fs';
import type { TargetResult } from '../report/model.js';
import { UserError } from '../util/errors.js';
import { parseWith } from '../util/validate.js';
import { targetResultSchema } from './target-result-schema.js';

const MAX_LINE = 8 * 1024 * 1024;

/** Lines of a file, each bounded in length so a file without newlines cannot exhaust memory. */
async function* lines(path: string): AsyncGenerator<{ n: number; text: string }> {
  const stream = createReadStream(path);
  let buf: Buffer[] = [];
  let size = 0;
  let n = 0;
  try {
    for await (const chunk of stream) {
      let b = chunk as Buffer;
      for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a)) {
        buf.push(b.subarray(0, i));
        n++;
        yield { n, text: Buffer.concat(buf).toString('utf8') };
        buf = [];
        size = 0;
        b = b.subarray(i + 1);
      }
      size += b.length;
      if (size > MAX_LINE) throw new UserError(`line longer than ${MAX_LINE} bytes`, `${path}:${n + 1}`);
      if (b.length) buf.push(b);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read file (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))})`,
      path,
    );
  }
  if (size > 0) yield { n: n + 1, text: Buffer.concat(buf).toString('utf8') };
}

/** TargetResults from `mcpward scan --format jsonl` files, validated; errors name file:line. */
export async function* readResultsJsonl(paths: readonly string[]): AsyncGenerator<TargetResult> {
  for (const path of paths) {
    for await (const { n, text } of lines(path)) {
      const t = text.trim();
      if (!t) continue;
      const where = `${path}:${n}`;
      let raw: unknown;
      try {
        raw = JSON.parse(t);
      } catch (err) {
        throw new UserError(`not valid JSON (${(err as Error).message})`, where);
      }
      yield parseWith(targetResultSchema, raw, where) as TargetResult;
    }
  }
}
