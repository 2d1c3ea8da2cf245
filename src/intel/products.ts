import { join } from 'node:path';
import { z } from 'zod';
import { compileRegex } from '../disclosure/load.js';
import { regexSource } from '../disclosure/schema.js';
import { dataDir } from '../util/paths.js';
import { parseWith, parseYaml, readTextFile } from '../util/validate.js';
import { canonicalEcosystem } from './versions.js';

/**
 * The product map: what a server reveals (a serverInfo name, a header product, a version-endpoint
 * name, a UI marker, a stack-trace path, a behaviour fingerprint) → which package that is, and how
 * the version it reveals relates to that package's version.
 */

/** Where a claim was seen. `error` covers stack traces and error pages. */
export const CLAIM_SOURCES = ['serverinfo', 'header', 'endpoint', 'error', 'ui', 'behaviour'] as const;
export type ClaimSource = (typeof CLAIM_SOURCES)[number];

/**
 * exact    - the revealed version IS the package's version
 * library  - the revealed version is that of a library the server is built on (`library`)
 * inferred - the version is probably the package's, but that is a guess
 * none     - the name identifies the package; the version it shows is not the package's
 */
export const RELATIONS = ['exact', 'library', 'inferred', 'none'] as const;
export type Relation = (typeof RELATIONS)[number];
export type Confidence = 'low' | 'medium' | 'high';

const packageRefSchema = z.strictObject({
  ecosystem: z.string().min(1),
  /** `{product}` stands for the claimed product name (for entries that match package paths). */
  name: z.string().min(1),
});
export type PackageRef = z.infer<typeof packageRefSchema>;

const conditionSchema = z
  .strictObject({
    source: z.enum(CLAIM_SOURCES),
    /** Exact name, compared case-insensitively. */
    name: z.string().min(1).optional(),
    regex: regexSource.optional(),
    /** The revealed version must match this regex. */
    version: regexSource.optional(),
    /** At least one of these behaviour fingerprints must have been seen on the target. */
    fingerprints: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((c) => c.name !== undefined || c.regex !== undefined || c.fingerprints !== undefined, {
    message: 'a condition needs name, regex or fingerprints',
  });

const productEntrySchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lowercase id: letters, digits, dots, dashes'),
    title: z.string().min(1),
    package: packageRefSchema,
    relation: z.enum(RELATIONS),
    /** For `library`: whose version the revealed version is. */
    library: packageRefSchema.optional(),
    confidence: z.enum(['low', 'medium', 'high']).optional(),
    /** Behaviour fingerprints that corroborate the match (raise confidence one step). */
    corroboratedBy: z.array(z.string().min(1)).optional(),
    match: z.array(conditionSchema).min(1),
    /** Why the relation holds; shown in the advisory basis. */
    note: z.string().optional(),
  })
  .refine((e) => (e.relation === 'library') === (e.library !== undefined), {
    message: 'library is required with relation: library, and only then',
    path: ['library'],
  });
export type ProductEntry = z.infer<typeof productEntrySchema>;

export const productMapFileSchema = z.strictObject({ products: z.array(productEntrySchema) });

interface CompiledCondition {
  source: ClaimSource;
  name?: string;
  regex?: RegExp;
  version?: RegExp;
  fingerprints?: string[];
}
export interface CompiledProduct extends Omit<ProductEntry, 'match'> {
  match: CompiledCondition[];
}
export interface ProductMap {
  entries: CompiledProduct[];
  sources: string[];
}

export const builtinProductMapPath = join(dataDir, 'products.yaml');

function compileEntry(e: ProductEntry): CompiledProduct {
  return {
    ...e,
    match: e.match.map((c) => {
      const out: CompiledCondition = { source: c.source };
      if (c.name) out.name = c.name.toLowerCase();
      if (c.regex) out.regex = compileRegex(c.regex);
      if (c.version) out.version = compileRegex(c.version);
      if (c.fingerprints) out.fingerprints = c.fingerprints;
      return out;
    }),
  };
}

/** Parses product map YAML text (validated); `where` names the file in errors. */
export function parseProductMap(text: string, where: string): ProductEntry[] {
  return parseWith(productMapFileSchema, parseYaml(text, where) ?? {}, where).products;
}

/**
 * Loads the built-in map plus user files. User entries are tried first, and a user entry with a
 * built-in's id replaces it.
 */
export function loadProductMap(extra: readonly string[] = [], { builtin = true } = {}): ProductMap {
  const user = extra.flatMap((f) => parseProductMap(readTextFile(f), f));
  const base = builtin ? parseProductMap(readTextFile(builtinProductMapPath), builtinProductMapPath) : [];
  const userIds = new Set(user.map((e) => e.id));
  const entries = [...user, ...base.filter((e) => !userIds.has(e.id))].map(compileEntry);
  return { entries, sources: [...extra, ...(builtin ? [builtinProductMapPath] : [])] };
}

let cached: ProductMap | undefined;
export function defaultProductMap(): ProductMap {
  cached ??= loadProductMap();
  return cached;
}

export interface ProductClaim {
  /** The revealed name: serverInfo.name, a header's product token, a package from a stack trace... */
  product: string;
  version?: string;
  source: ClaimSource;
  /** Behaviour fingerprint ids seen on the same target. */
  fingerprintIds?: readonly string[];
}

/** pnpm store paths spell a scoped name `@scope+name`; `node_modules/@scope/name` is the usual form. */
export function normalizeClaimedName(claim: ProductClaim): string {
  const p = claim.product.trim();
  if (claim.source === 'error') return p.replace(/^(@[^/+]+)\+/, '$1/');
  return p;
}

function conditionHolds(c: CompiledCondition, claim: ProductClaim, name: string): boolean {
  if (c.source !== claim.source) return false;
  if (c.name !== undefined && name.toLowerCase() !== c.name) return false;
  if (c.regex && !c.regex.test(name)) return false;
  if (c.version && !(claim.version !== undefined && c.version.test(claim.version))) return false;
  if (c.fingerprints && !c.fingerprints.some((f) => claim.fingerprintIds?.includes(f))) return false;
  return true;
}

export interface ProductHit {
  entry: CompiledProduct;
  /** The package with `{product}` filled in. */
  package: PackageRef;
  library?: PackageRef;
  confidence: Confidence;
  corroborated: boolean;
}

const DEFAULT_CONFIDENCE: Record<Relation, Confidence> = {
  exact: 'high',
  library: 'medium',
  inferred: 'low',
  none: 'medium',
};
const LEVELS: Confidence[] = ['low', 'medium', 'high'];

function resolveRef(ref: PackageRef, name: string): PackageRef {
  return { ecosystem: canonicalEcosystem(ref.ecosystem), name: ref.name.replaceAll('{product}', name) };
}

/** The first product map entry whose conditions match the claim (any one condition suffices). */
export function lookupProduct(claim: ProductClaim, map: ProductMap): ProductHit | undefined {
  const name = normalizeClaimedName(claim);
  for (const entry of map.entries) {
    if (!entry.match.some((c) => conditionHolds(c, claim, name))) continue;
    const corroborated = (entry.corroboratedBy ?? []).some((f) => claim.fingerprintIds?.includes(f));
    let confidence = entry.confidence ?? DEFAULT_CONFIDENCE[entry.relation];
    if (corroborated) confidence = LEVELS[Math.min(2, LEVELS.indexOf(confidence) + 1)]!;
    const hit: ProductHit = { entry, package: resolveRef(entry.package, name), confidence, corroborated };
    if (entry.library) hit.library = resolveRef(entry.library, name);
    return hit;
  }
  return undefined;
}
