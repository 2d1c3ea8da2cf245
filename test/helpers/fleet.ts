import type { AdvisoryRef, Finding, Severity, TargetResult } from '../../src/report/model.js';

/** Builds TargetResults the way scan reports them, for fleet tests. */
export function result(
  target: string,
  opts: {
    status?: TargetResult['status'];
    sdk?: string;
    server?: { name: string; version: string };
    findings?: {
      id: string;
      severity?: Severity;
      advisories?: AdvisoryRef[];
      product?: string;
      version?: string;
    }[];
  } = {},
): TargetResult {
  const status = opts.status ?? 'ok';
  const r: TargetResult = { target, status, fingerprints: [], findings: [], requests: 7, durationMs: 12 };
  if (status !== 'ok') {
    r.error = status === 'unreachable' ? 'connect ECONNREFUSED' : 'bad answer';
    return r;
  }
  if (opts.server)
    r.mcp = {
      url: target,
      transport: 'streamable-http',
      protocolVersion: '2025-06-18',
      serverInfo: opts.server,
    };
  if (opts.sdk) {
    r.fingerprints.push({
      product: '@modelcontextprotocol/sdk',
      version: opts.sdk,
      kind: 'sdk',
      confidence: 'high',
      sources: ['error-node-modules-version'],
    });
  }
  for (const f of opts.findings ?? []) {
    const finding: Finding = {
      id: f.id,
      title: `${f.id} on ${target}`,
      severity: f.severity ?? 'medium',
      vector: f.advisories ? 'advisory' : 'serverinfo',
      target,
      evidence: [{ request: 'POST /mcp initialize', location: 'result.serverInfo', excerpt: 'x' }],
      remediation: 'strip it',
    };
    if (f.product) finding.product = f.product;
    if (f.version) finding.version = f.version;
    if (f.advisories) finding.advisories = f.advisories;
    r.findings.push(finding);
  }
  return r;
}

export function advisory(id: string, fixed: string, severity: Severity = 'high'): AdvisoryRef {
  return {
    id,
    aliases: [`CVE-${id.slice(5)}`],
    summary: `${id} summary`,
    severity,
    package: '@modelcontextprotocol/sdk',
    ecosystem: 'npm',
    fixed,
    basis: 'stack trace path',
    confidence: 'high',
  };
}

export const HOSTILE = `<img src=x onerror="document.title='pwned'"><script>alert(1)</script>`;

/** Two runs of a small fleet: c upgrades its SDK, a drops a header, d goes away, e and f appear. */
export function twoRuns(): { monday: TargetResult[]; tuesday: TargetResult[] } {
  const fs = { name: 'secure-filesystem-server', version: '0.2.0' };
  const monday = [
    result('http://a.test:8000/mcp', {
      sdk: '1.24.0',
      server: fs,
      findings: [{ id: 'serverinfo-version' }, { id: 'header-x-powered-by', severity: 'low' }],
    }),
    result('http://b.test:8000/mcp', { sdk: '1.24.0', server: fs, findings: [{ id: 'serverinfo-version' }] }),
    result('http://c.test:8000/mcp', {
      sdk: '1.12.0',
      findings: [
        { id: 'serverinfo-version' },
        {
          id: 'error-node-modules-version',
          severity: 'high',
          product: '@modelcontextprotocol/sdk',
          version: '1.12.0',
          advisories: [advisory('GHSA-8r9q-7v3j-jr4g', '1.25.2'), advisory('GHSA-w48q-cv73-mx4w', '1.24.0')],
        },
      ],
    }),
    result('http://d.test:8000/mcp', {
      server: { name: 'FastMCP', version: '1.9.0' },
      findings: [{ id: 'serverinfo-version' }],
    }),
    result('http://e.test:8000/mcp', { status: 'unreachable' }),
  ];
  const tuesday = [
    result('http://a.test:8000/mcp', { sdk: '1.24.0', server: fs, findings: [{ id: 'serverinfo-version' }] }),
    result('http://b.test:8000/mcp', { sdk: '1.24.0', server: fs, findings: [{ id: 'serverinfo-version' }] }),
    result('http://c.test:8000/mcp', { sdk: '1.26.0', findings: [{ id: 'serverinfo-version' }] }),
    result('http://d.test:8000/mcp', { status: 'unreachable' }),
    result('http://e.test:8000/mcp', { sdk: '1.25.0' }),
    result('http://f.test:8000/mcp', {
      sdk: '1.20.0',
      server: { name: HOSTILE, version: '6.6.6' },
      findings: [{ id: 'serverinfo-version', severity: 'critical' }],
    }),
  ];
  return { monday, tuesday };
}
