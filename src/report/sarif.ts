import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import { packageVersion } from '../util/version.js';
import type { Severity } from './model.js';

/** One kind of result (a scan finding id, a Sigma rule). */
export interface SarifRuleInput {
  id: string;
  title: string;
  description?: string;
  help?: string;
  severity: Severity;
  tags?: string[];
  helpUri?: string;
}

/** Where a result points: a line of a file in the repository, or a URL (a scanned target). */
export interface SarifLocationInput {
  file?: string;
  line?: number;
  uri?: string;
  /** Shown as the logical location (the target, the source IP). */
  logical?: string;
}

export interface SarifResultInput {
  ruleId: string;
  severity: Severity;
  message: string;
  location: SarifLocationInput;
  /** Stable identity across runs, so code scanning tracks one alert instead of opening a new one. */
  identity: string;
  properties?: Record<string, unknown>;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning reads `security-severity` (0-10) to rank security alerts. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

function pascal(id: string): string {
  return id.replace(/(^|[-_.\s]+)(\w)/g, (_, __, c: string) => c.toUpperCase());
}

function artifactUri(file: string): string {
  const rel = isAbsolute(file) ? relative(process.cwd(), file) : file;
  return rel.split(sep).join('/');
}

function location(loc: SarifLocationInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (loc.file) {
    const physical: Record<string, unknown> = { artifactLocation: { uri: artifactUri(loc.file) } };
    if (loc.line) physical['region'] = { startLine: loc.line };
    out['physicalLocation'] = physical;
  } else if (loc.uri) {
    out['physicalLocation'] = { artifactLocation: { uri: loc.uri } };
  }
  if (loc.logical) out['logicalLocations'] = [{ name: loc.logical, kind: 'resource' }];
  return out;
}

/** A SARIF 2.1.0 log with one run, as GitHub code scanning accepts it. */
export function buildSarif(input: {
  rules: SarifRuleInput[];
  results: SarifResultInput[];
  informationUri?: string;
}): Record<string, unknown> {
  const ruleIndex = new Map(input.rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mcpward',
            version: packageVersion,
            semanticVersion: packageVersion,
            informationUri: input.informationUri ?? 'https://github.com/mcpward/mcpward',
            rules: input.rules.map((r) => ({
              id: r.id,
              name: pascal(r.id),
              shortDescription: { text: r.title },
              fullDescription: { text: r.description ?? r.title },
              ...(r.help ? { help: { text: r.help } } : {}),
              ...(r.helpUri ? { helpUri: r.helpUri } : {}),
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: {
                tags: ['security', ...(r.tags ?? [])],
                'security-severity': SECURITY_SEVERITY[r.severity],
                precision: 'high',
              },
            })),
          },
        },
        results: input.results.map((r) => {
          const out: Record<string, unknown> = {
            ruleId: r.ruleId,
            level: LEVEL[r.severity],
            message: { text: r.message },
            locations: [location(r.location)],
            partialFingerprints: {
              'mcpward/v1': createHash('sha256').update(r.identity).digest('hex').slice(0, 32),
            },
          };
          const idx = ruleIndex.get(r.ruleId);
          if (idx !== undefined) out['ruleIndex'] = idx;
          if (r.properties) out['properties'] = r.properties;
          return out;
        }),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
