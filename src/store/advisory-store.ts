import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OsvRecord } from '../intel/osv-schema.js';
import { canonicalEcosystem, normalizePackageName } from '../intel/versions.js';
import { type Db, type Migration, openDatabase } from './open.js';

/**
 * Imported OSV records live in `<data dir>/advisories.db`: one row per record (the JSON as given)
 * and an index of the packages each names, so a scan looks up one package without loading an
 * osv.dev export (hundreds of thousands of records) into memory.
 */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'advisory records and package index',
    sql: `
      CREATE TABLE records (
        id TEXT PRIMARY KEY,
        modified TEXT NOT NULL,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        json TEXT NOT NULL
      );
      CREATE TABLE record_packages (
        record_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
        ecosystem TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (ecosystem, name, record_id)
      ) WITHOUT ROWID;
      CREATE INDEX record_packages_by_record ON record_packages(record_id);
    `,
  },
];

export function advisoryStorePath(dataDir: string): string {
  return join(dataDir, 'advisories.db');
}

export interface ImportCounts {
  added: number;
  updated: number;
  /** Same id, and the stored copy is as new or newer. */
  unchanged: number;
}

export class AdvisoryStore {
  private constructor(
    readonly db: Db,
    readonly path: string,
  ) {}

  /** Opens for writing, creating the data dir and database if needed. */
  static open(dataDir: string): AdvisoryStore {
    const path = advisoryStorePath(dataDir);
    return new AdvisoryStore(openDatabase(path, MIGRATIONS, { mkdir: true }), path);
  }

  /** Opens read-only; undefined when nothing was ever imported. */
  static openIfExists(dataDir: string): AdvisoryStore | undefined {
    const path = advisoryStorePath(dataDir);
    if (!existsSync(path)) return undefined;
    return new AdvisoryStore(openDatabase(path, MIGRATIONS, { readonly: true }), path);
  }

  /**
   * Adds records in one transaction (all or nothing: a bad record part-way leaves the store as it
   * was); a record replaces a stored one only if its `modified` is later.
   */
  async importRecords(
    records:
      | AsyncIterable<{ record: OsvRecord; source: string }>
      | Iterable<{ record: OsvRecord; source: string }>,
  ): Promise<ImportCounts> {
    const counts: ImportCounts = { added: 0, updated: 0, unchanged: 0 };
    const existing = this.db.prepare('SELECT modified FROM records WHERE id = ?');
    const upsert = this.db.prepare(
      `INSERT INTO records (id, modified, source, imported_at, json) VALUES (@id, @modified, @source, @at, @json)
       ON CONFLICT(id) DO UPDATE SET modified = excluded.modified, source = excluded.source,
         imported_at = excluded.imported_at, json = excluded.json`,
    );
    const clearPackages = this.db.prepare('DELETE FROM record_packages WHERE record_id = ?');
    const addPackage = this.db.prepare(
      'INSERT OR IGNORE INTO record_packages (record_id, ecosystem, name) VALUES (?, ?, ?)',
    );
    const at = new Date().toISOString();
    // better-sqlite3's transaction() cannot span awaits; one connection, so BEGIN/COMMIT by hand.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for await (const { record, source } of records) {
        const prev = existing.get(record.id) as { modified: string } | undefined;
        if (prev && Date.parse(prev.modified) >= Date.parse(record.modified)) {
          counts.unchanged++;
          continue;
        }
        upsert.run({ id: record.id, modified: record.modified, source, at, json: JSON.stringify(record) });
        clearPackages.run(record.id);
        for (const a of record.affected ?? []) {
          if (!a.package) continue;
          const eco = canonicalEcosystem(a.package.ecosystem);
          addPackage.run(record.id, eco, normalizePackageName(eco, a.package.name));
        }
        if (prev) counts.updated++;
        else counts.added++;
      }
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
    return counts;
  }

  forPackage(ecosystem: string, name: string): OsvRecord[] {
    const eco = canonicalEcosystem(ecosystem);
    const rows = this.db
      .prepare(
        `SELECT r.json FROM record_packages p JOIN records r ON r.id = p.record_id
         WHERE p.ecosystem = ? AND p.name = ? ORDER BY r.id`,
      )
      .all(eco, normalizePackageName(eco, name)) as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as OsvRecord);
  }

  get(id: string): OsvRecord | undefined {
    const row = this.db.prepare('SELECT json FROM records WHERE id = ?').get(id) as
      | { json: string }
      | undefined;
    return row ? (JSON.parse(row.json) as OsvRecord) : undefined;
  }

  /** Streams every record, ordered by id. */
  *iterate(): Generator<OsvRecord> {
    for (const row of this.db.prepare('SELECT json FROM records ORDER BY id').iterate()) {
      yield JSON.parse((row as { json: string }).json) as OsvRecord;
    }
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
