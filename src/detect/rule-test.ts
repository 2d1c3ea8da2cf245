/**
 * `mcpward rules test`: which lines of a log a rule matches, and why. A single-event rule is
 * explained per search identifier (each compiled on its own, so every line says which selections held
 * and which field values they looked at) and per filter (a line the rule matches but a filter removes
 * is shown as excluded). A correlation is run with the whole pack and its alerts are shown.
 */
import type { RulePack } from '../alerts/pack.js';
import {
  buildCollection,
  type CompiledCorrelation,
  type CompiledRule,
  compileCollection,
  type SearchDef,
  type SigmaEngine,
  type SigmaEvent,
  type SigmaRule,
} from '../sigma/index.js';
import { UserError } from '../util/errors.js';

export type RuleTarget =
  | { kind: 'rule'; rule: CompiledRule }
  | { kind: 'correlation'; corr: CompiledCorrelation };

/** A rule or correlation of the pack by id, id prefix (8+ characters), name or title (case-insensitive). */
export function findTarget(engine: SigmaEngine, ref: string, fromFile?: string): RuleTarget {
  const r = ref.trim().toLowerCase();
  const all: RuleTarget[] = [
    ...engine.rules.map((rule) => ({ kind: 'rule' as const, rule })),
    ...engine.correlations.map((corr) => ({ kind: 'correlation' as const, corr })),
  ];
  const meta = (t: RuleTarget) => (t.kind === 'rule' ? t.rule : t.corr);
  if (fromFile !== undefined) {
    const inFile = all.filter((t) => meta(t).source.file === fromFile);
    // The outermost (alerting) document of the file: what the file is about.
    const pick = inFile.find((t) => meta(t).standalone) ?? inFile[0];
    if (!pick) throw new UserError('no rule or correlation in this file', fromFile);
    return pick;
  }
  const exact = all.filter((t) => {
    const m = meta(t);
    return m.id?.toLowerCase() === r || m.name?.toLowerCase() === r || m.title.toLowerCase() === r;
  });
  if (exact.length === 1) return exact[0]!;
  const loose =
    r.length >= 8
      ? all.filter((t) => meta(t).id?.toLowerCase().startsWith(r) || meta(t).title.toLowerCase().includes(r))
      : all.filter((t) => meta(t).title.toLowerCase().includes(r));
  if (loose.length === 1) return loose[0]!;
  if (loose.length > 1)
    throw new UserError(
      `'${ref}' fits ${loose.length} rules (${loose
        .slice(0, 4)
        .map((t) => meta(t).title)
        .join('; ')}${loose.length > 4 ? ' ...' : ''}): give its id`,
      'rules test',
    );
  throw new UserError(
    `no rule or correlation with id, name or title '${ref}' (see mcpward rules list)`,
    'rules test',
  );
}

export interface LineVerdict {
  /** The rule (with its filters) matches. */
  matched: boolean;
  /** The rule's detection matches but these filters remove the event. */
  excludedBy: string[];
  /** Search identifiers that hold for the event. */
  held: string[];
  /** Values of the fields the rule looks at (those the event has). */
  fields: Record<string, string>;
}

function fieldsOf(def: SearchDef, out: Set<string>): void {
  if (def.kind === 'or') for (const a of def.alts) fieldsOf(a, out);
  else for (const it of def.items) if (it.field !== null) out.add(it.field);
}

/** Explains one single-event rule of the pack, line by line. */
export class RuleExplainer {
  private readonly probe: SigmaEngine;
  private readonly names: string[];
  private readonly fieldNames: string[];
  private readonly whole: number;

  constructor(
    private readonly pack: RulePack,
    private readonly rule: CompiledRule,
  ) {
    const src: SigmaRule = rule.rule;
    this.names = [...src.detection.searches.keys()];
    const docs: SigmaRule[] = this.names.map((name) => ({
      ...src,
      id: undefined,
      name: undefined,
      title: `${src.title} / ${name}`,
      detection: { ...src.detection, condition: { t: 'id', name }, conditionText: [name] },
    }));
    // The detection alone (no filters): tells "excluded by a filter" from "not matched".
    docs.push({ ...src, id: undefined, name: undefined, title: `${src.title} / condition` });
    this.whole = docs.length - 1;
    this.probe = compileCollection(buildCollection(docs), { placeholders: pack.placeholders });
    const f = new Set<string>();
    for (const def of src.detection.searches.values()) fieldsOf(def, f);
    this.fieldNames = [...f];
  }

  explain(ev: SigmaEvent): LineVerdict {
    const matched = this.pack.engine.match(ev).some((r) => r.index === this.rule.index);
    const hits = new Set(this.probe.match(ev).map((r) => r.index));
    const held = this.names.filter((_, i) => hits.has(i));
    const excludedBy = !matched && hits.has(this.whole) ? [...this.rule.filters] : [];
    const fields: Record<string, string> = {};
    for (const name of this.fieldNames) {
      const v = ev[name];
      if (v !== undefined && v !== null && v !== '') fields[name] = String(v);
    }
    return { matched, excludedBy, held, fields };
  }
}
