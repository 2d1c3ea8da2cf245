import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { parseWith } from '../util/validate.js';

const fileSchema = z.object({
  version: z.literal(1),
  entries: z.array(z.object({ ip: z.string(), until: z.number(), reason: z.string().default('') })),
});

export interface BlockEntry {
  ip: string;
  /** Epoch ms when the block ends. */
  until: number;
  reason: string;
}

/**
 * Sources blocked by live detection, kept in a small JSON file (written whole, atomically, by rename)
 * so a restart does not forgive them. Without a file the list lives in memory only.
 */
export class Blocklist {
  private readonly entries = new Map<string, BlockEntry>();

  constructor(private readonly path?: string) {
    if (path) this.load(path);
  }

  private load(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new UserError(`cannot read (${(err as NodeJS.ErrnoException).code})`, path);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new UserError('not valid JSON', path);
    }
    const now = Date.now();
    for (const e of parseWith(fileSchema, raw, path).entries) if (e.until > now) this.entries.set(e.ip, e);
  }

  /** The entry blocking `ip` now, if any (expired entries are dropped on the way). */
  get(ip: string, now = Date.now()): BlockEntry | undefined {
    const e = this.entries.get(ip);
    if (!e) return undefined;
    if (e.until > now) return e;
    this.entries.delete(ip);
    return undefined;
  }

  add(ip: string, forMs: number, reason: string): BlockEntry {
    const until = Date.now() + forMs;
    const prev = this.entries.get(ip);
    const e = { ip, until: Math.max(until, prev?.until ?? 0), reason };
    this.entries.set(ip, e);
    this.save();
    return e;
  }

  remove(ip: string): boolean {
    const had = this.entries.delete(ip);
    if (had) this.save();
    return had;
  }

  list(now = Date.now()): BlockEntry[] {
    return [...this.entries.values()].filter((e) => e.until > now);
  }

  get size(): number {
    return this.entries.size;
  }

  private save(): void {
    if (!this.path) return;
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, `${JSON.stringify({ version: 1, entries: this.list() })}\n`);
      renameSync(tmp, this.path);
    } catch {
      // A read-only or full disk must not take the guard down; the block still holds in memory.
    }
  }
}
