import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../util/errors.js';

export type Db = Database.Database;

/** One schema step. Versions are 1, 2, 3... in order; a step runs once, inside a transaction. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Applies the migrations newer than the database's recorded version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[], where: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new UserError(
      `database schema version ${current} is newer than this mcpward understands (${newest}); upgrade mcpward`,
      where,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
  }
}

export interface OpenOptions {
  readonly?: boolean;
  /** Create the parent directory if missing (user data dirs). */
  mkdir?: boolean;
}

/** Opens (creating unless read-only) a SQLite database with WAL, foreign keys and the schema applied. */
export function openDatabase(path: string, migrations: readonly Migration[], opts: OpenOptions = {}): Db {
  if (opts.mkdir && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    throw new UserError(`cannot open database (${code})`, path);
  }
  try {
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, migrations, path);
    } else {
      // A read-only database still has to be one of ours.
      const known = db.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
      );
      if (!known.get()) throw new UserError('not an mcpward database', path);
    }
  } catch (err) {
    db.close();
    if (err instanceof UserError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') throw new UserError('not a SQLite database', path);
    throw err;
  }
  return db;
}
