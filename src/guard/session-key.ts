import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../util/errors.js';

/** The key file kept next to the blocklist: `<blocklist>.session-key`. */
export function sessionKeyPath(blocklist: string): string {
  return `${blocklist}.session-key`;
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

function parse(text: string, path: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new UserError('not a session key (64 hex digits)', path);
  return Buffer.from(hex, 'hex');
}

/**
 * The secret session tokens are sealed with, read from `path`, or made and written there (mode 0600,
 * never overwritten) when the file does not exist yet, so tokens survive a restart and guards given
 * the same file accept each other's.
 */
export function loadSessionKey(path: string): Buffer {
  try {
    return parse(readFileSync(path, 'utf8'), path);
  } catch (err) {
    if (err instanceof UserError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UserError(`cannot read (${code(err)})`, path);
  }
  const secret = randomBytes(32);
  try {
    writeFileSync(path, `${secret.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (err) {
    // Another guard made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parse(readFileSync(path, 'utf8'), path);
    throw new UserError(`cannot create the session key (${code(err)})`, path);
  }
}
