import { join } from 'node:path';
import { z } from 'zod';
import { compileRegex } from '../disclosure/load.js';
import { regexSource, severitySchema } from '../disclosure/schema.js';
import { type Severity, severityRank } from '../report/model.js';
import { dataDir } from '../util/paths.js';
import { parseWith, parseYaml, readTextFile } from '../util/validate.js';
import type { Confidence } from './products.js';

/** Heuristics for vulnerable software with no fixed version: archived servers, forks, local builds. */

const forkRuleSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lowercase id: letters, digits, dots, dashes'),
    title: z.string().min(1),
    severity: severitySchema,
    confidence: z.enum(['low', 'medium', 'high']),
    names: z.array(z.string().min(1)).optional(),
    nameRegex: regexSource.optional(),
    versionRegex: regexSource.optional(),
    rationale: z.string().min(1),
    remediation: z.string().min(1),
  })
  .refine((r) => r.names || r.nameRegex || r.versionRegex, {
    message: 'a fork rule needs names, nameRegex or versionRegex',
  });
export type ForkRule = z.infer<typeof forkRuleSchema>;

export const forksFileSchema = z.strictObject({ forks: z.array(forkRuleSchema) });

export interface CompiledForkRule extends Omit<ForkRule, 'names' | 'nameRegex' | 'versionRegex'> {
  names?: Set<string>;
  nameRegex?: RegExp;
  versionRegex?: RegExp;
}

export const builtinForksPath = join(dataDir, 'forks.yaml');

export function loadForkRules(extra: readonly string[] = [], { builtin = true } = {}): CompiledForkRule[] {
  const files = [...extra, ...(builtin ? [builtinForksPath] : [])];
  const seen = new Set<string>();
  const out: CompiledForkRule[] = [];
  for (const f of files) {
    for (const r of parseWith(forksFileSchema, parseYaml(readTextFile(f), f) ?? {}, f).forks) {
      // User files come first; a user rule with a built-in id replaces it.
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      const { names, nameRegex, versionRegex, ...rest } = r;
      const c: CompiledForkRule = { ...rest };
      if (names) c.names = new Set(names.map((n) => n.toLowerCase()));
      if (nameRegex) c.nameRegex = compileRegex(nameRegex);
      if (versionRegex) c.versionRegex = compileRegex(versionRegex);
      out.push(c);
    }
  }
  return out;
}

let cached: CompiledForkRule[] | undefined;
export function defaultForkRules(): CompiledForkRule[] {
  cached ??= loadForkRules();
  return cached;
}

export interface ForkMatch {
  /** The most severe matching rule. */
  id: string;
  title: string;
  severity: Severity;
  confidence: Confidence;
  rationale: string;
  remediation: string;
  /** Every rule that matched, with what matched: `name "sqlite-manager"`, `version "1.0.0-fork"`. */
  reasons: { rule: string; matched: string }[];
}

/** Which fork rules the revealed name and version trip; undefined when none. */
export function matchFork(
  name: string | undefined,
  version: string | undefined,
  rules: readonly CompiledForkRule[],
): ForkMatch | undefined {
  const hits: { rule: CompiledForkRule; matched: string }[] = [];
  const n = name?.trim();
  for (const rule of rules) {
    if (n && rule.names?.has(n.toLowerCase())) hits.push({ rule, matched: `name "${n}"` });
    else if (n && rule.nameRegex?.test(n)) hits.push({ rule, matched: `name "${n}"` });
    else if (version && rule.versionRegex?.test(version))
      hits.push({ rule, matched: `version "${version}"` });
  }
  if (hits.length === 0) return undefined;
  const conf = { low: 0, medium: 1, high: 2 };
  const top = [...hits].sort(
    (a, b) =>
      severityRank(b.rule.severity) - severityRank(a.rule.severity) ||
      conf[b.rule.confidence] - conf[a.rule.confidence],
  )[0]!.rule;
  return {
    id: top.id,
    title: top.title,
    severity: top.severity,
    confidence: top.confidence,
    rationale: top.rationale,
    remediation: top.remediation,
    reasons: hits.map((h) => ({ rule: h.rule.id, matched: h.matched })),
  };
}
