import { existsSync } from 'node:fs';
import type { AdvisoryRef, Severity, TargetResult } from '../report/model.js';
import { UserError } from '../util/errors.js';
import { type Db, type Migration, openDatabase } from './open.js';

/**
 * The fleet database: every scan run's per-target results, normalised into runs, targets,
 * results, fingerprints, findings and the advisories matched to findings.
 */
export const FLEET_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'runs, targets, results, fingerprints, findings, advisories',
    sql: `
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        label TEXT,
        shard TEXT,
        source TEXT NOT NULL DEFAULT 'scan'
      );
      CREATE TABLE targets (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE
      );
      CREATE TABLE results (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        target_id INTEGER NOT NULL REFERENCES targets(id),
        status TEXT NOT NULL CHECK (status IN ('ok', 'unreachable', 'error')),
        error TEXT,
        transport TEXT,
        protocol_version TEXT,
        server_name TEXT,
        server_version TEXT,
        server_info TEXT,
        origin TEXT,
        requests INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        UNIQUE (run_id, target_id)
      );
      CREATE INDEX results_by_target ON results(target_id, run_id);
      CREATE TABLE fingerprints (
        result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
        product TEXT NOT NULL,
        version TEXT,
        kind TEXT NOT NULL,
        confidence TEXT NOT NULL,
        sources TEXT NOT NULL
      );
      CREATE INDEX fingerprints_by_result ON fingerprints(result_id);
      CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
        finding_id TEXT NOT NULL,
        title TEXT NOT NULL,
        severity TEXT NOT NULL,
        vector TEXT NOT NULL,
        product TEXT,
        version TEXT,
        evidence TEXT NOT NULL,
        remediation TEXT NOT NULL
      );
      CREATE INDEX findings_by_result ON findings(result_id);
      CREATE TABLE advisories (
        finding_row INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
        result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
        advisory_id TEXT NOT NULL,
        aliases TEXT NOT NULL,
        summary TEXT NOT NULL,
        severity TEXT NOT NULL,
        package TEXT NOT NULL,
        ecosystem TEXT NOT NULL,
        fixed TEXT,
        basis TEXT NOT NULL,
        confidence TEXT NOT NULL
      );
      CREATE INDEX advisories_by_result ON advisories(result_id);
      CREATE INDEX advisories_by_finding ON advisories(finding_row);
    `,
  },
];

export interface RunMeta {
  label?: string;
  /** `i/n` when the run covers one shard of the target list. */
  shard?: string;
  /** `scan` or `import`. */
  source?: string;
  started?: Date;
}

export interface RunInfo {
  id: number;
  started: string;
  finished?: string;
  label?: string;
  shard?: string;
  source: string;
  targets: number;
  ok: number;
  findings: number;
}

/** One target as a run saw it, in the shape fleet analysis works on. */
export interface TargetSnapshot {
  target: string;
  status: TargetResult['status'];
  error?: string;
  serverName?: string;
  serverVersion?: string;
  products: { product: string; version?: string; kind: string; confidence: string }[];
  findings: {
    id: string;
    title: string;
    severity: Severity;
    vector: string;
    product?: string;
    version?: string;
  }[];
  advisories: (AdvisoryRef & { product?: string; version?: string })[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

const STATUS_RANK = { ok: 2, error: 1, unreachable: 0 } as const;

export class FleetStore {
  private constructor(
    readonly db: Db,
    readonly path: string,
  ) {}

  static open(path: string, opts: { readonly?: boolean } = {}): FleetStore {
    if (opts.readonly && !existsSync(path)) {
      throw new UserError(
        'no fleet database here yet (record a run with mcpward fleet scan or fleet import)',
        path,
      );
    }
    return new FleetStore(openDatabase(path, FLEET_MIGRATIONS, { readonly: opts.readonly ?? false }), path);
  }

  close(): void {
    this.db.close();
  }

  beginRun(meta: RunMeta = {}): number {
    const info = this.db
      .prepare('INSERT INTO runs (started, label, shard, source) VALUES (?, ?, ?, ?)')
      .run(
        (meta.started ?? new Date()).toISOString(),
        meta.label ?? null,
        meta.shard ?? null,
        meta.source ?? 'scan',
      );
    return Number(info.lastInsertRowid);
  }

  finishRun(runId: number, at: Date = new Date()): void {
    this.db.prepare('UPDATE runs SET finished = ? WHERE id = ?').run(at.toISOString(), runId);
  }

  /** Drops a run that did not complete (a failed import), with everything recorded under it. */
  deleteRun(runId: number): void {
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  }

  /**
   * Inserts results in one transaction with prepared statements. A target seen twice in a run
   * (overlapping shards) keeps the better answer: ok over error over unreachable, else the later.
   */
  addResults(runId: number, results: readonly TargetResult[]): void {
    const s = this.statements();
    this.db.transaction(() => {
      for (const r of results) {
        s.upsertTarget.run(r.target);
        const targetId = (s.targetId.get(r.target) as { id: number }).id;
        const prev = s.existing.get(runId, targetId) as
          | { id: number; status: TargetResult['status'] }
          | undefined;
        if (prev) {
          if (STATUS_RANK[prev.status] > STATUS_RANK[r.status]) continue;
          s.deleteResult.run(prev.id);
        }
        const info = r.mcp?.serverInfo;
        const res = s.insertResult.run({
          run: runId,
          target: targetId,
          status: r.status,
          error: r.error ?? null,
          transport: r.mcp?.transport ?? null,
          protocol: r.mcp?.protocolVersion ?? null,
          name: str(info?.['name']) ?? null,
          version: str(info?.['version']) ?? null,
          info: info ? JSON.stringify(info) : null,
          origin: r.origin ? JSON.stringify(r.origin) : null,
          requests: r.requests,
          duration: r.durationMs,
        });
        const resultId = Number(res.lastInsertRowid);
        for (const f of r.fingerprints) {
          s.insertFingerprint.run(
            resultId,
            f.product,
            f.version ?? null,
            f.kind,
            f.confidence,
            JSON.stringify(f.sources),
          );
        }
        for (const f of r.findings) {
          const row = s.insertFinding.run(
            resultId,
            f.id,
            f.title,
            f.severity,
            f.vector,
            f.product ?? null,
            f.version ?? null,
            JSON.stringify(f.evidence),
            f.remediation,
          );
          const findingRow = Number(row.lastInsertRowid);
          for (const a of f.advisories ?? []) {
            s.insertAdvisory.run(
              findingRow,
              resultId,
              a.id,
              JSON.stringify(a.aliases),
              a.summary,
              a.severity,
              a.package,
              a.ecosystem,
              a.fixed ?? null,
              a.basis,
              a.confidence,
            );
          }
        }
      }
    })();
  }

  private cachedStatements?: ReturnType<FleetStore['prepare']>;
  private statements() {
    this.cachedStatements ??= this.prepare();
    return this.cachedStatements;
  }
  private prepare() {
    const db = this.db;
    return {
      upsertTarget: db.prepare('INSERT INTO targets (url) VALUES (?) ON CONFLICT(url) DO NOTHING'),
      targetId: db.prepare('SELECT id FROM targets WHERE url = ?'),
      existing: db.prepare('SELECT id, status FROM results WHERE run_id = ? AND target_id = ?'),
      deleteResult: db.prepare('DELETE FROM results WHERE id = ?'),
      insertResult: db.prepare(
        `INSERT INTO results (run_id, target_id, status, error, transport, protocol_version, server_name,
           server_version, server_info, origin, requests, duration_ms)
         VALUES (@run, @target, @status, @error, @transport, @protocol, @name, @version, @info, @origin,
           @requests, @duration)`,
      ),
      insertFingerprint: db.prepare(
        'INSERT INTO fingerprints (result_id, product, version, kind, confidence, sources) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertFinding: db.prepare(
        `INSERT INTO findings (result_id, finding_id, title, severity, vector, product, version, evidence, remediation)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertAdvisory: db.prepare(
        `INSERT INTO advisories (finding_row, result_id, advisory_id, aliases, summary, severity, package,
           ecosystem, fixed, basis, confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** Runs, newest first, with counts. Unfinished runs are listed too (finished undefined). */
  listRuns(): RunInfo[] {
    const rows = this.db
      .prepare(
        `SELECT r.id, r.started, r.finished, r.label, r.shard, r.source,
           (SELECT COUNT(*) FROM results x WHERE x.run_id = r.id) AS targets,
           (SELECT COUNT(*) FROM results x WHERE x.run_id = r.id AND x.status = 'ok') AS ok,
           (SELECT COUNT(*) FROM findings f JOIN results x ON x.id = f.result_id WHERE x.run_id = r.id) AS findings
         FROM runs r ORDER BY r.id DESC`,
      )
      .all() as {
      id: number;
      started: string;
      finished: string | null;
      label: string | null;
      shard: string | null;
      source: string;
      targets: number;
      ok: number;
      findings: number;
    }[];
    return rows.map((r) => {
      const info: RunInfo = {
        id: r.id,
        started: r.started,
        source: r.source,
        targets: r.targets,
        ok: r.ok,
        findings: r.findings,
      };
      if (r.finished) info.finished = r.finished;
      if (r.label) info.label = r.label;
      if (r.shard) info.shard = r.shard;
      return info;
    });
  }

  /** A finished run by id, or the n-th newest finished run (0 = latest). */
  run(idOrOffset: { id: number } | { latest: number }): RunInfo {
    const finished = this.listRuns().filter((r) => r.finished);
    if ('id' in idOrOffset) {
      const r = this.listRuns().find((x) => x.id === idOrOffset.id);
      if (!r) throw new UserError(`no run ${idOrOffset.id} (see mcpward fleet list)`, this.path);
      return r;
    }
    const r = finished[idOrOffset.latest];
    if (!r) {
      const need = idOrOffset.latest + 1;
      throw new UserError(
        `needs ${need} finished run${need > 1 ? 's' : ''}, the database has ${finished.length}`,
        this.path,
      );
    }
    return r;
  }

  /** Every target of a run, sorted by target, with products, findings and advisories. */
  snapshot(runId: number): TargetSnapshot[] {
    const results = this.db
      .prepare(
        `SELECT r.id, t.url, r.status, r.error, r.server_name, r.server_version
         FROM results r JOIN targets t ON t.id = r.target_id WHERE r.run_id = ? ORDER BY t.url`,
      )
      .all(runId) as {
      id: number;
      url: string;
      status: TargetResult['status'];
      error: string | null;
      server_name: string | null;
      server_version: string | null;
    }[];
    const byId = new Map<number, TargetSnapshot>();
    for (const r of results) {
      const snap: TargetSnapshot = {
        target: r.url,
        status: r.status,
        products: [],
        findings: [],
        advisories: [],
      };
      if (r.error) snap.error = r.error;
      if (r.server_name) snap.serverName = r.server_name;
      if (r.server_version) snap.serverVersion = r.server_version;
      byId.set(r.id, snap);
    }
    const fps = this.db
      .prepare(
        `SELECT f.result_id, f.product, f.version, f.kind, f.confidence FROM fingerprints f
         JOIN results r ON r.id = f.result_id WHERE r.run_id = ? ORDER BY f.rowid`,
      )
      .all(runId) as {
      result_id: number;
      product: string;
      version: string | null;
      kind: string;
      confidence: string;
    }[];
    for (const f of fps) {
      const p: TargetSnapshot['products'][number] = {
        product: f.product,
        kind: f.kind,
        confidence: f.confidence,
      };
      if (f.version) p.version = f.version;
      byId.get(f.result_id)?.products.push(p);
    }
    const findings = this.db
      .prepare(
        `SELECT f.result_id, f.finding_id, f.title, f.severity, f.vector, f.product, f.version FROM findings f
         JOIN results r ON r.id = f.result_id WHERE r.run_id = ? ORDER BY f.id`,
      )
      .all(runId) as {
      result_id: number;
      finding_id: string;
      title: string;
      severity: Severity;
      vector: string;
      product: string | null;
      version: string | null;
    }[];
    for (const f of findings) {
      const x: TargetSnapshot['findings'][number] = {
        id: f.finding_id,
        title: f.title,
        severity: f.severity,
        vector: f.vector,
      };
      if (f.product) x.product = f.product;
      if (f.version) x.version = f.version;
      byId.get(f.result_id)?.findings.push(x);
    }
    const advisories = this.db
      .prepare(
        `SELECT a.result_id, a.advisory_id, a.aliases, a.summary, a.severity, a.package, a.ecosystem, a.fixed,
           a.basis, a.confidence, f.product, f.version
         FROM advisories a JOIN findings f ON f.id = a.finding_row JOIN results r ON r.id = a.result_id
         WHERE r.run_id = ? ORDER BY a.rowid`,
      )
      .all(runId) as {
      result_id: number;
      advisory_id: string;
      aliases: string;
      summary: string;
      severity: Severity;
      package: string;
      ecosystem: string;
      fixed: string | null;
      basis: string;
      confidence: AdvisoryRef['confidence'];
      product: string | null;
      version: string | null;
    }[];
    // An advisory is stored with the finding that revealed the version and with its own finding:
    // a target lists it once.
    const seen = new Set<string>();
    for (const a of advisories) {
      const key = `${a.result_id}\u0000${a.advisory_id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ref: TargetSnapshot['advisories'][number] = {
        id: a.advisory_id,
        aliases: JSON.parse(a.aliases) as string[],
        summary: a.summary,
        severity: a.severity,
        package: a.package,
        ecosystem: a.ecosystem,
        basis: a.basis,
        confidence: a.confidence,
      };
      if (a.fixed) ref.fixed = a.fixed;
      if (a.product) ref.product = a.product;
      if (a.version) ref.version = a.version;
      byId.get(a.result_id)?.advisories.push(ref);
    }
    return [...byId.values()];
  }
}

export interface RecordOptions {
  /** Results per transaction (default 500): bounded memory, and other readers are not starved. */
  batchSize?: number;
}

/**
 * Records a run from a stream of results (scan's output, or JSONL being imported). The run is
 * marked finished only when the stream ends; if the stream throws, the run is deleted and the
 * error rethrown, so a half-recorded run never shows up in diffs.
 */
export async function recordRun(
  store: FleetStore,
  results: AsyncIterable<TargetResult> | Iterable<TargetResult>,
  meta: RunMeta = {},
  opts: RecordOptions = {},
): Promise<{ runId: number; count: number }> {
  const batchSize = opts.batchSize ?? 500;
  const runId = store.beginRun(meta);
  let batch: TargetResult[] = [];
  let count = 0;
  try {
    for await (const r of results) {
      batch.push(r);
      count++;
      if (batch.length >= batchSize) {
        store.addResults(runId, batch);
        batch = [];
      }
    }
    if (batch.length) store.addResults(runId, batch);
    store.finishRun(runId);
  } catch (err) {
    store.deleteRun(runId);
    throw err;
  }
  return { runId, count };
}
