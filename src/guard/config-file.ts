import { parseWith, parseYaml, readTextFile } from '../util/validate.js';
import { type GuardConfig, guardConfigSchema } from './options.js';

/** Settings given on the command line; they win over the file. */
export type ConfigOverrides = Record<string, unknown>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `over` into `base` (objects merged, everything else replaced). */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/**
 * Reads and validates guard.yaml (if given) with the command-line overrides on top. Every problem is
 * a UserError naming the file and the key: `guard.yaml: routes[1].upstream: must be an http:// ...`.
 */
export function loadGuardConfig(path: string | undefined, overrides: ConfigOverrides = {}): GuardConfig {
  let raw: Record<string, unknown> = {};
  if (path) {
    const doc = parseYaml(readTextFile(path), path) ?? {};
    if (!isObject(doc)) return parseWith(guardConfigSchema, doc, path);
    raw = doc;
  }
  return parseWith(guardConfigSchema, merge(raw, overrides), path ?? 'guard options');
}
