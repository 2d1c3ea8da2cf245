import type { ConditionNode } from './condition.js';
import type { CorrelationType, SigmaLevel, SigmaLogsource, SigmaStatus } from './schema.js';
import type { SigmaStr } from './sigma-string.js';

/** One log event, with field names as in the Sigma taxonomy (`c-ip`, `cs-uri-query`...); `_raw` is the original line. */
export type SigmaEvent = Readonly<Record<string, unknown>>;

export type { CorrelationType, SigmaLevel, SigmaLogsource, SigmaStatus };

/** Where a document came from: used in every error and alert. */
export interface SigmaSource {
  readonly file: string;
  /** 1-based document index in the file. */
  readonly document: number;
  /** 1-based line where the document starts. */
  readonly line: number;
}

export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte';
export type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** A rule value after its modifiers were applied: what the matcher compares against. */
export type ValueSpec =
  | { readonly kind: 'str'; readonly str: SigmaStr; readonly cased: boolean }
  | { readonly kind: 'num'; readonly n: number }
  | { readonly kind: 'bool'; readonly b: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 're'; readonly source: string; readonly flags: string }
  | { readonly kind: 'cidr'; readonly cidr: string }
  | { readonly kind: 'cmp'; readonly op: CompareOp; readonly n: number }
  | { readonly kind: 'exists'; readonly b: boolean }
  | {
      readonly kind: 'fieldref';
      readonly field: string;
      readonly start: boolean;
      readonly end: boolean;
      readonly cased: boolean;
    }
  | { readonly kind: 'time'; readonly part: TimePart; readonly n: number };

/** `field|mod1|mod2: values` (field is null for keywords). */
export interface DetectionItem {
  readonly field: string | null;
  readonly modifiers: readonly string[];
  readonly values: readonly ValueSpec[];
  /** `all` modifier: values are AND-linked instead of OR-linked. */
  readonly all: boolean;
  /** `neq` modifier: the item matches when its values do not. */
  readonly negate: boolean;
  /** Key path inside the document, for messages. */
  readonly path: readonly (string | number)[];
}

/** A search identifier's definition: a map (AND of items) or a list (OR of alternatives). */
export type SearchDef =
  | { readonly kind: 'and'; readonly items: readonly DetectionItem[] }
  | { readonly kind: 'or'; readonly alts: readonly SearchDef[] };

export interface Detection {
  readonly searches: ReadonlyMap<string, SearchDef>;
  readonly condition: ConditionNode;
  /** The condition text(s) as written. */
  readonly conditionText: readonly string[];
}

/** What alerts show of a rule or correlation, parsed or compiled. */
export interface AlertMeta {
  readonly index?: number;
  readonly id?: string;
  readonly name?: string;
  readonly title: string;
  readonly description?: string;
  readonly level?: SigmaLevel;
  readonly status?: SigmaStatus;
  readonly author?: string;
  readonly tags: readonly string[];
  readonly references: readonly string[];
  readonly falsepositives: readonly string[];
  readonly source: SigmaSource;
}

interface Meta {
  readonly title: string;
  readonly id?: string;
  readonly name?: string;
  readonly description?: string;
  readonly status?: SigmaStatus;
  readonly level?: SigmaLevel;
  readonly author?: string;
  readonly references: readonly string[];
  readonly tags: readonly string[];
  readonly falsepositives: readonly string[];
  readonly date?: string;
  readonly modified?: string;
  readonly license?: string;
  readonly taxonomy?: string;
  readonly source: SigmaSource;
  /** The document as parsed from YAML (after collection actions), for ruleToJSON and custom fields. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface SigmaRule extends Meta {
  readonly kind: 'rule';
  readonly logsource: SigmaLogsource;
  readonly related: readonly { readonly id: string; readonly type: string }[];
  readonly fields: readonly string[];
  readonly scope: readonly string[];
  readonly detection: Detection;
}

export interface CorrelationCondition {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly eq?: number;
  readonly neq?: number;
  /** value_* correlations: the field(s) whose values are counted, summed, averaged... */
  readonly field?: readonly string[];
  /** value_percentile: which percentile (pySigma's `percentile` key; Sigma 2.1 leaves it unspecified). */
  readonly percentile?: number;
}

export interface SigmaCorrelation extends Meta {
  readonly kind: 'correlation';
  readonly type: CorrelationType;
  /** Referenced rules or correlations, by id or name, as written. */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  /** Timespan in milliseconds, and as written. */
  readonly timespanMs: number;
  readonly timespan: string;
  /** alias → (rule id or name → field). */
  readonly aliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly condition: CorrelationCondition;
  readonly generate: boolean;
}

export interface SigmaFilter {
  readonly kind: 'filter';
  readonly title: string;
  readonly id?: string;
  readonly name?: string;
  readonly description?: string;
  readonly logsource: SigmaLogsource;
  /** Rule ids or names, or 'any' for every rule of the filter's log source. */
  readonly rules: readonly string[] | 'any';
  readonly detection: Detection;
  readonly source: SigmaSource;
  readonly raw: Readonly<Record<string, unknown>>;
}

export type SigmaDocument = SigmaRule | SigmaCorrelation | SigmaFilter;

export interface SigmaCollection {
  readonly rules: readonly SigmaRule[];
  readonly correlations: readonly SigmaCorrelation[];
  readonly filters: readonly SigmaFilter[];
  /** Files the collection was read from, in load order. */
  readonly sources: readonly string[];
}

/** A finding of lint(): the rule loads, but probably does not do what its author meant. */
export interface SigmaWarning {
  readonly code: string;
  readonly where: string;
  readonly message: string;
}
