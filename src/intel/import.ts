import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { AdvisoryStore, type ImportCounts } from '../store/advisory-store.js';
import { UserError } from '../util/errors.js';
import { readTextFile } from '../util/validate.js';
import { jsonFilesUnder, parseOsvRecord } from './advisory-db.js';
import type { OsvRecord } from './osv-schema.js';
import { DEFAULT_ZIP_LIMITS, readZipEntries, type ZipLimits } from './zip-entries.js';

export interface ImportOptions {
  /** Skip records that fail validation (counted) instead of stopping at the first. */
  skipInvalid?: boolean;
  limits?: ZipLimits;
}

export interface ImportResult extends ImportCounts {
  read: number;
  invalid: number;
  source: string;
  store: string;
}

const ZIP_MAGIC = [0x50, 0x4b];

/** A zip by content (PK signature) or by name; a directory by stat. */
function kindOf(path: string): 'dir' | 'zip' | 'json' {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new UserError('no such file or directory', path);
  }
  if (st.isDirectory()) return 'dir';
  const head = Buffer.alloc(2);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  if (head[0] === ZIP_MAGIC[0] && head[1] === ZIP_MAGIC[1]) return 'zip';
  if (path.toLowerCase().endsWith('.zip')) return 'zip';
  return 'json';
}

interface Parsed {
  record?: OsvRecord;
  error?: UserError;
  source: string;
}

async function* parsedRecords(path: string, limits: ZipLimits): AsyncGenerator<Parsed> {
  const kind = kindOf(path);
  const parse = (text: string, where: string): Parsed => {
    try {
      return { record: parseOsvRecord(text, where), source: where };
    } catch (err) {
      if (err instanceof UserError) return { error: err, source: where };
      throw err;
    }
  };
  if (kind === 'zip') {
    const isJson = (n: string) => n.toLowerCase().endsWith('.json') && !basename(n).startsWith('.');
    for await (const e of readZipEntries(path, isJson, limits)) {
      yield parse(e.data.toString('utf8'), `${basename(path)}:${e.name}`);
    }
    return;
  }
  const files = kind === 'dir' ? jsonFilesUnder(path) : [path];
  for (const f of files) {
    const size = statSync(f).size;
    if (size > limits.maxEntryBytes) {
      throw new UserError(`file is ${size} bytes, over the ${limits.maxEntryBytes}-byte limit`, f);
    }
    yield parse(readTextFile(f), f);
  }
}

/** Imports an OSV export (a directory of JSON files, one JSON file, or a zip of them) into the user store. */
export async function importAdvisories(
  path: string,
  dataDir: string,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const limits = opts.limits ?? DEFAULT_ZIP_LIMITS;
  let read = 0;
  let invalid = 0;
  async function* valid(): AsyncGenerator<{ record: OsvRecord; source: string }> {
    for await (const p of parsedRecords(path, limits)) {
      read++;
      if (p.error) {
        if (!opts.skipInvalid) throw p.error;
        invalid++;
        continue;
      }
      yield { record: p.record!, source: p.source };
    }
  }
  // Open the source before the store so a bad path never creates an empty data dir.
  kindOf(path);
  const store = AdvisoryStore.open(dataDir);
  try {
    const counts = await store.importRecords(valid());
    if (read === 0) throw new UserError('no OSV .json records found', path);
    return { ...counts, read, invalid, source: path, store: store.path };
  } finally {
    store.close();
  }
}
