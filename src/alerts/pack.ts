/**
 * The rule pack as detect and guard run it: the built-in SAFE-T1604 rules (rules/), any user rule
 * files, the configuration's allowlists (as a generated Sigma filter applied to every rule), disabled
 * rules removed, and the placeholders filled from the knowledge base. Everything a worker needs to
 * build the same engine is in `PackSpec` (plain JSON).
 */
import { stringify } from 'yaml';
import { type KnowledgeBase, loadKnowledgeBase } from '../disclosure/load.js';
import {
  buildCollection,
  compileCollection,
  lintCollection,
  loadSigmaFiles,
  mergeCollections,
  parseSigmaDocuments,
  type SigmaCollection,
  type SigmaDocument,
  type SigmaEngine,
  type SigmaWarning,
  subsetCollection,
} from '../sigma/index.js';
import { UserError } from '../util/errors.js';
import { rulesDir } from '../util/paths.js';
import { type AllowList, type DetectConfig, defaultDetectConfig } from './config.js';
import { DERIVED_FIELDS } from './derived.js';
import { packPlaceholders } from './placeholders.js';

export const BUILTIN_RULES_DIR = rulesDir;
export const ALLOWLIST_FILTER_SOURCE = '<configuration allow:>';

/** What to load: serialisable, so worker threads can rebuild the same engine. */
export interface PackSpec {
  /** Extra rule files, directories or globs. */
  rules?: readonly string[];
  /** Load the built-in pack (default true). */
  defaultRules?: boolean;
  /** Validated configuration (defaults when absent). */
  config?: DetectConfig;
  /** Extra knowledge-base signature files or directories. */
  signatures?: readonly string[];
}

export interface RulePack {
  readonly spec: PackSpec;
  readonly config: DetectConfig;
  readonly collection: SigmaCollection;
  readonly engine: SigmaEngine;
  readonly placeholders: Readonly<Record<string, readonly string[]>>;
  readonly kb: KnowledgeBase;
  /** True when some rule's detection reads a derived field (c-net): add them before match(). */
  readonly derivedInDetection: boolean;
}

/** Sigma string for an allowlist User-Agent: wildcards as written, otherwise a substring. */
function uaPattern(v: string): string {
  return /[*?]/.test(v) ? v : `*${v}*`;
}

/** The allowlists as one Sigma filter ANDed to every rule (`not` any allowlisted request). */
export function allowlistFilter(allow: AllowList): SigmaDocument[] {
  const sel: Record<string, Record<string, string[]>> = {};
  if (allow.cidrs.length) sel['allow_cidr'] = { 'c-ip|cidr': allow.cidrs.map(toCidr) };
  if (allow.userAgents.length) sel['allow_ua'] = { 'cs-user-agent': allow.userAgents.map(uaPattern) };
  if (allow.paths.length) sel['allow_path'] = { 'cs-uri-stem': [...allow.paths] };
  const names = Object.keys(sel);
  if (names.length === 0) return [];
  const doc = {
    title: 'Configuration allowlist',
    description: 'Requests from allowlisted addresses, user agents or paths (detect configuration `allow:`).',
    logsource: { category: 'webserver' },
    filter: { rules: 'any', ...sel, condition: `not (${names.join(' or ')})` },
  };
  return parseSigmaDocuments(stringify(doc), ALLOWLIST_FILTER_SOURCE);
}

function toCidr(v: string): string {
  if (v.includes('/')) return v;
  return v.includes(':') ? `${v}/128` : `${v}/32`;
}

function refersTo(d: { id?: string; name?: string; title: string }, ref: string): boolean {
  const r = ref.toLowerCase();
  return d.id?.toLowerCase() === r || d.name?.toLowerCase() === r || d.title.toLowerCase() === r;
}

/** Removes the documents `disable` names (by id, name or title); correlations left without inputs go too. */
export function withoutDisabled(col: SigmaCollection, disable: readonly string[]): SigmaCollection {
  if (disable.length === 0) return col;
  for (const ref of disable) {
    const all = [...col.rules, ...col.correlations, ...col.filters];
    if (!all.some((d) => refersTo(d, ref)))
      throw new UserError(
        `'${ref}' is not the id, name or title of any loaded rule or filter`,
        'rules.disable',
      );
  }
  const off = (d: { id?: string; name?: string; title: string }) => disable.some((r) => refersTo(d, r));
  // subsetCollection also drops correlations whose inputs were disabled: they cannot run.
  return subsetCollection(
    {
      ...col,
      correlations: col.correlations.filter((c) => !off(c)),
      filters: col.filters.filter((f) => !off(f)),
    },
    (r) => !off(r),
  );
}

/** Loads the documents a spec names (built-in pack, user files, allowlist filter, minus disabled ones). */
export function loadPackCollection(spec: PackSpec, config: DetectConfig): SigmaCollection {
  const parts: SigmaCollection[] = [];
  if (spec.defaultRules !== false) parts.push(loadSigmaFiles([BUILTIN_RULES_DIR]));
  if (spec.rules?.length) parts.push(loadSigmaFiles(spec.rules));
  if (parts.length === 0)
    throw new UserError('no rules: give --rules PATH or leave out --no-default-rules', '--rules');
  const allow = allowlistFilter(config.allow);
  if (allow.length) parts.push(buildCollection(allow, [ALLOWLIST_FILTER_SOURCE]));
  return withoutDisabled(mergeCollections(...parts), config.rules.disable);
}

function readsDerived(col: SigmaCollection): boolean {
  const derived = new Set(DERIVED_FIELDS);
  for (const d of [...col.rules, ...col.filters])
    for (const def of d.detection.searches.values()) {
      const stack = [def];
      while (stack.length) {
        const s = stack.pop()!;
        if (s.kind === 'or') stack.push(...s.alts);
        else if (s.items.some((it) => it.field !== null && derived.has(it.field))) return true;
      }
    }
  return false;
}

/** Loads and compiles the pack. Throws a UserError for bad rules, config or placeholders. */
export function loadRulePack(spec: PackSpec = {}, opts: { lenientPlaceholders?: boolean } = {}): RulePack {
  const config = spec.config ?? defaultDetectConfig();
  const kb = loadKnowledgeBase(spec.signatures ?? []);
  const collection = loadPackCollection(spec, config);
  const placeholders = packPlaceholders(kb, config);
  const engine = compileCollection(collection, {
    placeholders,
    ...(opts.lenientPlaceholders ? { lenientPlaceholders: true } : {}),
  });
  return { spec, config, collection, engine, placeholders, kb, derivedInDetection: readsDerived(collection) };
}

/** Compile warnings and lint findings of a pack (placeholders filled, so only real problems remain). */
export function packWarnings(pack: RulePack): SigmaWarning[] {
  return [...pack.engine.warnings, ...lintCollection(pack.collection)];
}
