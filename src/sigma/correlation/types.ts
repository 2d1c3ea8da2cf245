import type {
  AlertMeta,
  CorrelationCondition,
  CorrelationType,
  SigmaCorrelation,
  SigmaEvent,
} from '../types.js';

/** A correlation rule ready to run, with the metadata an alert needs. */
export interface CompiledCorrelation extends AlertMeta {
  readonly kind: 'correlation';
  readonly index: number;
  readonly type: CorrelationType;
  /** Referenced rules as written (ids or names). */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  readonly timespanMs: number;
  readonly condition: CorrelationCondition;
  readonly generate: boolean;
  /** 'sliding' or 'anchored' windows: see src/sigma/README.md. */
  readonly mode: 'sliding' | 'anchored';
  /**
   * False when this correlation only feeds another one: per the spec only the outermost correlation
   * alerts, unless the referring correlation says `generate: true`.
   */
  readonly standalone: boolean;
  readonly correlation: SigmaCorrelation;
}

export interface CorrelationHit {
  readonly correlation: CompiledCorrelation;
  /** group-by field → value of the group that fired. */
  readonly group: Readonly<Record<string, string>>;
  readonly groupKey: string;
  /** Event time (ms) at which the condition was met, or the window end for windows judged at close. */
  readonly timestamp: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The count, distinct count, sum, average or percentile that met the condition. */
  readonly value: number;
  /** temporal types: the rules seen in the window. */
  readonly rules: readonly string[];
  /** The event that completed the condition (absent for windows judged when they closed). */
  readonly event?: SigmaEvent;
  readonly standalone: boolean;
}
