import type { Severity } from '../report/model.js';
import type { TargetSnapshot } from '../store/fleet-store.js';
import { compareAnyVersions } from './versions.js';

/** Fleet analysis over run snapshots: pure functions, no I/O. */

/** The products a target revealed with a version: fingerprints, plus serverInfo if no fingerprint names it. */
export function versionedProducts(t: TargetSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of t.products) if (p.version && !out.has(p.product)) out.set(p.product, p.version);
  if (t.serverName && t.serverVersion && !out.has(t.serverName)) out.set(t.serverName, t.serverVersion);
  return out;
}

export interface VersionChange {
  target: string;
  product: string;
  from: string;
  to: string;
  direction: 'upgrade' | 'downgrade' | 'changed';
}

export interface FleetDiff {
  /** Answering in the later run, not in the earlier one (absent, unreachable or error). */
  appeared: { target: string; before: 'absent' | 'unreachable' | 'error' }[];
  /** Answering in the earlier run, not in the later one. */
  disappeared: { target: string; now: 'absent' | 'unreachable' | 'error' }[];
  versionChanged: VersionChange[];
  /** Findings present before and gone now. */
  hardened: { target: string; gone: string[] }[];
  /** Findings that are new. */
  regressed: { target: string; added: string[] }[];
}

function statusOf(t: TargetSnapshot | undefined): 'absent' | TargetSnapshot['status'] {
  return t ? t.status : 'absent';
}

/** What changed between two runs of the same fleet. */
export function diffRuns(before: readonly TargetSnapshot[], after: readonly TargetSnapshot[]): FleetDiff {
  const a = new Map(before.map((t) => [t.target, t]));
  const b = new Map(after.map((t) => [t.target, t]));
  const diff: FleetDiff = { appeared: [], disappeared: [], versionChanged: [], hardened: [], regressed: [] };
  const targets = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const target of targets) {
    const x = a.get(target);
    const y = b.get(target);
    const sx = statusOf(x);
    const sy = statusOf(y);
    if (sy === 'ok' && sx !== 'ok') diff.appeared.push({ target, before: sx });
    if (sx === 'ok' && sy !== 'ok') diff.disappeared.push({ target, now: sy });
    if (sx !== 'ok' || sy !== 'ok') continue;
    const vx = versionedProducts(x!);
    const vy = versionedProducts(y!);
    for (const [product, from] of vx) {
      const to = vy.get(product);
      if (to === undefined || to === from) continue;
      const c = compareAnyVersions(to, from);
      diff.versionChanged.push({
        target,
        product,
        from,
        to,
        direction: c === undefined || c === 0 ? 'changed' : c > 0 ? 'upgrade' : 'downgrade',
      });
    }
    const fx = new Set(x!.findings.map((f) => f.id));
    const fy = new Set(y!.findings.map((f) => f.id));
    const gone = [...fx].filter((f) => !fy.has(f)).sort();
    const added = [...fy].filter((f) => !fx.has(f)).sort();
    if (gone.length) diff.hardened.push({ target, gone });
    if (added.length) diff.regressed.push({ target, added });
  }
  return diff;
}

export interface VersionSpread {
  product: string;
  /** Versions seen, lowest first (incomparable ones last, by text). */
  versions: { version: string; count: number }[];
  /** The version most of the fleet runs (ties go to the highest). */
  majority: string;
  total: number;
}

function byVersion(a: string, b: string): number {
  const c = compareAnyVersions(a, b);
  if (c !== undefined) return c;
  const va = compareAnyVersions(a, a) !== undefined;
  const vb = compareAnyVersions(b, b) !== undefined;
  if (va !== vb) return va ? -1 : 1;
  return a.localeCompare(b);
}

/** Which versions of each product the answering targets run. */
export function versionSpread(snapshot: readonly TargetSnapshot[]): VersionSpread[] {
  const counts = new Map<string, Map<string, number>>();
  for (const t of snapshot) {
    if (t.status !== 'ok') continue;
    for (const [product, version] of versionedProducts(t)) {
      const m = counts.get(product) ?? new Map<string, number>();
      m.set(version, (m.get(version) ?? 0) + 1);
      counts.set(product, m);
    }
  }
  return [...counts.entries()]
    .map(([product, m]) => {
      const versions = [...m.entries()]
        .map(([version, count]) => ({ version, count }))
        .sort((x, y) => byVersion(x.version, y.version));
      const top = Math.max(...versions.map((v) => v.count));
      const majority = versions.filter((v) => v.count === top).at(-1)!.version;
      return { product, versions, majority, total: versions.reduce((s, v) => s + v.count, 0) };
    })
    .sort((x, y) => y.total - x.total || x.product.localeCompare(y.product));
}

export type Outlier =
  | {
      reason: 'behind-fleet';
      target: string;
      product: string;
      version: string;
      /** The majority version and how many of the product's targets run it. */
      fleetVersion: string;
      fleetShare: string;
    }
  | {
      reason: 'behind-fix';
      target: string;
      product: string;
      version?: string;
      advisory: string;
      severity: Severity;
      fixed: string;
      package: string;
    };

/**
 * Servers running behind: behind the version most of the fleet runs for that product, or behind
 * the fixed version of an advisory matched to them.
 */
export function findOutliers(snapshot: readonly TargetSnapshot[]): Outlier[] {
  const out: Outlier[] = [];
  const spreads = new Map(versionSpread(snapshot).map((s) => [s.product, s]));
  for (const t of snapshot) {
    if (t.status !== 'ok') continue;
    for (const [product, version] of versionedProducts(t)) {
      const s = spreads.get(product);
      if (!s || s.total < 2) continue;
      const c = compareAnyVersions(version, s.majority);
      if (c === undefined || c >= 0) continue;
      const n = s.versions.find((v) => v.version === s.majority)!.count;
      out.push({
        reason: 'behind-fleet',
        target: t.target,
        product,
        version,
        fleetVersion: s.majority,
        fleetShare: `${n}/${s.total}`,
      });
    }
    const seen = new Set<string>();
    for (const a of t.advisories) {
      if (!a.fixed || seen.has(a.id)) continue;
      seen.add(a.id);
      const o: Outlier = {
        reason: 'behind-fix',
        target: t.target,
        product: a.product ?? a.package,
        advisory: a.id,
        severity: a.severity,
        fixed: a.fixed,
        package: a.package,
      };
      if (a.version) o.version = a.version;
      out.push(o);
    }
  }
  return out.sort(
    (x, y) =>
      x.product.localeCompare(y.product) ||
      x.target.localeCompare(y.target) ||
      x.reason.localeCompare(y.reason),
  );
}

export interface FleetSummary {
  targets: number;
  ok: number;
  unreachable: number;
  error: number;
  /** Targets whose worst finding has this severity. */
  worst: Record<Severity, number>;
  findings: number;
  /** Distinct advisory ids matched, and targets with at least one. */
  advisories: number;
  targetsWithAdvisories: number;
  products: number;
}

export function summarize(snapshot: readonly TargetSnapshot[]): FleetSummary {
  const rank: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
  const worst: Record<Severity, number> = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  const ids = new Set<string>();
  let findings = 0;
  let withAdv = 0;
  for (const t of snapshot) {
    findings += t.findings.length;
    if (t.findings.length) {
      const w = t.findings.reduce(
        (m, f) => (rank[f.severity] > rank[m] ? f.severity : m),
        'info' as Severity,
      );
      worst[w]++;
    }
    for (const a of t.advisories) ids.add(a.id);
    if (t.advisories.length) withAdv++;
  }
  return {
    targets: snapshot.length,
    ok: snapshot.filter((t) => t.status === 'ok').length,
    unreachable: snapshot.filter((t) => t.status === 'unreachable').length,
    error: snapshot.filter((t) => t.status === 'error').length,
    worst,
    findings,
    advisories: ids.size,
    targetsWithAdvisories: withAdv,
    products: versionSpread(snapshot).length,
  };
}
