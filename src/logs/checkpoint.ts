/**
 * The follower's checkpoint: per followed file, which inode was being read and where (byte offset after
 * the last complete line, line count), plus an opaque `state` from the caller (detect's correlation
 * windows), saved together so a restart resumes with state and position that agree. Written atomically:
 * temp file, fsync, rename, fsync of the directory.
 */

import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { parseWith } from '../util/validate.js';

const FileEntry = z.object({
  /** The followed path (absolute), not necessarily the file's current name (a rotated inode keeps it). */
  path: z.string(),
  dev: z.string().regex(/^\d+$/),
  ino: z.string().regex(/^\d+$/),
  offset: z.number().int().min(0),
  line: z.number().int().min(0),
  skipping: z.boolean(),
  /** Rotated away (renamed) but possibly still being written by the server. */
  rotated: z.boolean().default(false),
});

const CheckpointSchema = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  files: z.array(FileEntry),
  state: z.unknown().optional(),
});

export type CheckpointEntry = z.infer<typeof FileEntry>;
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** The checkpoint at `path`, or undefined when there is none yet. A damaged one is a UserError. */
export async function loadCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read checkpoint (${(err as NodeJS.ErrnoException).code})`, path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError('checkpoint is not valid JSON (delete it to start over)', path);
  }
  return parseWith(CheckpointSchema, json, path);
}

export async function saveCheckpoint(
  path: string,
  cp: Omit<Checkpoint, 'version' | 'savedAt'>,
): Promise<void> {
  const body: Checkpoint = {
    version: 1,
    savedAt: new Date().toISOString(),
    files: cp.files,
    state: cp.state,
  };
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify(body));
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  // Make the rename itself durable; not every platform lets a directory be opened, so best effort.
  try {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    /* directory fsync unsupported */
  }
}
