/** Parses a `detection` (or a filter's `filter`) section into search definitions and a condition tree. */
import { ConditionError, type ConditionNode, parseCondition } from './condition.js';
import { type DocContext, isPlainObject } from './context.js';
import { buildValues, type Fail, parseKey } from './modifiers.js';
import type { Detection, DetectionItem, SearchDef } from './types.js';

type Path = readonly (string | number)[];

export function parseDetection(
  section: Record<string, unknown>,
  ctx: DocContext,
  base: Path,
  reserved: ReadonlySet<string> = new Set(['condition']),
): Detection {
  const fail: Fail = ctx.fail.bind(ctx);
  const searches = new Map<string, SearchDef>();
  for (const [name, def] of Object.entries(section)) {
    if (reserved.has(name)) continue;
    if (name === 'timeframe') {
      fail(
        [...base, name],
        "'timeframe' belongs to Sigma 1 aggregations; write a correlation rule with a timespan instead",
      );
    }
    searches.set(name, parseSearch(def, [...base, name], fail));
  }
  const cond = section['condition'];
  if (cond === undefined) fail(base, "'condition' is required");
  const texts = Array.isArray(cond) ? cond : [cond];
  if (texts.length === 0) fail([...base, 'condition'], 'must not be an empty list');
  const names = [...searches.keys()];
  const nodes: ConditionNode[] = texts.map((t, i) => {
    const p = Array.isArray(cond) ? [...base, 'condition', i] : [...base, 'condition'];
    if (typeof t !== 'string') fail(p, `must be a string, got ${JSON.stringify(t)}`);
    try {
      return parseCondition(t, names);
    } catch (e) {
      if (e instanceof ConditionError) fail(p, e.message);
      throw e;
    }
  });
  const condition: ConditionNode = nodes.length === 1 ? nodes[0]! : { t: 'or', args: nodes };
  return { searches, condition, conditionText: texts as string[] };
}

function parseSearch(def: unknown, path: Path, fail: Fail): SearchDef {
  if (isPlainObject(def)) return parseMap(def, path, fail);
  if (Array.isArray(def)) {
    if (def.length === 0) fail(path, 'is an empty list');
    const keywords: unknown[] = [];
    const alts: SearchDef[] = [];
    def.forEach((el, i) => {
      if (isPlainObject(el)) alts.push(parseMap(el, [...path, i], fail));
      else if (typeof el === 'string' || typeof el === 'number') keywords.push(el);
      else
        fail(
          [...path, i],
          `list items must be keywords (strings) or maps of fields, got ${JSON.stringify(el)}`,
        );
    });
    if (keywords.length) {
      const item = parseItem('', keywords, path, fail);
      if (!alts.length) return { kind: 'and', items: [item] };
      alts.unshift({ kind: 'and', items: [item] });
    }
    return alts.length === 1 ? alts[0]! : { kind: 'or', alts };
  }
  if (typeof def === 'string' || typeof def === 'number')
    return { kind: 'and', items: [parseItem('', [def], path, fail)] };
  return fail(
    path,
    `must be a map of fields, a list of maps or a list of keywords, got ${JSON.stringify(def)}`,
  );
}

function parseMap(map: Record<string, unknown>, path: Path, fail: Fail): SearchDef {
  const entries = Object.entries(map);
  if (entries.length === 0) fail(path, 'is an empty map');
  return { kind: 'and', items: entries.map(([k, v]) => parseItem(k, v, [...path, k], fail)) };
}

function parseItem(key: string, value: unknown, path: Path, fail: Fail): DetectionItem {
  const parsed = parseKey(key, path, fail);
  const { values, all, negate } = buildValues(key || 'keywords', parsed, value, path, fail);
  return { field: parsed.field, modifiers: parsed.modifiers, values, all, negate, path };
}
