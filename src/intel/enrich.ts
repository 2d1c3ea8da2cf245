import {
  type AdvisoryRef,
  type Finding,
  severityRank,
  type TargetResult,
  type Vector,
} from '../report/model.js';
import { type AdvisoryDb, loadAdvisoryDb } from './advisory-db.js';
import { type CompiledForkRule, defaultForkRules } from './forks.js';
import { advisoriesFor, matchProduct } from './match.js';
import { type ClaimSource, defaultProductMap, type ProductMap } from './products.js';

const SOURCE: Partial<Record<Vector, ClaimSource>> = {
  serverinfo: 'serverinfo',
  header: 'header',
  infrastructure: 'header',
  endpoint: 'endpoint',
  error: 'error',
  behaviour: 'behaviour',
  ui: 'ui',
};

export interface EnrichOptions {
  db?: AdvisoryDb;
  productMap?: ProductMap;
  forks?: readonly CompiledForkRule[];
}

function refWhat(ref: AdvisoryRef): string {
  return [ref.id, ...ref.aliases.slice(0, 2)].join(' / ');
}

/**
 * Turns disclosed versions into known vulnerabilities: every finding that names a product is matched
 * against the advisory database and the fork heuristics. The disclosing finding keeps the list in
 * `advisories`, and each matched advisory (or vulnerable fork) becomes a finding of its own, with
 * the advisory's severity, so `--fail-on` gates on it.
 */
export function advisoryEnricher(opts: EnrichOptions = {}): (result: TargetResult) => TargetResult {
  const db = opts.db ?? loadAdvisoryDb();
  const productMap = opts.productMap ?? defaultProductMap();
  const forks = opts.forks ?? defaultForkRules();
  return (result) => {
    const fingerprintIds = result.findings.filter((f) => f.vector === 'behaviour').map((f) => f.id);
    const added = new Map<string, Finding>();
    const addAdvisory = (f: Finding, ref: AdvisoryRef, version: string | undefined) => {
      const key = `${ref.id}|${ref.package}|${version ?? ''}`;
      if (added.has(key)) return;
      const evidence = f.evidence[0]!;
      added.set(key, {
        id: ref.id,
        title: `${ref.summary} (${refWhat(ref)})`,
        severity: ref.severity,
        vector: 'advisory',
        target: result.target,
        product: ref.package,
        ...(version ? { version } : {}),
        ...(f.versionRange && !version ? { versionRange: f.versionRange } : {}),
        evidence: [
          { request: evidence.request, location: `${f.id}: ${evidence.location}`, excerpt: ref.basis },
        ],
        remediation: ref.fixed
          ? `Upgrade ${ref.package} to ${ref.fixed} or later. Until then, mcpward guard keeps the version from being read.`
          : `No fixed release of ${ref.package} exists: replace it. Until then, mcpward guard keeps the version from being read.`,
        advisories: [ref],
      });
    };
    for (const f of result.findings) {
      if (f.versionRange && f.product) {
        // Only a range is known: report what affects its first and its last release alike.
        const { first, last, ecosystem } = f.versionRange;
        const pkg = { ecosystem, name: f.product };
        const how = `${f.product} inferred from ${f.id} to be one of ${first} to ${last}; both ends of that range are affected`;
        const lastIds = new Set(advisoriesFor(db, pkg, last, how, 'medium').map((m) => m.ref.id));
        const both = advisoriesFor(db, pkg, first, how, 'medium').filter((m) => lastIds.has(m.ref.id));
        if (both.length) f.advisories = both.map((m) => m.ref);
        for (const m of both) addAdvisory(f, { ...m.ref, basis: how }, undefined);
        continue;
      }
      const source = SOURCE[f.vector];
      if (!source || !f.product) continue;
      const m = matchProduct(
        { product: f.product, ...(f.version ? { version: f.version } : {}), source, fingerprintIds },
        db,
        productMap,
        { forks },
      );
      if (m.advisories.length) f.advisories = m.advisories;
      const evidence = f.evidence[0]!;
      for (const ref of m.advisories) addAdvisory(f, ref, m.versionOf?.version);
      if (m.fork) {
        const key = `fork|${m.fork.id}|${f.product}`;
        if (!added.has(key)) {
          added.set(key, {
            id: 'vulnerable-fork',
            title: m.fork.title,
            severity: m.fork.severity,
            vector: 'advisory',
            target: result.target,
            product: f.product,
            ...(f.version ? { version: f.version } : {}),
            evidence: [
              {
                request: evidence.request,
                location: `${f.id}: ${evidence.location}`,
                excerpt: m.fork.rationale,
              },
            ],
            remediation: m.fork.remediation,
          });
        }
      }
    }
    if (added.size) {
      result.findings = [...added.values(), ...result.findings].sort(
        (a, b) => severityRank(b.severity) - severityRank(a.severity),
      );
    }
    return result;
  };
}
