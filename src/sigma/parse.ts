/**
 * Sigma YAML → typed documents: multi-document files, the `action: global | reset | repeat` rule
 * collections of Sigma 1 (still accepted by pySigma), and the three document kinds of Sigma 2.1.
 */
import type { z } from 'zod';
import { DocContext, isPlainObject } from './context.js';
import { parseCorrelationSection } from './correlation/parse.js';
import { parseDetection } from './detection.js';
import { correlationMetaSchema, filterMetaSchema, ruleMetaSchema } from './schema.js';
import type {
  SigmaCorrelation,
  SigmaDocument,
  SigmaFilter,
  SigmaLevel,
  SigmaRule,
  SigmaSource,
  SigmaStatus,
} from './types.js';
import { parseYamlDocs, type YamlDoc } from './yaml.js';

/** Parses every Sigma document in `text`; `source` names the file in errors. */
export function parseSigmaDocuments(text: string, source: string): SigmaDocument[] {
  const docs = parseYamlDocs(text, source);
  const multi = docs.length > 1;
  const out: SigmaDocument[] = [];
  let global: { value: Record<string, unknown>; doc: YamlDoc } | undefined;
  let prev: { value: Record<string, unknown>; doc: YamlDoc } | undefined;
  for (const doc of docs) {
    const ctx: DocContext = new DocContext(source, doc, multi, global?.doc);
    if (!isPlainObject(doc.value))
      ctx.fail(
        [],
        `must be a map of Sigma keys, got ${Array.isArray(doc.value) ? 'a list' : typeof doc.value}`,
      );
    const value = doc.value;
    const action = value['action'];
    if (action !== undefined) {
      const { action: _drop, ...rest } = value;
      if (action === 'global') {
        global = { value: rest, doc };
        prev = global;
        continue;
      }
      if (action === 'reset') {
        global = undefined;
        continue;
      }
      if (action === 'repeat') {
        if (!prev) ctx.fail(['action'], "'repeat' needs a previous rule in the same file to repeat");
        const merged = deepMerge(prev.value, rest);
        const rctx: DocContext = new DocContext(source, doc, multi, prev.doc);
        prev = { value: merged, doc };
        out.push(parseRule(merged, rctx));
        continue;
      }
      ctx.fail(['action'], `unknown collection action ${JSON.stringify(action)} (global, reset or repeat)`);
    }
    if ('correlation' in value) out.push(parseCorrelation(value, ctx));
    else if ('filter' in value) out.push(parseFilter(value, ctx));
    else {
      const merged = global ? deepMerge(global.value, value) : value;
      prev = { value: merged, doc };
      out.push(parseRule(merged, ctx));
    }
  }
  return out;
}

/** Recursive merge where `over` wins; lists are replaced, not concatenated. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(v) && isPlainObject(b) ? deepMerge(b, v) : v;
  }
  return out;
}

function sourceOf(ctx: DocContext): SigmaSource {
  return { file: ctx.source, document: ctx.doc.index, line: ctx.doc.line };
}

function check<S extends z.ZodType>(schema: S, value: unknown, ctx: DocContext): z.infer<S> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issue = res.error.issues[0]!;
  return ctx.fail(issue.path as (string | number)[], issue.message);
}

function nameAndKind(value: Record<string, unknown>, kind: string, ctx: DocContext): void {
  ctx.setName(kind, value['title'], value['id']);
}

function parseRule(value: Record<string, unknown>, ctx: DocContext): SigmaRule {
  nameAndKind(value, 'rule', ctx);
  if (value['detection'] === undefined && value['logsource'] === undefined) {
    ctx.fail(
      [],
      "is not a Sigma rule, correlation or filter: it has none of 'detection', 'correlation' or 'filter'",
    );
  }
  const meta = check(ruleMetaSchema, value, ctx);
  const detection = parseDetection(meta.detection, ctx, ['detection']);
  return {
    kind: 'rule',
    ...documentMeta(meta),
    falsepositives: meta.falsepositives ?? [],
    logsource: meta.logsource,
    related: meta.related ?? [],
    fields: meta.fields ?? [],
    scope: meta.scope ?? [],
    detection,
    source: sourceOf(ctx),
    raw: value,
  };
}

/** The metadata rules and correlations share (`falsepositives` differs in shape between them). */
function documentMeta(meta: {
  title: string;
  id?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  status?: SigmaStatus | undefined;
  level?: SigmaLevel | undefined;
  author?: string | undefined;
  references?: string[] | undefined;
  tags?: string[] | undefined;
  date?: string | undefined;
  modified?: string | undefined;
  license?: string | undefined;
  taxonomy?: string | undefined;
}) {
  return {
    title: meta.title,
    id: meta.id?.toLowerCase(),
    name: meta.name,
    description: meta.description,
    status: meta.status,
    level: meta.level,
    author: meta.author,
    references: meta.references ?? [],
    tags: meta.tags ?? [],
    date: meta.date,
    modified: meta.modified,
    license: meta.license,
    taxonomy: meta.taxonomy,
  };
}

function parseCorrelation(value: Record<string, unknown>, ctx: DocContext): SigmaCorrelation {
  nameAndKind(value, 'correlation', ctx);
  for (const k of ['detection', 'logsource'] as const) {
    if (k in value)
      ctx.fail([k], `a correlation rule has no '${k}': it refers to other rules in correlation.rules`);
  }
  const meta = check(correlationMetaSchema, value, ctx);
  const c = parseCorrelationSection(value, ctx);
  const fp = meta.falsepositives;
  return {
    kind: 'correlation',
    ...documentMeta(meta),
    falsepositives: fp === undefined ? [] : typeof fp === 'string' ? [fp] : fp,
    ...c,
    source: sourceOf(ctx),
    raw: value,
  };
}

function parseFilter(value: Record<string, unknown>, ctx: DocContext): SigmaFilter {
  nameAndKind(value, 'filter', ctx);
  const meta = check(filterMetaSchema, value, ctx);
  const f = meta.filter;
  let rules: string[] | 'any';
  const r = f['rules'];
  if (r === undefined)
    ctx.fail(['filter'], "'rules' is required: the ids or names of the rules to filter, or 'any'");
  if (r === 'any' || (Array.isArray(r) && r.length === 0)) rules = 'any';
  else if (typeof r === 'string') rules = [r];
  else if (Array.isArray(r) && r.every((x) => typeof x === 'string' && x)) rules = r as string[];
  else ctx.fail(['filter', 'rules'], "must be a list of rule ids or names, or 'any'");
  if (typeof f['condition'] !== 'string')
    ctx.fail(['filter', 'condition'], "is required and must be one condition string (like 'not selection')");
  const detection = parseDetection(f, ctx, ['filter'], new Set(['condition', 'rules']));
  return {
    kind: 'filter',
    title: meta.title,
    id: meta.id?.toLowerCase(),
    name: meta.name,
    description: meta.description,
    logsource: meta.logsource,
    rules,
    detection,
    source: sourceOf(ctx),
    raw: value,
  };
}
