import type { KnowledgeBase } from '../disclosure/load.js';
import { packageVersion } from '../util/version.js';
import {
  atLeast,
  type Finding,
  SEVERITIES,
  type Severity,
  severityRank,
  type TargetResult,
} from './model.js';
import { buildSarif, type SarifResultInput, type SarifRuleInput } from './sarif.js';
import { makeStyle } from './style.js';
import { printable, renderTable } from './table.js';

export const SCAN_FORMATS = ['table', 'json', 'jsonl', 'sarif'] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

/** Receives results as targets finish; `end` writes whatever needs the whole run (JSON, SARIF, summary). */
export interface ScanReporter {
  result(r: TargetResult): Promise<void> | void;
  end(): Promise<void> | void;
}

export interface ScanSummary {
  targets: number;
  reachable: number;
  unreachable: number;
  errors: number;
  mcpServers: number;
  withDisclosures: number;
  findings: number;
  bySeverity: Record<Severity, number>;
}

export function emptySummary(): ScanSummary {
  return {
    targets: 0,
    reachable: 0,
    unreachable: 0,
    errors: 0,
    mcpServers: 0,
    withDisclosures: 0,
    findings: 0,
    bySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 },
  };
}

/** A finding counts as a version disclosure when it is above info (behaviour fingerprints are info). */
export function addToSummary(s: ScanSummary, r: TargetResult): void {
  s.targets++;
  if (r.status === 'unreachable') s.unreachable++;
  else if (r.status === 'error') s.errors++;
  else s.reachable++;
  if (r.mcp) s.mcpServers++;
  if (r.findings.some((f) => f.severity !== 'info')) s.withDisclosures++;
  for (const f of r.findings) {
    s.findings++;
    s.bySeverity[f.severity]++;
  }
}

export function summaryLine(s: ScanSummary): string {
  const sev = SEVERITIES.slice()
    .reverse()
    .filter((k) => s.bySeverity[k] > 0)
    .map((k) => `${s.bySeverity[k]} ${k}`)
    .join(', ');
  const parts = [
    `${s.targets} target${s.targets === 1 ? '' : 's'}`,
    `${s.mcpServers} MCP server${s.mcpServers === 1 ? '' : 's'}`,
    `${s.withDisclosures} disclosing versions`,
    `${s.findings} finding${s.findings === 1 ? '' : 's'}${sev ? ` (${sev})` : ''}`,
  ];
  if (s.unreachable) parts.push(`${s.unreachable} unreachable`);
  if (s.errors) parts.push(`${s.errors} failed`);
  return parts.join(', ');
}

function productsLine(r: TargetResult): string {
  return (
    r.fingerprints
      .map((p) =>
        p.version
          ? `${p.product} ${p.version}`
          : p.versionRange
            ? `${p.product} ${p.versionRange.first}-${p.versionRange.last}`
            : p.product,
      )
      .join(', ') || '-'
  );
}

function findingWhat(f: Finding): string {
  const version =
    f.version ?? (f.versionRange ? `${f.versionRange.first}-${f.versionRange.last}` : undefined);
  return [f.product, version].filter(Boolean).join(' ') || '-';
}

type Write = (s: string) => Promise<void> | undefined;

function tableReporter(
  write: Write,
  color: boolean,
  columns: number | undefined,
  minSeverity: Severity,
): ScanReporter {
  const st = makeStyle(color);
  const summary = emptySummary();
  return {
    async result(r) {
      addToSummary(summary, r);
      const head =
        r.status === 'ok'
          ? `${st.bold(r.target)}  ${r.mcp ? `${r.mcp.transport}${r.mcp.protocolVersion ? ` ${r.mcp.protocolVersion}` : ''} at ${new URL(r.mcp.url).pathname}` : 'no MCP endpoint found'}`
          : `${st.bold(r.target)}  ${st.bad(r.status)}${r.error ? `: ${r.error}` : ''}`;
      let text = `${head}\n`;
      if (r.status === 'ok' && r.error) text += `  ${st.dim(`note: ${r.error}`)}\n`;
      if (r.fingerprints.length) text += `  ${st.dim('products:')} ${printable(productsLine(r))}\n`;
      const shown = r.findings.filter((f) => atLeast(f.severity, minSeverity));
      if (shown.length) {
        const rows = shown.map((f) => {
          const e = f.evidence[0]!;
          return [
            st.severity(f.severity),
            f.id,
            findingWhat(f),
            `${e.request} → ${e.location}: ${e.excerpt}`,
          ];
        });
        text += `${renderTable(
          [
            { header: 'SEVERITY' },
            { header: 'FINDING' },
            { header: 'PRODUCT/VERSION', max: 44 },
            { header: 'EVIDENCE', flex: true },
          ],
          rows,
          { indent: '  ', header: st.dim, ...(columns ? { maxWidth: columns } : {}) },
        )}\n`;
      } else if (r.status === 'ok') {
        text += `  ${st.ok('no version disclosure found')}\n`;
      }
      await write(`${text}\n`);
    },
    async end() {
      await write(`${summaryLine(summary)}\n`);
    },
  };
}

function sarifRules(kb: KnowledgeBase, ids: Iterable<string>, seen: Map<string, Finding>): SarifRuleInput[] {
  const out: SarifRuleInput[] = [];
  for (const id of ids) {
    const f = seen.get(id)!;
    out.push({
      id,
      title: f.title,
      description: `${f.title}. SAFE-T1604 server version enumeration: ${f.vector} disclosure.`,
      help: f.remediation,
      severity: kb.findings.get(id)?.severity ?? f.severity,
      tags: ['SAFE-T1604', 'CWE-200', f.vector],
    });
  }
  return out;
}

function sarifReporter(write: Write, kb: KnowledgeBase): ScanReporter {
  const results: SarifResultInput[] = [];
  const firstById = new Map<string, Finding>();
  return {
    result(r) {
      for (const f of r.findings) {
        if (!firstById.has(f.id)) firstById.set(f.id, f);
        const e = f.evidence[0]!;
        const what = findingWhat(f);
        results.push({
          ruleId: f.id,
          severity: f.severity,
          message: `${f.title}${what !== '-' ? `: ${what}` : ''} on ${r.target} (${e.request} → ${e.location}: ${e.excerpt})`,
          location: {
            ...(r.origin?.file
              ? { file: r.origin.file, ...(r.origin.line ? { line: r.origin.line } : {}) }
              : { uri: r.target }),
            logical: r.target,
          },
          identity: `${r.target}|${f.id}|${f.product ?? ''}|${f.version ?? ''}|${e.location}`,
          properties: {
            target: r.target,
            vector: f.vector,
            ...(f.product ? { product: f.product } : {}),
            ...(f.version ? { version: f.version } : {}),
            ...(f.advisories?.length ? { advisories: f.advisories.map((a) => a.id) } : {}),
          },
        });
      }
    },
    async end() {
      const ids = [...firstById.keys()].sort();
      await write(
        `${JSON.stringify(buildSarif({ rules: sarifRules(kb, ids, firstById), results }), null, 2)}\n`,
      );
    },
  };
}

/** A reporter for `format`, writing through `write` (which applies backpressure). */
export function scanReporter(
  format: ScanFormat,
  write: Write,
  opts: { kb: KnowledgeBase; color: boolean; columns?: number; minSeverity?: Severity },
): ScanReporter {
  switch (format) {
    case 'table':
      return tableReporter(write, opts.color, opts.columns, opts.minSeverity ?? 'info');
    case 'jsonl':
      return {
        result: (r) => write(`${JSON.stringify(r)}\n`),
        end: () => undefined,
      };
    case 'json': {
      const targets: TargetResult[] = [];
      const summary = emptySummary();
      const started = new Date().toISOString();
      return {
        result(r) {
          targets.push(r);
          addToSummary(summary, r);
        },
        async end() {
          const doc = {
            tool: { name: 'mcpward', version: packageVersion },
            startedAt: started,
            finishedAt: new Date().toISOString(),
            summary,
            targets,
          };
          await write(`${JSON.stringify(doc, null, 2)}\n`);
        },
      };
    }
    case 'sarif':
      return sarifReporter(write, opts.kb);
  }
}

/** The highest severity among results, for exit codes. */
export function worstSeverity(findings: Iterable<Finding>): Severity | undefined {
  let worst: Severity | undefined;
  for (const f of findings) if (!worst || severityRank(f.severity) > severityRank(worst)) worst = f.severity;
  return worst;
}
