import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { dataDir } from '../util/paths.js';
import { parseWith, parseYaml, readTextFile } from '../util/validate.js';
import {
  type EndpointSignature,
  type FindingSignature,
  type FingerprintCondition,
  type FingerprintSignature,
  type HeaderSignature,
  type PatternSignature,
  type RevisionListSignature,
  type SignatureFile,
  signatureFileSchema,
  stripInlineFlags,
  type UiSignature,
} from './schema.js';

export interface CompiledHeader extends HeaderSignature {
  re?: RegExp;
}
export interface CompiledPattern extends PatternSignature {
  re: RegExp;
}
export interface CompiledCondition {
  probe: string;
  status?: number[];
  body?: RegExp;
  endpoint?: RegExp;
  header?: [string, RegExp][];
}
export interface CompiledUi extends Omit<UiSignature, 'page' | 'asset'> {
  page: RegExp;
  asset: RegExp[];
}

export interface CompiledFingerprint extends Omit<FingerprintSignature, 'when'> {
  when: CompiledCondition[];
}

/** The catalogue of what reveals a version. scan, guard and detect all read this one object. */
export interface KnowledgeBase {
  endpoints: EndpointSignature[];
  versionKeys: Set<string>;
  nameKeys: Set<string>;
  imageKeys: Set<string>;
  textPatterns: { id: string; re: RegExp }[];
  headers: CompiledHeader[];
  allowlist: Set<string>;
  patterns: CompiledPattern[];
  fingerprints: CompiledFingerprint[];
  uis: CompiledUi[];
  revisionLists: RevisionListSignature[];
  /** Scan-level findings (serverInfo, version endpoints...) by id. */
  findings: Map<string, FindingSignature>;
  /** Remediation text by vector, for findings whose id comes from another catalogue. */
  remediation: Record<'header' | 'infrastructure' | 'error' | 'behaviour', string>;
  mcp: {
    paths: string[];
    ssePaths: string[];
    ports: number[];
    genericNames: Set<string>;
    genericVersions: Set<string>;
    serverInfoFields: { replace: string[]; remove: string[] };
    resultFields: string[];
    metaServerInfoKey: string;
  };
  /** Files the catalogue was built from, in load order. */
  sources: string[];
}

export const builtinSignatureDir = join(dataDir, 'signatures');

export function compileRegex(src: string, extraFlags = ''): RegExp {
  const { source, flags } = stripInlineFlags(src);
  return new RegExp(source, [...new Set(flags + extraFlags + 'u')].join(''));
}

/** Lists the .yaml/.yml files of a directory (sorted), or the file itself. */
function signatureFiles(path: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new UserError('no such file or directory', path);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => join(path, f));
}

/** Same id: the later entry replaces the earlier one, so a user file can override a built-in. */
function mergeById<T extends { id: string }>(into: T[], add: T[] | undefined): void {
  for (const item of add ?? []) {
    const i = into.findIndex((x) => x.id === item.id);
    if (i >= 0) into[i] = item;
    else into.push(item);
  }
}

function mergeUnique<T>(into: T[], add: T[] | undefined): void {
  for (const item of add ?? []) if (!into.includes(item)) into.push(item);
}

function compileCondition(c: FingerprintCondition): CompiledCondition {
  const out: CompiledCondition = { probe: c.probe };
  if (c.status !== undefined) out.status = Array.isArray(c.status) ? c.status : [c.status];
  if (c.body) out.body = compileRegex(c.body, 'm');
  if (c.endpoint) out.endpoint = compileRegex(c.endpoint);
  if (c.header) out.header = Object.entries(c.header).map(([k, v]) => [k, compileRegex(v, 'i')]);
  return out;
}

/**
 * Loads the built-in catalogue plus any user files or directories (later files win on equal ids
 * and on scalar settings; lists are merged).
 */
export function loadKnowledgeBase(extra: readonly string[] = [], { builtin = true } = {}): KnowledgeBase {
  const files = [...(builtin ? signatureFiles(builtinSignatureDir) : []), ...extra.flatMap(signatureFiles)];
  const merged: Required<Omit<SignatureFile, 'metaServerInfoKey' | 'remediation'>> & {
    metaServerInfoKey?: string;
    remediation: Partial<KnowledgeBase['remediation']>;
  } = {
    endpoints: [],
    versionKeys: [],
    nameKeys: [],
    imageKeys: [],
    textPatterns: [],
    headers: [],
    allowlist: [],
    patterns: [],
    fingerprints: [],
    paths: [],
    ssePaths: [],
    ports: [],
    genericNames: [],
    genericVersions: [],
    serverInfoFields: { replace: [], remove: [] },
    resultFields: [],
    findings: [],
    remediation: {},
    uis: [],
    revisionLists: [],
  };
  for (const file of files) {
    const raw = parseYaml(readTextFile(file), file) ?? {};
    const f = parseWith(signatureFileSchema, raw, file);
    for (const ep of f.endpoints ?? []) {
      const i = merged.endpoints.findIndex((e) => e.path === ep.path);
      if (i >= 0) merged.endpoints[i] = ep;
      else merged.endpoints.push(ep);
    }
    mergeById(merged.textPatterns, f.textPatterns);
    mergeById(merged.headers, f.headers);
    mergeById(merged.patterns, f.patterns);
    mergeById(merged.fingerprints, f.fingerprints);
    for (const k of [
      'versionKeys',
      'nameKeys',
      'allowlist',
      'paths',
      'ssePaths',
      'genericNames',
      'genericVersions',
      'resultFields',
    ] as const) {
      mergeUnique<string>(merged[k], f[k]);
    }
    mergeUnique(merged.ports, f.ports);
    if (f.serverInfoFields) {
      mergeUnique(merged.serverInfoFields.replace, f.serverInfoFields.replace);
      mergeUnique(merged.serverInfoFields.remove, f.serverInfoFields.remove);
    }
    if (f.metaServerInfoKey) merged.metaServerInfoKey = f.metaServerInfoKey;
    mergeById(merged.findings, f.findings);
    mergeById(merged.uis, f.uis);
    mergeById(merged.revisionLists, f.revisionLists);
    Object.assign(merged.remediation, f.remediation);
  }
  return {
    endpoints: merged.endpoints,
    versionKeys: new Set(merged.versionKeys.map((k) => k.toLowerCase())),
    nameKeys: new Set(merged.nameKeys.map((k) => k.toLowerCase())),
    imageKeys: new Set(merged.imageKeys.map((k) => k.toLowerCase())),
    textPatterns: merged.textPatterns.map((t) => ({ id: t.id, re: compileRegex(t.regex, 'g') })),
    headers: merged.headers.map((h) => (h.extract ? { ...h, re: compileRegex(h.extract, 'g') } : { ...h })),
    allowlist: new Set(merged.allowlist),
    patterns: merged.patterns.map((p) => ({ ...p, re: compileRegex(p.regex, 'g') })),
    fingerprints: merged.fingerprints.map((fp) => ({ ...fp, when: fp.when.map(compileCondition) })),
    findings: new Map(merged.findings.map((f) => [f.id, f])),
    uis: merged.uis.map((u) => ({
      ...u,
      page: compileRegex(u.page, 'i'),
      asset: u.asset.map((a) => compileRegex(a)),
    })),
    revisionLists: merged.revisionLists,
    remediation: {
      header: merged.remediation.header ?? '',
      infrastructure: merged.remediation.infrastructure ?? '',
      error: merged.remediation.error ?? '',
      behaviour: merged.remediation.behaviour ?? '',
    },
    mcp: {
      paths: merged.paths,
      ssePaths: merged.ssePaths,
      ports: merged.ports,
      genericNames: new Set(merged.genericNames.map((n) => n.toLowerCase())),
      genericVersions: new Set(merged.genericVersions.map((n) => n.toLowerCase())),
      serverInfoFields: merged.serverInfoFields,
      resultFields: merged.resultFields,
      metaServerInfoKey: merged.metaServerInfoKey ?? 'io.modelcontextprotocol/serverInfo',
    },
    sources: files,
  };
}

let cached: KnowledgeBase | undefined;
/** The built-in catalogue, loaded once. */
export function defaultKnowledgeBase(): KnowledgeBase {
  cached ??= loadKnowledgeBase();
  return cached;
}
