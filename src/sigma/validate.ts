/** Entry points for a `rules validate` command and for tooling that inspects rules. */
import { compileCollection, type SigmaEngine } from './engine.js';
import { lintCollection } from './lint.js';
import { loadSigmaFiles } from './load.js';
import { renderSigmaString } from './sigma-string.js';
import type { SigmaCollection, SigmaDocument, SigmaWarning } from './types.js';

export interface ValidationResult {
  readonly collection: SigmaCollection;
  readonly engine: SigmaEngine;
  readonly warnings: readonly SigmaWarning[];
}

/**
 * Loads, checks and compiles rule files (paths, directories or globs) together, so references
 * between them resolve. Throws a UserError on the first invalid document; returns lint warnings.
 * Placeholders need no values here: values that use them are reported, not rejected.
 */
export function validateRuleFiles(inputs: string | readonly string[]): ValidationResult {
  const collection = loadSigmaFiles(inputs);
  const engine = compileCollection(collection, { lenientPlaceholders: true });
  return { collection, engine, warnings: [...engine.warnings, ...lintCollection(collection)] };
}

/** validateRuleFiles for one file. */
export function validateRuleFile(path: string): ValidationResult {
  return validateRuleFiles([path]);
}

/** A plain-JSON view of a parsed document (normalised values, condition tree), for tooling and debugging. */
export function ruleToJSON(doc: SigmaDocument): unknown {
  return JSON.parse(
    JSON.stringify(doc, (key, value) => {
      if (key === 'raw') return undefined;
      if (value instanceof Map) return Object.fromEntries(value);
      if (value && typeof value === 'object' && 'parts' in value && 'bytes' in value) {
        return renderSigmaString((value as { parts: Parameters<typeof renderSigmaString>[0] }).parts);
      }
      return value;
    }),
  );
}
