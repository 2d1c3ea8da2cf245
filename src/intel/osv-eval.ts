import type { OsvAffected, OsvEvent, OsvRange, OsvRecord } from './osv-schema.js';
import {
  canonicalEcosystem,
  compareVersions,
  normalizePackageName,
  schemeFor,
  type VersionScheme,
} from './versions.js';

/**
 * OSV evaluation, as the schema's `IsVulnerable` pseudocode defines it
 * (https://ossf.github.io/osv-schema/#evaluation): a version is affected if it is listed in
 * `versions` or lies in any range of any `affected` entry for the package. Within a range the
 * events are sorted and walked as a timeline: `introduced` (inclusive) opens, `fixed` (exclusive)
 * and `last_affected` (inclusive) close; `limit` events bound the whole range.
 */

/** The interval of one range a version falls in: its branch. */
export interface Branch {
  introduced: string;
  /** The first version of this branch with the fix. */
  fixed?: string;
  /** The branch's last affected version when no fix was published on it. */
  lastAffected?: string;
}

export interface Evaluation {
  status: 'affected' | 'not-affected' | 'unknown';
  /** Why the answer is unknown, or how an affected version was matched. */
  reason?: string;
  /** For affected versions matched by a range: the branch the version is on. */
  branch?: Branch;
  /** Affected through an explicit `versions` entry. */
  listed?: boolean;
  /**
   * GitHub's `last_known_affected_version_range` bound, when the version is above it but the
   * range is open: OSV says affected, GitHub's reviewers only confirmed up to this bound.
   */
  beyondLastKnown?: string;
}

type Cmp = (a: string, b: string) => number | undefined;

function comparatorFor(range: OsvRange, ecosystem: string): { cmp?: Cmp; scheme?: VersionScheme } {
  const scheme: VersionScheme | undefined = range.type === 'SEMVER' ? 'semver' : schemeFor(ecosystem);
  if (!scheme) return {};
  // `introduced: "0"` sorts before every version; `limit: "*"` after every version.
  const cmp: Cmp = (a, b) => {
    if (a === '0' && b === '0') return 0;
    if (a === '0') return -1;
    if (b === '0') return 1;
    if (a === '*' || b === '*') return a === b ? 0 : a === '*' ? 1 : -1;
    return compareVersions(scheme, a, b);
  };
  return { cmp, scheme };
}

function eventVersion(e: OsvEvent): string {
  if ('introduced' in e) return e.introduced;
  if ('fixed' in e) return e.fixed;
  if ('last_affected' in e) return e.last_affected;
  return e.limit;
}

/** Sorts events by version; at equal versions an opening event comes before a closing one. */
function sortEvents(events: readonly OsvEvent[], cmp: Cmp): OsvEvent[] | undefined {
  for (const e of events) {
    const v = eventVersion(e);
    if (v !== '0' && v !== '*' && cmp(v, v) === undefined) return undefined;
  }
  const rank = (e: OsvEvent) => ('introduced' in e ? 0 : 1);
  return [...events].sort((a, b) => cmp(eventVersion(a), eventVersion(b))! || rank(a) - rank(b));
}

interface RangeResult {
  status: Evaluation['status'];
  reason?: string;
  branch?: Branch;
}

export function evaluateRange(range: OsvRange, ecosystem: string, version: string): RangeResult {
  if (range.type === 'GIT') return { status: 'unknown', reason: 'GIT ranges need the repository history' };
  const { cmp } = comparatorFor(range, ecosystem);
  if (!cmp) return { status: 'unknown', reason: `no version ordering for ecosystem ${ecosystem}` };
  if (cmp(version, version) === undefined) {
    return { status: 'unknown', reason: `"${version}" is not a valid ${ecosystem} version` };
  }
  const events = sortEvents(range.events, cmp);
  if (!events) return { status: 'unknown', reason: 'the advisory range has a version that does not parse' };

  const limits = events.filter((e): e is { limit: string } => 'limit' in e);
  if (limits.length > 0 && !limits.some((l) => cmp(version, l.limit)! < 0)) return { status: 'not-affected' };

  let vulnerable = false;
  let opened: number | undefined;
  events.forEach((e, i) => {
    if ('introduced' in e && cmp(version, e.introduced)! >= 0) {
      vulnerable = true;
      opened = i;
    } else if ('fixed' in e && cmp(version, e.fixed)! >= 0) {
      vulnerable = false;
    } else if ('last_affected' in e && cmp(version, e.last_affected)! > 0) {
      vulnerable = false;
    }
  });
  if (!vulnerable || opened === undefined) return { status: 'not-affected' };

  const start = events[opened] as { introduced: string };
  const branch: Branch = { introduced: start.introduced };
  for (const e of events.slice(opened + 1)) {
    if ('fixed' in e) {
      branch.fixed = e.fixed;
      break;
    }
    if ('last_affected' in e) {
      branch.lastAffected = e.last_affected;
      break;
    }
  }
  return { status: 'affected', branch };
}

function listed(affected: OsvAffected, ecosystem: string, version: string): boolean {
  const list = affected.versions ?? [];
  if (list.includes(version)) return true;
  const scheme = schemeFor(ecosystem);
  return scheme !== undefined && list.some((v) => compareVersions(scheme, v, version) === 0);
}

/** GitHub writes `<= 1.2.3` or `< 1.2.3`. */
function lastKnownBound(affected: OsvAffected): { op: '<' | '<='; version: string } | undefined {
  const raw = affected.database_specific?.last_known_affected_version_range;
  const m = raw ? /^\s*(<=|<)\s*(\S+)\s*$/.exec(raw) : null;
  return m ? { op: m[1] as '<' | '<=', version: m[2]! } : undefined;
}

/** Evaluates one `affected` entry (the caller has checked the package). */
export function evaluateAffected(affected: OsvAffected, ecosystem: string, version: string): Evaluation {
  if (listed(affected, ecosystem, version))
    return { status: 'affected', listed: true, reason: 'listed version' };
  let unknown: string | undefined;
  for (const range of affected.ranges ?? []) {
    const r = evaluateRange(range, ecosystem, version);
    if (r.status === 'affected') {
      const out: Evaluation = { status: 'affected', branch: r.branch! };
      const bound = lastKnownBound(affected);
      const scheme = schemeFor(ecosystem);
      if (bound && scheme && !r.branch!.fixed && !r.branch!.lastAffected) {
        const c = compareVersions(scheme, version, bound.version);
        if (c !== undefined && (bound.op === '<' ? c >= 0 : c > 0)) {
          out.beyondLastKnown = `${bound.op} ${bound.version}`;
        }
      }
      return out;
    }
    if (r.status === 'unknown') unknown ??= r.reason;
  }
  return unknown ? { status: 'unknown', reason: unknown } : { status: 'not-affected' };
}

/** The `affected` entries of a record that name this package (several are allowed). */
export function entriesFor(record: OsvRecord, ecosystem: string, name: string): OsvAffected[] {
  const eco = canonicalEcosystem(ecosystem);
  const key = normalizePackageName(eco, name);
  return (record.affected ?? []).filter(
    (a) =>
      a.package !== undefined &&
      canonicalEcosystem(a.package.ecosystem) === eco &&
      normalizePackageName(eco, a.package.name) === key,
  );
}

/** Whether `version` of the package is affected by the record, with the branch it is on. */
export function evaluate(record: OsvRecord, ecosystem: string, name: string, version: string): Evaluation {
  const entries = entriesFor(record, ecosystem, name);
  if (entries.length === 0) return { status: 'not-affected', reason: 'package not in advisory' };
  if (record.withdrawn) return { status: 'not-affected', reason: `withdrawn ${record.withdrawn}` };
  let unknown: Evaluation | undefined;
  for (const entry of entries) {
    const e = evaluateAffected(entry, ecosystem, version);
    if (e.status === 'affected') return e;
    if (e.status === 'unknown') unknown ??= e;
  }
  return unknown ?? { status: 'not-affected' };
}

/** True when OSV semantics say the version is affected. Unknown (unparseable) is false. */
export function affects(record: OsvRecord, ecosystem: string, name: string, version: string): boolean {
  return evaluate(record, ecosystem, name, version).status === 'affected';
}

export type FixAdvice =
  /** The fix on the branch the version is on. */
  | { kind: 'fixed'; fixed: string }
  /**
   * No fix was published on this branch (it ends in `last_affected`, or is open). `elsewhere` lists
   * fixed versions above this one on other branches, lowest first: the upgrade path.
   */
  | { kind: 'no-fix-on-branch'; lastAffected?: string; elsewhere: string[] }
  | { kind: 'not-affected' }
  | { kind: 'unknown'; reason: string };

/** Which version fixes this one, on the line (branch) it is on. */
export function fixedOnBranch(
  record: OsvRecord,
  ecosystem: string,
  name: string,
  version: string,
): FixAdvice {
  const ev = evaluate(record, ecosystem, name, version);
  if (ev.status === 'not-affected') return { kind: 'not-affected' };
  if (ev.status === 'unknown') return { kind: 'unknown', reason: ev.reason ?? 'cannot order versions' };
  if (ev.branch?.fixed) return { kind: 'fixed', fixed: ev.branch.fixed };
  const scheme = schemeFor(ecosystem) ?? 'semver';
  const fixes = new Set<string>();
  for (const entry of entriesFor(record, ecosystem, name)) {
    for (const range of entry.ranges ?? []) {
      if (range.type === 'GIT') continue;
      for (const e of range.events) {
        if ('fixed' in e && (compareVersions(scheme, e.fixed, version) ?? -1) > 0) fixes.add(e.fixed);
      }
    }
  }
  const elsewhere = [...fixes].sort((a, b) => compareVersions(scheme, a, b) ?? 0);
  const out: FixAdvice = { kind: 'no-fix-on-branch', elsewhere };
  if (ev.branch?.lastAffected) out.lastAffected = ev.branch.lastAffected;
  return out;
}
