import type { Command } from 'commander';
import { type AdvisoryDb, loadAdvisoryDb } from '../intel/advisory-db.js';
import { defaultDataDir } from '../intel/data-dir.js';
import { importAdvisories } from '../intel/import.js';
import type { OsvAffected, OsvRecord } from '../intel/osv-schema.js';
import { recordSeverity } from '../intel/severity.js';
import { canonicalEcosystem, normalizePackageName } from '../intel/versions.js';
import type { Severity } from '../report/model.js';
import { plainTable } from '../report/table.js';
import { choice, openOutput, write } from './common.js';

const FORMATS = ['table', 'json', 'jsonl'] as const;
type Format = (typeof FORMATS)[number];

/** One row of `advisories list`: an advisory as it applies to one package. */
export interface AdvisoryRow {
  id: string;
  aliases: string[];
  summary: string;
  severity: Severity;
  ecosystem: string;
  package: string;
  /** e.g. `<1.9.4`, `>=2025.1.14 <2025.7.1`, `<=0.6.2`. */
  affected: string[];
  fixed: string[];
  modified: string;
}

/** OSV events as compact comparator ranges, one per introduced event. */
export function rangeText(entries: readonly OsvAffected[]): string[] {
  const out: string[] = [];
  for (const a of entries) {
    for (const r of a.ranges ?? []) {
      if (r.type === 'GIT') {
        out.push(`git ${r.repo ?? ''}`.trim());
        continue;
      }
      r.events.forEach((e, i) => {
        if (!('introduced' in e)) return;
        const from = e.introduced === '0' ? '' : `>=${e.introduced}`;
        const next = r.events[i + 1];
        const to =
          next && 'fixed' in next
            ? `<${next.fixed}`
            : next && 'last_affected' in next
              ? `<=${next.last_affected}`
              : '';
        out.push([from, to].filter(Boolean).join(' ') || '*');
      });
    }
    for (const v of a.versions ?? []) out.push(`=${v}`);
  }
  return out;
}

function rowsOf(record: OsvRecord, filter: { ecosystem?: string; package?: string }): AdvisoryRow[] {
  const groups = new Map<string, OsvAffected[]>();
  for (const a of record.affected ?? []) {
    if (!a.package) continue;
    const eco = canonicalEcosystem(a.package.ecosystem);
    if (filter.ecosystem && eco !== canonicalEcosystem(filter.ecosystem)) continue;
    if (
      filter.package &&
      normalizePackageName(eco, a.package.name) !== normalizePackageName(eco, filter.package)
    )
      continue;
    const key = `${eco}\u0000${a.package.name}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const sev = recordSeverity(record).severity;
  return [...groups.entries()].map(([key, entries]) => {
    const [ecosystem, pkg] = key.split('\u0000') as [string, string];
    return {
      id: record.id,
      aliases: record.aliases ?? [],
      summary: record.summary ?? '',
      severity: sev,
      ecosystem,
      package: pkg,
      affected: rangeText(entries),
      fixed: entries.flatMap((a) =>
        (a.ranges ?? []).flatMap((r) => r.events.flatMap((e) => ('fixed' in e ? [e.fixed] : []))),
      ),
      modified: record.modified,
    };
  });
}

export function listAdvisories(
  db: AdvisoryDb,
  filter: { ecosystem?: string; package?: string },
): AdvisoryRow[] {
  const records =
    filter.package && filter.ecosystem ? db.forPackage(filter.ecosystem, filter.package) : [...db.all()];
  return records
    .flatMap((r) => rowsOf(r, filter))
    .sort(
      (a, b) =>
        a.ecosystem.localeCompare(b.ecosystem) ||
        a.package.localeCompare(b.package) ||
        a.id.localeCompare(b.id),
    );
}

export function register(program: Command): void {
  const advisories = program
    .command('advisories')
    .description('Known vulnerabilities (OSV) that scan matches revealed versions against.');

  advisories
    .command('import')
    .description(
      'Import an OSV export: a directory of .json records, one record, or a zip (osv.dev all.zip).',
    )
    .argument('<path>', 'directory, .json file or .zip archive')
    .option('--data-dir <dir>', 'where imported advisories are kept (env MCPWARD_HOME)')
    .option('--skip-invalid', 'skip records that fail validation instead of stopping')
    .action(async (path: string, opts: { dataDir?: string; skipInvalid?: boolean }) => {
      const res = await importAdvisories(path, opts.dataDir ?? defaultDataDir(), {
        skipInvalid: opts.skipInvalid,
      });
      const skipped = res.invalid ? `, ${res.invalid} invalid skipped` : '';
      process.stdout.write(
        `imported ${res.read} records from ${path}: ${res.added} added, ${res.updated} updated, ` +
          `${res.unchanged} unchanged${skipped} (${res.store})\n`,
      );
    });

  advisories
    .command('list')
    .description('List advisories, bundled and imported (one row per advisory and package).')
    .option('--package <name>', 'only this package (PyPI names compared PEP 503-normalised)')
    .option('--ecosystem <name>', 'only this ecosystem (npm, PyPI, ...)')
    .option(
      '--format <format>',
      'table, json or jsonl (default: table on a terminal, jsonl otherwise)',
      choice('format', FORMATS),
    )
    .option('--data-dir <dir>', 'where imported advisories are kept (env MCPWARD_HOME)')
    .option('--no-bundled', 'leave out the advisories shipped with mcpward')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(
      async (opts: {
        package?: string;
        ecosystem?: string;
        format?: Format;
        dataDir?: string;
        bundled: boolean;
        output?: string;
      }) => {
        const db = loadAdvisoryDb({ dataDir: opts.dataDir ?? defaultDataDir(), bundled: opts.bundled });
        try {
          const filter: { ecosystem?: string; package?: string } = {};
          if (opts.ecosystem) filter.ecosystem = opts.ecosystem;
          if (opts.package) filter.package = opts.package;
          const rows = listAdvisories(db, filter);
          const out = await openOutput(opts.output);
          const format = opts.format ?? (out.isTTY ? 'table' : 'jsonl');
          if (format === 'json') await write(out.stream, `${JSON.stringify(rows, null, 2)}\n`);
          else if (format === 'jsonl') {
            for (const r of rows) await write(out.stream, `${JSON.stringify(r)}\n`);
          } else {
            const table = plainTable(
              ['ID', 'SEVERITY', 'ECOSYSTEM', 'PACKAGE', 'AFFECTED', 'ALIASES', 'SUMMARY'],
              rows.map((r) => [
                r.id,
                r.severity,
                r.ecosystem,
                r.package,
                r.affected.join(', '),
                r.aliases.join(' '),
                r.summary,
              ]),
            );
            await write(out.stream, `${table}${rows.length} advisories\n`);
          }
          await out.close();
        } finally {
          db.close();
        }
      },
    );
}
