import { createWriteStream, type WriteStream } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { SEVERITIES, type Severity } from '../report/model.js';
import { UserError } from '../util/errors.js';

/** Exit codes, the same for every command. */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

export function parseSeverity(value: string): Severity {
  const v = value.toLowerCase();
  if (v === 'none' || v === 'never') return 'critical';
  if (!(SEVERITIES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(', ')} or none`);
  return v as Severity;
}

export function parsePositiveInt(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** `500ms`, `2s`, `1m`, `1h`, or a bare number of milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`not a duration: ${value} (use 500ms, 10s, 5m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms']);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function choice<T extends string>(name: string, options: readonly T[]) {
  return (value: string): T => {
    if (!(options as readonly string[]).includes(value))
      throw new InvalidArgumentError(`${name} must be one of ${options.join(', ')}`);
    return value as T;
  };
}

export interface Output {
  stream: NodeJS.WritableStream;
  isTTY: boolean;
  color: boolean;
  close(): Promise<void>;
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WritableStream, flag?: boolean): boolean {
  if (flag === false) return false;
  if (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '') return false;
  if (process.env['FORCE_COLOR'] && process.env['FORCE_COLOR'] !== '0') return true;
  return Boolean((stream as NodeJS.WriteStream).isTTY);
}

/** stdout, or the file named by `-o` (`append`: added to, not replaced). Errors opening it are user errors. */
export async function openOutput(
  path: string | undefined,
  colorFlag?: boolean,
  opts: { append?: boolean } = {},
): Promise<Output> {
  if (!path || path === '-') {
    const stream = process.stdout;
    return {
      stream,
      isTTY: Boolean(stream.isTTY),
      color: useColor(stream, colorFlag),
      close: async () => {},
    };
  }
  const stream: WriteStream = createWriteStream(path, { flags: opts.append ? 'a' : 'w' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot write (${err.code ?? err.message})`, path)),
    );
  });
  return {
    stream,
    isTTY: false,
    color: false,
    close: () =>
      new Promise<void>((resolve, reject) =>
        stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
      ),
  };
}

/** Writes and waits for the stream to drain, so 10k streamed results never pile up in memory. */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> | undefined {
  if (stream.write(text)) return undefined;
  return new Promise((resolve) => stream.once('drain', resolve));
}
