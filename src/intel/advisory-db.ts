import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AdvisoryStore } from '../store/advisory-store.js';
import { UserError } from '../util/errors.js';
import { dataDir as packageDataDir } from '../util/paths.js';
import { parseWith, readTextFile } from '../util/validate.js';
import { defaultDataDir } from './data-dir.js';
import { type OsvRecord, osvRecordSchema } from './osv-schema.js';
import { canonicalEcosystem, normalizePackageName } from './versions.js';

/** The advisories mcpward knows: the bundled set plus whatever the user imported. */
export interface AdvisoryDb {
  /** Records with an `affected` entry for this package (names compared per ecosystem rules). */
  forPackage(ecosystem: string, name: string): OsvRecord[];
  get(id: string): OsvRecord | undefined;
  /** Every record once (an imported record replaces a bundled one with the same id if newer). */
  all(): Iterable<OsvRecord>;
  /** Where the records came from: the bundled directory and the user store, if any. */
  sources: string[];
  close(): void;
}

export const bundledAdvisoryDir = join(packageDataDir, 'advisories');

/** Every `*.json` below a directory, sorted, skipping nothing else silently. */
export function jsonFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      throw new UserError(`cannot read directory (${(err as NodeJS.ErrnoException).code})`, d);
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.json')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Parses and validates one OSV record; errors name the file. */
export function parseOsvRecord(text: string, where: string): OsvRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`not valid JSON (${(err as Error).message})`, where);
  }
  return parseWith(osvRecordSchema, raw, where);
}

function newer(a: OsvRecord, b: OsvRecord): OsvRecord {
  return Date.parse(b.modified) > Date.parse(a.modified) ? b : a;
}

function packageKey(ecosystem: string, name: string): string {
  const eco = canonicalEcosystem(ecosystem);
  return `${eco}\u0000${normalizePackageName(eco, name)}`;
}

/** An in-memory database over a list of records (the bundled set, or a test's). */
export function memoryAdvisoryDb(records: Iterable<OsvRecord>, sources: string[] = []): AdvisoryDb {
  const byId = new Map<string, OsvRecord>();
  for (const r of records) {
    const prev = byId.get(r.id);
    byId.set(r.id, prev ? newer(prev, r) : r);
  }
  const byPackage = new Map<string, OsvRecord[]>();
  for (const r of byId.values()) {
    const keys = new Set(
      (r.affected ?? []).flatMap((a) => (a.package ? [packageKey(a.package.ecosystem, a.package.name)] : [])),
    );
    for (const k of keys) {
      const list = byPackage.get(k);
      if (list) list.push(r);
      else byPackage.set(k, [r]);
    }
  }
  return {
    forPackage: (ecosystem, name) => byPackage.get(packageKey(ecosystem, name)) ?? [],
    get: (id) => byId.get(id),
    all: () => byId.values(),
    sources,
    close: () => {},
  };
}

let bundledCache: OsvRecord[] | undefined;
/** The advisories shipped in data/advisories, read and validated once. */
export function bundledAdvisories(): OsvRecord[] {
  bundledCache ??= jsonFilesUnder(bundledAdvisoryDir).map((f) => parseOsvRecord(readTextFile(f), f));
  return bundledCache;
}

export interface LoadAdvisoryOptions {
  /** The user data dir holding imported advisories; defaults to MCPWARD_HOME or ~/.local/share/mcpward. */
  dataDir?: string;
  /** Include the bundled records (default true). */
  bundled?: boolean;
  /** Include the user's imported records (default true). */
  imported?: boolean;
}

/** Opens the advisory database: bundled records in memory, imported ones looked up in SQLite. */
export function loadAdvisoryDb(opts: LoadAdvisoryOptions = {}): AdvisoryDb {
  const withBundled = opts.bundled !== false;
  const bundled = memoryAdvisoryDb(
    withBundled ? bundledAdvisories() : [],
    withBundled ? [bundledAdvisoryDir] : [],
  );
  const store =
    opts.imported === false ? undefined : AdvisoryStore.openIfExists(opts.dataDir ?? defaultDataDir());
  if (!store) return bundled;
  const cache = new Map<string, OsvRecord[]>();
  return {
    forPackage(ecosystem, name) {
      const key = packageKey(ecosystem, name);
      let hit = cache.get(key);
      if (!hit) {
        const merged = new Map<string, OsvRecord>();
        for (const r of bundled.forPackage(ecosystem, name)) merged.set(r.id, r);
        for (const r of store.forPackage(ecosystem, name)) {
          const prev = merged.get(r.id);
          merged.set(r.id, prev ? newer(prev, r) : r);
        }
        hit = [...merged.values()];
        cache.set(key, hit);
      }
      return hit;
    },
    get(id) {
      const a = bundled.get(id);
      const b = store.get(id);
      return a && b ? newer(a, b) : (a ?? b);
    },
    *all() {
      const seen = new Set<string>();
      for (const r of store.iterate()) {
        const b = bundled.get(r.id);
        seen.add(r.id);
        yield b ? newer(b, r) : r;
      }
      for (const r of bundled.all()) if (!seen.has(r.id)) yield r;
    },
    sources: [...bundled.sources, store.path],
    close: () => store.close(),
  };
}
