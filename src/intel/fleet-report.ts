import type { Severity } from '../report/model.js';
import type { RunInfo, TargetSnapshot } from '../store/fleet-store.js';
import {
  type FleetDiff,
  type FleetSummary,
  findOutliers,
  type Outlier,
  summarize,
  type VersionSpread,
  versionSpread,
} from './fleet.js';

/**
 * One self-contained HTML page for a security lead: no scripts, no external resources (a CSP
 * forbids them), inline CSS and SVG. Every string that came from a scanned server is hostile:
 * it only ever reaches the page through `esc`, in text or quoted attribute positions.
 */

export function esc(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface ReportInput {
  run: RunInfo;
  snapshot: readonly TargetSnapshot[];
  previous?: RunInfo;
  diff?: FleetDiff;
  generated?: Date;
  /** Rows per table before the rest is summarised (keeps 10k-target reports readable). */
  maxRows?: number;
}

const SEV_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--crit:#8b0000;--high:#c62828;--med:#e08a00;--low:#2e7d32;--info:#546e7a;--bar:#4a6fa5;--warn:#c62828}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:14px;margin:14px 0 4px}
.meta{color:var(--muted)}.cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px}.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;border-bottom:1px solid var(--line);padding:4px 8px;vertical-align:top;word-break:break-word}
th{background:#f6f8fa;font-weight:600}.sev{font-weight:600;text-transform:uppercase;font-size:12px}
.sev-critical{color:var(--crit)}.sev-high{color:var(--high)}.sev-medium{color:var(--med)}.sev-low{color:var(--low)}.sev-info{color:var(--info)}
.chart{margin:4px 0 12px}.note{color:var(--muted);font-size:13px}.more{color:var(--muted);font-style:italic}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
`;

function stat(key: string, label: string, value: number): string {
  return `<div class="card"><b data-stat="${esc(key)}">${value}</b>${esc(label)}</div>`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function sev(s: Severity): string {
  return `<span class="sev sev-${esc(s)}">${esc(s)}</span>`;
}

function table(id: string, headers: string[], rows: string[][], maxRows: number): string {
  const shown = rows.slice(0, maxRows);
  const more =
    rows.length > maxRows
      ? `<p class="more">… and ${rows.length - maxRows} more rows (use the JSON output for all)</p>`
      : '';
  return (
    `<table id="${esc(id)}" data-rows="${rows.length}"><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${shown.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>${more}`
  );
}

/** A horizontal bar per version; the majority bar is marked, versions behind it are red. */
function spreadChart(s: VersionSpread, index: number): string {
  const shown = s.versions.slice(-20);
  const barH = 18;
  const gap = 6;
  const labelW = 160;
  const width = 640;
  const maxCount = Math.max(...shown.map((v) => v.count));
  const majorityIdx = s.versions.findIndex((v) => v.version === s.majority);
  const height = shown.length * (barH + gap) + gap;
  const bars = shown
    .map((v, i) => {
      const w = Math.max(2, Math.round(((width - labelW - 110) * v.count) / maxCount));
      const y = gap + i * (barH + gap);
      const globalIdx = s.versions.length - shown.length + i;
      const fill =
        globalIdx === majorityIdx ? 'var(--bar)' : globalIdx < majorityIdx ? 'var(--warn)' : '#8aa4c8';
      const label = v.version.length > 24 ? `${v.version.slice(0, 23)}…` : v.version;
      return (
        `<g data-version="${esc(v.version)}" data-count="${v.count}"><title>${esc(v.version)}: ${v.count}</title>` +
        `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(label)}</text>` +
        `<rect x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="${fill}" rx="2"></rect>` +
        `<text x="${labelW + w + 6}" y="${y + 13}">${v.count}${globalIdx === majorityIdx ? ' (majority)' : ''}</text></g>`
      );
    })
    .join('');
  const hidden = s.versions.length - shown.length;
  const note = hidden > 0 ? `<p class="note">${hidden} older versions not drawn.</p>` : '';
  return (
    `<h3>${esc(s.product)} <span class="note">${plural(s.total, 'target')}, ${plural(s.versions.length, 'version')}</span></h3>` +
    `<svg class="chart" id="spread-${index}" data-product="${esc(s.product)}" role="img" aria-label="${esc(`version spread of ${s.product}`)}" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">${bars}</svg>${note}`
  );
}

function outlierRows(outliers: readonly Outlier[]): string[][] {
  return outliers.map((o) =>
    o.reason === 'behind-fleet'
      ? [
          esc(o.target),
          esc(o.product),
          esc(o.version),
          `behind the fleet: ${esc(o.fleetVersion)} runs on ${esc(o.fleetShare)}`,
        ]
      : [
          esc(o.target),
          esc(o.product),
          esc(o.version ?? '?'),
          `${sev(o.severity)} ${esc(o.advisory)}: fixed in ${esc(o.package)} ${esc(o.fixed)}`,
        ],
  );
}

function summaryCards(s: FleetSummary, outliers: number): string {
  return (
    `<div class="cards">${stat('targets', 'targets', s.targets)}${stat('ok', 'answering', s.ok)}` +
    `${stat('unreachable', 'unreachable', s.unreachable)}${stat('error', 'errors', s.error)}` +
    `${stat('findings', 'findings', s.findings)}${stat('advisories', 'distinct advisories', s.advisories)}` +
    `${stat('targets-with-advisories', 'targets with advisories', s.targetsWithAdvisories)}` +
    `${stat('outliers', 'outliers', outliers)}${stat('products', 'products with versions', s.products)}</div>` +
    `<h3>Targets by worst finding</h3><div class="cards">${SEV_ORDER.map((k) => stat(`worst-${k}`, k, s.worst[k])).join('')}</div>`
  );
}

function changes(diff: FleetDiff, previous: RunInfo, maxRows: number): string {
  const rows: string[][] = [
    ...diff.appeared.map((a) => ['appeared', esc(a.target), `was ${esc(a.before)}`]),
    ...diff.disappeared.map((d) => ['disappeared', esc(d.target), `now ${esc(d.now)}`]),
    ...diff.versionChanged.map((v) => [
      esc(v.direction),
      esc(v.target),
      `${esc(v.product)} ${esc(v.from)} → ${esc(v.to)}`,
    ]),
    ...diff.hardened.map((h) => ['hardened', esc(h.target), `gone: ${h.gone.map(esc).join(', ')}`]),
    ...diff.regressed.map((r) => ['new findings', esc(r.target), r.added.map(esc).join(', ')]),
  ];
  return (
    `<h2>Changes since run ${previous.id}</h2>` +
    `<div class="cards">${stat('appeared', 'appeared', diff.appeared.length)}${stat('disappeared', 'disappeared', diff.disappeared.length)}` +
    `${stat('version-changed', 'version changes', diff.versionChanged.length)}${stat('hardened', 'hardened', diff.hardened.length)}` +
    `${stat('regressed', 'with new findings', diff.regressed.length)}</div>` +
    (rows.length
      ? table('changes', ['Change', 'Target', 'Detail'], rows, maxRows)
      : '<p class="note">No changes.</p>')
  );
}

export function renderFleetReport(input: ReportInput): string {
  const maxRows = input.maxRows ?? 500;
  const { run, snapshot } = input;
  const summary = summarize(snapshot);
  const spreads = versionSpread(snapshot);
  const outliers = findOutliers(snapshot);
  const advisoryRows = snapshot.flatMap((t) =>
    t.advisories.map((a) => [
      esc(t.target),
      `${sev(a.severity)} ${esc(a.id)}${a.aliases.length ? ` <span class="note">${a.aliases.map(esc).join(' ')}</span>` : ''}`,
      `${esc(a.package)} ${esc(a.version ?? '')}`,
      esc(a.fixed ?? 'no fix'),
      esc(a.confidence),
      esc(a.summary),
    ]),
  );
  const title = `mcpward fleet report: run ${run.id}${run.label ? ` (${run.label})` : ''}`;
  const generated = (input.generated ?? new Date()).toISOString();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">Run ${run.id} started ${esc(run.started)}${run.finished ? `, finished ${esc(run.finished)}` : ''}${run.shard ? `, shard ${esc(run.shard)}` : ''}. Generated ${esc(generated)}.</p>
<h2>Summary</h2>
${summaryCards(summary, outliers.length)}
${input.diff && input.previous ? changes(input.diff, input.previous, maxRows) : '<h2>Changes</h2><p class="note">No earlier run to compare with.</p>'}
<h2>Outliers</h2>
<p class="note">Servers behind the version most of the fleet runs for their product, or behind the fixed version of an advisory matched to them.</p>
${outliers.length ? table('outliers', ['Target', 'Product', 'Version', 'Why'], outlierRows(outliers), maxRows) : '<p class="note">None.</p>'}
<h2>Advisories per host</h2>
${advisoryRows.length ? table('advisories', ['Target', 'Advisory', 'Package and version', 'Fixed in', 'Confidence', 'Summary'], advisoryRows, maxRows) : '<p class="note">No advisories matched.</p>'}
<h2>Version spread</h2>
${spreads.length ? spreads.slice(0, 50).map(spreadChart).join('\n') : '<p class="note">No versions revealed.</p>'}
</body></html>
`;
}
