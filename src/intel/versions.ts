import pep440 from '@renovatebot/pep440';
import semver from 'semver';

/**
 * Version ordering per ecosystem, by the field-standard implementations: npm (and other SemVer
 * ecosystems) through `semver`, PyPI through a PEP 440 implementation. Calendar versions such as
 * `2025.7.1` order correctly under both. A version that does not parse is incomparable (undefined),
 * never guessed at.
 */
export type VersionScheme = 'semver' | 'pep440';

/** OSV ecosystem names, matched case-insensitively from user input to their canonical spelling. */
const CANONICAL_ECOSYSTEMS = [
  'npm',
  'PyPI',
  'Go',
  'crates.io',
  'Maven',
  'NuGet',
  'RubyGems',
  'Packagist',
  'Hex',
  'Pub',
  'GitHub Actions',
] as const;
const BY_LOWER = new Map(CANONICAL_ECOSYSTEMS.map((e) => [e.toLowerCase(), e as string]));

export function canonicalEcosystem(ecosystem: string): string {
  const e = ecosystem.trim();
  return BY_LOWER.get(e.toLowerCase()) ?? e;
}

/** How an ecosystem orders versions in `ECOSYSTEM` ranges; undefined when we cannot order them. */
export function schemeFor(ecosystem: string): VersionScheme | undefined {
  switch (canonicalEcosystem(ecosystem)) {
    case 'npm':
    case 'Go':
    case 'crates.io':
    case 'Pub':
      return 'semver';
    case 'PyPI':
      return 'pep440';
    default:
      return undefined;
  }
}

/** PEP 503: runs of `-`, `_`, `.` become one `-`, lowercased. `MCP_Server.Git` → `mcp-server-git`. */
export function pep503(name: string): string {
  return name
    .trim()
    .replace(/[-_.]+/g, '-')
    .toLowerCase();
}

/** The form two package names are compared in within one ecosystem. */
export function normalizePackageName(ecosystem: string, name: string): string {
  const eco = canonicalEcosystem(ecosystem);
  if (eco === 'PyPI') return pep503(name);
  // New npm names are lowercase; the few old mixed-case ones compare case-insensitively because
  // a server that reveals one rarely keeps the case.
  if (eco === 'npm') return name.trim().toLowerCase();
  return name.trim();
}

function parseSemver(v: string): semver.SemVer | null {
  // Strict parse (a leading `v` or `=` is allowed); no coercion of `1.2` to `1.2.0`.
  return semver.parse(v.trim());
}

/** True when `v` is a well-formed version in the scheme. */
export function isValidVersion(scheme: VersionScheme, v: string): boolean {
  if (scheme === 'semver') return parseSemver(v) !== null;
  return pep440.valid(v.trim()) !== null;
}

/** Negative, zero or positive like a sort comparator; undefined if either side does not parse. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): number | undefined {
  if (scheme === 'semver') {
    const pa = parseSemver(a);
    const pb = parseSemver(b);
    if (!pa || !pb) return undefined;
    return pa.compare(pb);
  }
  const ta = a.trim();
  const tb = b.trim();
  if (pep440.valid(ta) === null || pep440.valid(tb) === null) return undefined;
  return Math.sign(pep440.compare(ta, tb));
}

/**
 * Orders versions of a product whose ecosystem may be unknown (fleet analysis): the ecosystem's
 * scheme if known, else PEP 440 (it accepts most dotted versions), else SemVer.
 */
export function compareAnyVersions(a: string, b: string, ecosystem?: string): number | undefined {
  const scheme = ecosystem ? schemeFor(ecosystem) : undefined;
  if (scheme) return compareVersions(scheme, a, b);
  return compareVersions('pep440', a, b) ?? compareVersions('semver', a, b);
}
