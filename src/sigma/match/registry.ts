/** Field accessors, scan targets and needles shared by every compiled rule of an engine. */
import { Automaton } from './aho-corasick.js';
import type { Getter, Target } from './event-context.js';

export class Registry {
  readonly getters: Getter[] = [];
  readonly fieldNames: string[] = [];
  readonly targets: Target[] = [];
  private readonly fields = new Map<string, number>();
  private readonly targetOf = new Map<number | null, number>();
  private readonly needles: Map<string, number>[] = [];
  /** needle id → its lowercase text */
  readonly needleText: string[] = [];
  /** needle id → target index */
  readonly needleTarget: number[] = [];

  constructor(private readonly fieldMap: Readonly<Record<string, string>> = {}) {}

  /** Index of a rule field (after field mapping) in the per-event caches. */
  field(ruleField: string): number {
    const name = Object.hasOwn(this.fieldMap, ruleField) ? this.fieldMap[ruleField]! : ruleField;
    let i = this.fields.get(name);
    if (i === undefined) {
      i = this.getters.length;
      this.fields.set(name, i);
      this.fieldNames.push(name);
      this.getters.push(getterFor(name));
    }
    return i;
  }

  /** Scan target of a field index, or of the keyword haystack (null). */
  target(fi: number | null): number {
    let t = this.targetOf.get(fi);
    if (t === undefined) {
      t = this.targets.length;
      this.targetOf.set(fi, t);
      this.targets.push({ field: fi });
      this.needles.push(new Map());
    }
    return t;
  }

  /** Id of a lowercase literal searched in target `ti`. */
  needle(ti: number, text: string): number {
    const m = this.needles[ti]!;
    let id = m.get(text);
    if (id === undefined) {
      id = this.needleText.length;
      this.needleText.push(text);
      this.needleTarget.push(ti);
      m.set(text, id);
    }
    return id;
  }

  get needleCount(): number {
    return this.needleText.length;
  }

  /** Builds one automaton per target once all rules are compiled. */
  finalize(): void {
    this.targets.forEach((t, i) => {
      const m = this.needles[i]!;
      if (m.size) t.automaton = new Automaton([...m].map(([text, id]) => ({ text, id })));
    });
  }
}

/**
 * Reads `name` from an event; a dotted name (`userIdentity.arn`) that is not a flat key is looked up
 * through nested objects, as JSON logs (CloudTrail, ECS) nest them.
 */
export function getterFor(name: string): Getter {
  // Names like `constructor` or `toString` must not read Object.prototype; others skip the check.
  const own = (o: object, k: string): unknown =>
    k in Object.prototype && !Object.hasOwn(o, k) ? undefined : (o as Record<string, unknown>)[k];
  if (!name.includes('.')) return name in Object.prototype ? (ev) => own(ev, name) : (ev) => ev[name];
  const path = name.split('.');
  return (ev) => {
    const v = own(ev, name);
    if (v !== undefined) return v;
    let cur: unknown = ev;
    for (const p of path) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = own(cur, p);
    }
    return cur;
  };
}
