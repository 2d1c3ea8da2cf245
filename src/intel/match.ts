import type { AdvisoryRef } from '../report/model.js';
import type { AdvisoryDb } from './advisory-db.js';
import { type CompiledForkRule, type ForkMatch, matchFork } from './forks.js';
import { type Evaluation, evaluate, type FixAdvice, fixedOnBranch } from './osv-eval.js';
import type { OsvRecord } from './osv-schema.js';
import {
  type Confidence,
  lookupProduct,
  normalizeClaimedName,
  type PackageRef,
  type ProductClaim,
  type ProductMap,
  type Relation,
} from './products.js';
import { recordSeverity } from './severity.js';
import { canonicalEcosystem, normalizePackageName } from './versions.js';

/** One advisory matched to a claim, with the OSV detail behind its AdvisoryRef. */
export interface AdvisoryMatch {
  ref: AdvisoryRef;
  record: OsvRecord;
  evaluation: Evaluation;
  fix: FixAdvice;
}

export interface ProductMatchResult {
  /** The product map entry used, if any. */
  entry?: string;
  /** The package the claim identifies. */
  package?: string;
  ecosystem?: string;
  /** How the revealed version relates to a package version; `unknown` when nothing matched. */
  relation: Relation | 'unknown';
  /** The package (and version) the revealed version was matched against. */
  versionOf?: PackageRef & { version: string };
  /** Advisories that affect the revealed version. */
  advisories: AdvisoryRef[];
  /** Detail for `advisories`, same order. */
  matches: AdvisoryMatch[];
  /**
   * Advisories for the identified package whose version was not revealed: they may or may not
   * apply. Never reported as findings on their own.
   */
  possible: AdvisoryRef[];
  fork?: ForkMatch;
}

export interface MatchOptions {
  forks?: readonly CompiledForkRule[];
}

function summaryOf(r: OsvRecord): string {
  const s = r.summary?.trim() || r.details?.trim().split('\n')[0] || r.id;
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

function branchText(ev: Evaluation, fix: FixAdvice): string {
  if (ev.listed) return 'listed as affected';
  const b = ev.branch;
  const from = b && b.introduced !== '0' ? `from ${b.introduced} ` : '';
  if (fix.kind === 'fixed') return `affected ${from}until ${fix.fixed} (fixed on this line)`;
  if (fix.kind === 'no-fix-on-branch') {
    const last = fix.lastAffected ? `last affected ${fix.lastAffected}, ` : '';
    const other = fix.elsewhere.length
      ? `upgrade to ${fix.elsewhere[0]} (fixed on a later line)`
      : 'no fixed release exists';
    return `affected ${from}with no fix on this line (${last}${other})`;
  }
  return 'affected';
}

function makeRef(
  record: OsvRecord,
  pkg: PackageRef,
  version: string,
  ev: Evaluation,
  fix: FixAdvice,
  how: string,
  confidence: Confidence,
): AdvisoryRef {
  const sev = recordSeverity(record);
  let conf = confidence;
  let basis = `${how}; ${pkg.name} ${version} ${branchText(ev, fix)}`;
  if (ev.beyondLastKnown) {
    conf = 'low';
    basis += `; GitHub confirmed only versions ${ev.beyondLastKnown}`;
  }
  const ref: AdvisoryRef = {
    id: record.id,
    aliases: record.aliases ?? [],
    summary: summaryOf(record),
    severity: sev.severity,
    package: pkg.name,
    ecosystem: pkg.ecosystem,
    basis,
    confidence: conf,
  };
  if (fix.kind === 'fixed') ref.fixed = fix.fixed;
  else if (fix.kind === 'no-fix-on-branch' && fix.elsewhere[0]) ref.fixed = fix.elsewhere[0];
  return ref;
}

/** Advisories affecting `version` of the package, strongest first. */
export function advisoriesFor(
  db: AdvisoryDb,
  pkg: PackageRef,
  version: string,
  how: string,
  confidence: Confidence,
): AdvisoryMatch[] {
  const out: AdvisoryMatch[] = [];
  for (const record of db.forPackage(pkg.ecosystem, pkg.name)) {
    const evaluation = evaluate(record, pkg.ecosystem, pkg.name, version);
    if (evaluation.status !== 'affected') continue;
    const fix = fixedOnBranch(record, pkg.ecosystem, pkg.name, version);
    out.push({
      ref: makeRef(record, pkg, version, evaluation, fix, how, confidence),
      record,
      evaluation,
      fix,
    });
  }
  const rank = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
  return out.sort((a, b) => rank[b.ref.severity] - rank[a.ref.severity] || a.ref.id.localeCompare(b.ref.id));
}

function possibleFor(db: AdvisoryDb, pkg: PackageRef, why: string): AdvisoryRef[] {
  return db.forPackage(pkg.ecosystem, pkg.name).map((record) => ({
    id: record.id,
    aliases: record.aliases ?? [],
    summary: summaryOf(record),
    severity: recordSeverity(record).severity,
    package: pkg.name,
    ecosystem: pkg.ecosystem,
    basis: `${why}; version not revealed, so whether it applies is unknown`,
    confidence: 'low' as const,
  }));
}

function samePackage(a: PackageRef, b: PackageRef): boolean {
  const eco = canonicalEcosystem(a.ecosystem);
  return (
    eco === canonicalEcosystem(b.ecosystem) &&
    normalizePackageName(eco, a.name) === normalizePackageName(eco, b.name)
  );
}

const SOURCE_WORDS: Record<ProductClaim['source'], string> = {
  serverinfo: 'serverInfo',
  header: 'header',
  endpoint: 'version endpoint',
  error: 'stack trace',
  ui: 'web UI',
  behaviour: 'behaviour',
};

/**
 * What a product claim means: which package, how its version relates, which advisories affect it
 * and whether it looks like a vulnerable fork. Pure: the database and maps are passed in.
 */
export function matchProduct(
  claim: ProductClaim,
  db: AdvisoryDb,
  productMap: ProductMap,
  opts: MatchOptions = {},
): ProductMatchResult {
  const name = normalizeClaimedName(claim);
  const version = claim.version?.trim() || undefined;
  const result: ProductMatchResult = { relation: 'unknown', advisories: [], matches: [], possible: [] };
  const fork = opts.forks ? matchFork(name, version, opts.forks) : undefined;
  if (fork) result.fork = fork;

  const said = `${SOURCE_WORDS[claim.source]} "${name}"${version ? ` ${version}` : ''}`;
  const hit = lookupProduct(claim, productMap);
  if (hit) {
    const { entry } = hit;
    result.entry = entry.id;
    result.package = hit.package.name;
    result.ecosystem = hit.package.ecosystem;
    result.relation = entry.relation;
    const note = entry.note ? ` (${entry.note})` : '';
    const guess = hit.confidence === 'low' ? 'a guess: ' : '';
    const versionPkg = entry.relation === 'library' ? hit.library! : hit.package;
    if (version && entry.relation !== 'none') {
      const how =
        entry.relation === 'library'
          ? samePackage(versionPkg, hit.package)
            ? `${guess}${said} is a server built on ${versionPkg.name}, reporting that library's version${note}`
            : `${guess}${said} identifies ${hit.package.name}; its version is that of ${versionPkg.name}${note}`
          : entry.relation === 'inferred'
            ? `a guess: ${said} is taken as ${hit.package.name} ${version}${note}`
            : `${guess}${said} is ${hit.package.name} ${version}${note}`;
      result.versionOf = { ...versionPkg, version };
      result.matches = advisoriesFor(db, versionPkg, version, how, hit.confidence);
    }
    // The identified package's own advisories, when its version is not what was revealed.
    if (!result.versionOf || !samePackage(versionPkg, hit.package)) {
      result.possible = possibleFor(db, hit.package, `${said} identifies ${hit.package.name}${note}`);
    }
  } else if (version) {
    // No map entry: a name that equals a package name with advisories is a weak hint.
    for (const ecosystem of ['npm', 'PyPI']) {
      const pkg = { ecosystem, name };
      if (db.forPackage(ecosystem, name).length === 0) continue;
      const how = `a guess: ${said} has the name of the ${ecosystem} package ${name}; its version is assumed to be the package's`;
      const found = advisoriesFor(db, pkg, version, how, 'low');
      if (found.length > 0 || result.relation === 'unknown') {
        result.package = name;
        result.ecosystem = ecosystem;
        result.relation = 'inferred';
        result.versionOf = { ...pkg, version };
        result.matches = found;
        if (found.length > 0) break;
      }
    }
  }
  result.advisories = result.matches.map((m) => m.ref);
  return result;
}
