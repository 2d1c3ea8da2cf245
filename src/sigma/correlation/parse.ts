/** Parses and checks the `correlation` section of a correlation rule (sigma-correlation-rules-specification.md). */
import { closest, type DocContext, isPlainObject } from '../context.js';
import { CORRELATION_TYPES, type CorrelationType } from '../schema.js';
import type { CorrelationCondition } from '../types.js';

const KEYS = ['type', 'rules', 'group-by', 'timespan', 'condition', 'aliases', 'generate'];
const OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const VALUE_TYPES: ReadonlySet<CorrelationType> = new Set([
  'value_count',
  'value_sum',
  'value_avg',
  'value_percentile',
]);

export interface ParsedCorrelation {
  type: CorrelationType;
  rules: string[];
  groupBy: string[];
  timespan: string;
  timespanMs: number;
  aliases: Map<string, Map<string, string>>;
  condition: CorrelationCondition;
  generate: boolean;
}

export function parseTimespan(text: string): number | undefined {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  return ms > 0 ? ms : undefined;
}

export function parseCorrelationSection(doc: Record<string, unknown>, ctx: DocContext): ParsedCorrelation {
  const c = doc['correlation'] as Record<string, unknown>;
  const p = (...k: (string | number)[]) => ['correlation', ...k];
  for (const k of Object.keys(c)) {
    if (!KEYS.includes(k)) {
      const hint = closest(k, KEYS);
      ctx.fail(
        p(k),
        `unknown correlation key${hint ? ` (did you mean '${hint}'?)` : ''}; allowed: ${KEYS.join(', ')}`,
      );
    }
  }
  const type = c['type'];
  if (type === undefined) ctx.fail(p(), `'type' is required (one of ${CORRELATION_TYPES.join(', ')})`);
  if (typeof type !== 'string' || !(CORRELATION_TYPES as readonly string[]).includes(type)) {
    const hint = typeof type === 'string' ? closest(type, CORRELATION_TYPES) : undefined;
    ctx.fail(
      p('type'),
      `${JSON.stringify(type)} is not a correlation type${hint ? ` (did you mean '${hint}'?)` : ''}; one of ${CORRELATION_TYPES.join(', ')}`,
    );
  }
  const t = type as CorrelationType;

  let rules = c['rules'];
  if (rules === undefined) ctx.fail(p(), "'rules' is required: the ids or names of the rules to correlate");
  if (typeof rules === 'string') rules = [rules];
  if (!Array.isArray(rules) || rules.length === 0)
    ctx.fail(p('rules'), 'must be a non-empty list of rule ids or names');
  const seen = new Set<string>();
  (rules as unknown[]).forEach((r, i) => {
    if (typeof r !== 'string' || r.length < 2)
      ctx.fail(p('rules', i), `must be a rule id or name (2 characters or more), got ${JSON.stringify(r)}`);
    if (seen.has(r)) ctx.fail(p('rules', i), `'${r}' is listed twice`);
    seen.add(r);
  });

  let groupBy = c['group-by'];
  if (groupBy === undefined) {
    ctx.fail(p(), "'group-by' is required (Sigma 2.1); use 'group-by: []' to correlate all events together");
  }
  if (typeof groupBy === 'string') groupBy = [groupBy];
  if (!Array.isArray(groupBy) || groupBy.some((g) => typeof g !== 'string' || g === '')) {
    ctx.fail(p('group-by'), 'must be a list of field names');
  }
  if (new Set(groupBy as string[]).size !== (groupBy as string[]).length)
    ctx.fail(p('group-by'), 'lists a field twice');

  const ts = c['timespan'];
  if (ts === undefined) {
    const hint =
      doc['timespan'] !== undefined
        ? ': it is at the top level of the document, move it under correlation'
        : '';
    ctx.fail(p(), `'timespan' is required (like 5m, 1h)${hint}`);
  }
  const timespanMs = typeof ts === 'string' ? parseTimespan(ts) : undefined;
  if (timespanMs === undefined) {
    ctx.fail(
      p('timespan'),
      `${JSON.stringify(ts)} is not a timespan: a positive number and one unit of s, m, h or d (90m, not 1h30m)`,
    );
  }

  const aliases = new Map<string, Map<string, string>>();
  const al = c['aliases'];
  if (al !== undefined) {
    if (!isPlainObject(al)) ctx.fail(p('aliases'), 'must map each alias to {rule name: field}');
    for (const [alias, mapping] of Object.entries(al)) {
      if (!isPlainObject(mapping)) ctx.fail(p('aliases', alias), 'must map rule names to field names');
      const m = new Map<string, string>();
      for (const [rule, field] of Object.entries(mapping)) {
        if (typeof field !== 'string' || !field) ctx.fail(p('aliases', alias, rule), 'must be a field name');
        if (!seen.has(rule))
          ctx.fail(
            p('aliases', alias, rule),
            `'${rule}' is not one of this correlation's rules (${[...seen].join(', ')})`,
          );
        m.set(rule, field);
      }
      aliases.set(alias, m);
    }
  }

  const gen = c['generate'];
  if (gen !== undefined && typeof gen !== 'boolean') ctx.fail(p('generate'), 'must be true or false');

  const condition = parseCondition(c['condition'], t, (rules as string[]).length, ctx);
  return {
    type: t,
    rules: rules as string[],
    groupBy: groupBy as string[],
    timespan: ts as string,
    timespanMs: timespanMs!,
    aliases,
    condition,
    generate: gen === true,
  };
}

function parseCondition(
  raw: unknown,
  type: CorrelationType,
  ruleCount: number,
  ctx: DocContext,
): CorrelationCondition {
  const path = ['correlation', 'condition'];
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  if (raw === undefined) {
    if (temporal) return { gte: ruleCount };
    ctx.fail(['correlation'], `'condition' is required for ${type} (like {gte: 10})`);
  }
  if (typeof raw === 'string')
    ctx.fail(path, 'string conditions are a pySigma extension, not Sigma 2.1: use a map like {gte: 2}');
  if (!isPlainObject(raw)) ctx.fail(path, 'must be a map like {gte: 10}');
  const out: { -readonly [K in keyof CorrelationCondition]: CorrelationCondition[K] } = {};
  let ops = 0;
  for (const [k, v] of Object.entries(raw)) {
    if ((OPS as readonly string[]).includes(k)) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        ctx.fail([...path, k], `must be a number, got ${JSON.stringify(v)}`);
      out[k as (typeof OPS)[number]] = v;
      ops++;
    } else if (k === 'field') {
      const fields = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(fields) || fields.length === 0 || fields.some((f) => typeof f !== 'string' || !f)) {
        ctx.fail([...path, k], 'must be a field name or a list of field names');
      }
      out.field = fields as string[];
    } else if (k === 'percentile') {
      if (typeof v !== 'number' || v < 0 || v > 100) ctx.fail([...path, k], 'must be a number from 0 to 100');
      out.percentile = v;
    } else {
      const hint = closest(k, [...OPS, 'field']);
      ctx.fail(
        [...path, k],
        `unknown condition key${hint ? ` (did you mean '${hint}'?)` : ''}; use ${OPS.join(', ')} and, for value_* types, field`,
      );
    }
  }
  if (ops === 0) ctx.fail(path, `needs at least one of ${OPS.join(', ')}`);
  if (VALUE_TYPES.has(type) && !out.field)
    ctx.fail(
      path,
      `${type} needs 'field': the field whose values are ${type === 'value_count' ? 'counted' : 'aggregated'}`,
    );
  if (!VALUE_TYPES.has(type) && out.field)
    ctx.fail([...path, 'field'], `'field' is only used by value_* correlations, not ${type}`);
  if (out.percentile !== undefined && type !== 'value_percentile')
    ctx.fail([...path, 'percentile'], 'is only used by value_percentile');
  if (type !== 'value_count' && out.field && out.field.length > 1)
    ctx.fail([...path, 'field'], `${type} aggregates one numeric field`);
  return out;
}
