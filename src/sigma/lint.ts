/**
 * Checks for rules that load but probably do not do what their author meant. Warnings, not errors:
 * each of these is valid Sigma.
 */
import { referencedNames } from './condition.js';
import type { DetectionItem, SearchDef, SigmaCollection, SigmaDocument, SigmaWarning } from './types.js';

/** Field names that look like an attempt to express counting or time windows inside a detection. */
const FREQUENCY_FIELD =
  /^(event_?count|count|hits|time_?window|time_?frame|window|frequency|threshold|rate|interval|within)$/i;
const DURATION = /^\d+\s*(ms|s|sec|m|min|h|d)$/i;

export function lintCollection(c: SigmaCollection): SigmaWarning[] {
  return [...c.rules, ...c.correlations, ...c.filters].flatMap(lintDocument);
}

export function lintDocument(d: SigmaDocument): SigmaWarning[] {
  const out: SigmaWarning[] = [];
  const where = `${d.source.file}:${d.source.line}`;
  const label = `${d.kind} '${d.title}'`;
  const warn = (code: string, message: string) => out.push({ code, where, message: `${label}: ${message}` });

  if (d.kind !== 'filter') {
    if (d.status === 'deprecated')
      warn('status-deprecated', 'status is deprecated: a newer rule replaces it (see related)');
    if (d.status === 'unsupported')
      warn('status-unsupported', 'status is unsupported: the rule is not meant to run as is');
  }
  if (d.kind === 'correlation') return out;

  const det = d.detection;
  const used = referencedNames(det.condition);
  for (const name of det.searches.keys()) {
    if (!used.has(name)) warn('unused-search', `search identifier '${name}' is never used by the condition`);
  }
  for (const [name, def] of det.searches) {
    const items = flatten(def);
    const freq = items.filter(
      (it) =>
        it.field !== null &&
        (FREQUENCY_FIELD.test(it.field) ||
          it.values.some(
            (v) =>
              v.kind === 'str' &&
              v.str.parts.length === 1 &&
              typeof v.str.parts[0] === 'string' &&
              DURATION.test(v.str.parts[0]),
          )),
    );
    if (freq.length) {
      const fields = freq.map((it) => `'${[it.field, ...it.modifiers].join('|')}'`).join(' and ');
      warn(
        'frequency-in-detection',
        `detection.${name}: ${fields} look like an attempted frequency condition, but a Sigma detection matches one event at a time and treats them as event fields (which log events do not have). Count events with a correlation rule instead (type: event_count, timespan: 60s, condition: {gte: 3}) referring to this rule.`,
      );
    }
  }
  if (d.kind === 'filter' && !/\bnot\b/.test(det.conditionText.join(' '))) {
    warn(
      'filter-not-negated',
      `condition '${det.conditionText.join(' ')}' has no 'not': a filter's condition is ANDed to each rule's condition (as pySigma does), so this keeps only matching events; write 'not ${det.conditionText[0]}' to exclude them`,
    );
  }
  return out;
}

function flatten(def: SearchDef): DetectionItem[] {
  return def.kind === 'or' ? def.alts.flatMap(flatten) : [...def.items];
}
