import { type Command, InvalidArgumentError } from 'commander';
import { diffRuns, findOutliers } from '../intel/fleet.js';
import { renderFleetReport } from '../intel/fleet-report.js';
import { Progress } from '../report/progress.js';
import { plainTable } from '../report/table.js';
import { scanTargets } from '../scan/scanner.js';
import { FleetStore, type RunInfo, type RunMeta, recordRun } from '../store/fleet-store.js';
import { readResultsJsonl } from '../store/jsonl-results.js';
import { UserError } from '../util/errors.js';
import { choice, openOutput, write } from './common.js';
import { addScanOptions, prepareScan, type ScanFlags } from './scan-options.js';

const FORMATS = ['table', 'json', 'jsonl'] as const;
type Format = (typeof FORMATS)[number];
export const DEFAULT_FLEET_DB = './mcpward-fleet.db';

function runId(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`not a run id: ${value}`);
  return n;
}

interface DbOpts {
  db: string;
}

function openStore(opts: DbOpts, readonly: boolean): FleetStore {
  return FleetStore.open(opts.db, { readonly });
}

async function emit<T>(
  rows: T[],
  format: Format | undefined,
  table: (rows: T[]) => string,
  output?: string,
): Promise<void> {
  const out = await openOutput(output);
  const f = format ?? (out.isTTY ? 'table' : 'jsonl');
  if (f === 'json') await write(out.stream, `${JSON.stringify(rows, null, 2)}\n`);
  else if (f === 'jsonl') for (const r of rows) await write(out.stream, `${JSON.stringify(r)}\n`);
  else await write(out.stream, table(rows));
  await out.close();
}

function runLabel(r: RunInfo): string {
  return `run ${r.id}${r.label ? ` (${r.label})` : ''}`;
}

export function register(program: Command): void {
  const fleet = program
    .command('fleet')
    .description('Compare scans of a fleet over time: what changed, who runs behind, a report.');
  const dbOption = (c: Command) =>
    c
      .option('--db <file>', 'fleet database', DEFAULT_FLEET_DB)
      .option(
        '--format <format>',
        'table, json or jsonl (default: table on a terminal, jsonl otherwise)',
        choice('format', FORMATS),
      );

  dbOption(fleet.command('list').description('List recorded runs, newest first.'))
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (opts: DbOpts & { format?: Format; output?: string }) => {
      const store = openStore(opts, true);
      try {
        const runs = store.listRuns();
        await emit(
          runs,
          opts.format,
          (rows) =>
            plainTable(
              ['RUN', 'STARTED', 'FINISHED', 'LABEL', 'SHARD', 'SOURCE', 'TARGETS', 'OK', 'FINDINGS'],
              rows.map((r) => [
                String(r.id),
                r.started,
                r.finished ?? '(incomplete)',
                r.label ?? '',
                r.shard ?? '',
                r.source,
                String(r.targets),
                String(r.ok),
                String(r.findings),
              ]),
            ),
          opts.output,
        );
      } finally {
        store.close();
      }
    });

  dbOption(
    fleet
      .command('diff')
      .description(
        'What appeared, disappeared, changed version or got hardened between two runs (default: the last two).',
      )
      .argument('[run-a]', 'earlier run id', runId)
      .argument('[run-b]', 'later run id', runId),
  )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(
      async (
        a: number | undefined,
        b: number | undefined,
        opts: DbOpts & { format?: Format; output?: string },
      ) => {
        const store = openStore(opts, true);
        try {
          const before = a !== undefined ? store.run({ id: a }) : store.run({ latest: 1 });
          const after = b !== undefined ? store.run({ id: b }) : store.run({ latest: 0 });
          if (before.id === after.id) throw new UserError('pick two different runs', 'fleet diff');
          const diff = diffRuns(store.snapshot(before.id), store.snapshot(after.id));
          const rows = [
            ...diff.appeared.map((x) => ({
              change: 'appeared',
              target: x.target,
              detail: `was ${x.before}`,
            })),
            ...diff.disappeared.map((x) => ({
              change: 'disappeared',
              target: x.target,
              detail: `now ${x.now}`,
            })),
            ...diff.versionChanged.map((x) => ({
              change: x.direction,
              target: x.target,
              detail: `${x.product} ${x.from} -> ${x.to}`,
              product: x.product,
              from: x.from,
              to: x.to,
            })),
            ...diff.hardened.map((x) => ({
              change: 'hardened',
              target: x.target,
              detail: `gone: ${x.gone.join(', ')}`,
              findings: x.gone,
            })),
            ...diff.regressed.map((x) => ({
              change: 'new-findings',
              target: x.target,
              detail: x.added.join(', '),
              findings: x.added,
            })),
          ];
          await emit(
            rows,
            opts.format,
            (r) =>
              `${runLabel(before)} -> ${runLabel(after)}\n` +
              plainTable(
                ['CHANGE', 'TARGET', 'DETAIL'],
                r.map((x) => [x.change, x.target, x.detail]),
                100,
              ) +
              `${diff.appeared.length} appeared, ${diff.disappeared.length} disappeared, ${diff.versionChanged.length} version changes, ` +
              `${diff.hardened.length} hardened, ${diff.regressed.length} with new findings\n`,
            opts.output,
          );
        } finally {
          store.close();
        }
      },
    );

  dbOption(
    fleet
      .command('outliers')
      .description(
        'Servers behind the version most of the fleet runs, or behind an advisory fix (default: latest run).',
      )
      .argument('[run]', 'run id', runId),
  )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (id: number | undefined, opts: DbOpts & { format?: Format; output?: string }) => {
      const store = openStore(opts, true);
      try {
        const run = id !== undefined ? store.run({ id }) : store.run({ latest: 0 });
        const outliers = findOutliers(store.snapshot(run.id));
        await emit(
          outliers,
          opts.format,
          (rows) =>
            `${runLabel(run)}\n` +
            plainTable(
              ['TARGET', 'PRODUCT', 'VERSION', 'WHY'],
              rows.map((o) => [
                o.target,
                o.product,
                o.version ?? '?',
                o.reason === 'behind-fleet'
                  ? `behind fleet: ${o.fleetVersion} on ${o.fleetShare}`
                  : `${o.severity} ${o.advisory}: fixed in ${o.fixed}`,
              ]),
              100,
            ) +
            `${rows.length} outliers\n`,
          opts.output,
        );
      } finally {
        store.close();
      }
    });

  fleet
    .command('report')
    .description('Write one static HTML report (no scripts, no network) for a run and its changes.')
    .argument('[run]', 'run id (default: latest)', runId)
    .requiredOption('-o, --output <file>', 'HTML file to write')
    .option('--db <file>', 'fleet database', DEFAULT_FLEET_DB)
    .action(async (id: number | undefined, opts: DbOpts & { output: string }) => {
      const store = openStore(opts, true);
      try {
        const run = id !== undefined ? store.run({ id }) : store.run({ latest: 0 });
        const earlier = store.listRuns().filter((r) => r.finished && r.id < run.id);
        const snapshot = store.snapshot(run.id);
        const previous = earlier[0];
        const html = renderFleetReport(
          previous
            ? { run, snapshot, previous, diff: diffRuns(store.snapshot(previous.id), snapshot) }
            : { run, snapshot },
        );
        const out = await openOutput(opts.output);
        await write(out.stream, html);
        await out.close();
      } finally {
        store.close();
      }
    });

  fleet
    .command('import')
    .description(
      'Merge JSONL files from `mcpward scan --format jsonl` (e.g. one per shard or machine) into one run.',
    )
    .argument('<jsonl...>', 'files with one TargetResult JSON object per line')
    .option('--db <file>', 'fleet database', DEFAULT_FLEET_DB)
    .option('--label <text>', 'a label for the run')
    .action(async (files: string[], opts: DbOpts & { label?: string }) => {
      const store = openStore(opts, false);
      try {
        const meta: { source: string; label?: string } = { source: 'import' };
        if (opts.label) meta.label = opts.label;
        const { runId: id, count } = await recordRun(store, readResultsJsonl(files), meta);
        if (count === 0) {
          store.deleteRun(id);
          throw new UserError(
            'no results in the input (expected one TargetResult JSON object per line)',
            files.join(' '),
          );
        }
        const run = store.run({ id });
        process.stdout.write(
          `recorded run ${id}: ${count} results from ${files.length} file${files.length > 1 ? 's' : ''}, ` +
            `${run.targets} targets (${run.ok} answering) in ${opts.db}\n`,
        );
      } finally {
        store.close();
      }
    });

  addScanOptions(
    fleet
      .command('scan')
      .description('Scan targets (same options as `mcpward scan`) and record the run in the fleet database.'),
  )
    .option('--db <file>', 'fleet database', DEFAULT_FLEET_DB)
    .option('--label <text>', 'a label for the run')
    .addHelpText(
      'after',
      `
Sharding: with --shard i/n each machine scans a deterministic slice of the same target list;
record each slice with \`fleet scan --shard i/n\`, or write JSONL with \`scan --shard i/n -f jsonl\`
and merge the files on one machine with \`fleet import\`.`,
    )
    .action(async (targets: string[], opts: ScanFlags & DbOpts & { label?: string }) => {
      const scan = prepareScan(targets, opts);
      const store = openStore(opts, false);
      const progress = new Progress(
        'scanning',
        scan.total,
        process.stderr,
        opts.progress && Boolean(process.stderr.isTTY),
      );
      try {
        const meta: RunMeta = { source: 'scan' };
        if (opts.label) meta.label = opts.label;
        if (opts.shard) meta.shard = opts.shard;
        const results = async function* () {
          for await (const r of scanTargets(scan.targets(), scan.options)) {
            progress.tick(1, r.target);
            yield r;
          }
        };
        const { runId: id, count } = await recordRun(store, results(), meta);
        progress.end();
        const run = store.run({ id });
        process.stdout.write(
          `recorded run ${id}: ${count} target${count === 1 ? '' : 's'} scanned (${run.ok} answering) in ${opts.db}\n`,
        );
      } finally {
        progress.end();
        store.close();
      }
    });
}
