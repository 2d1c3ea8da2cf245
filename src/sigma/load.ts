/** Reads Sigma files, directories (recursively) and globs into one collection. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { UserError } from '../util/errors.js';
import { readTextFile } from '../util/validate.js';
import { parseSigmaDocuments } from './parse.js';
import type { SigmaCollection, SigmaCorrelation, SigmaDocument, SigmaFilter, SigmaRule } from './types.js';

const RULE_FILE = /\.ya?ml$/i;
const GLOB_CHARS = /[*?[\]{}]/;

/** Expands paths, directories and globs to the sorted list of YAML files they name. */
export function resolveRuleFiles(inputs: string | readonly string[]): string[] {
  const list = typeof inputs === 'string' ? [inputs] : inputs;
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  for (const input of list) {
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(input);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) {
      const files = walk(input);
      if (!files.length) throw new UserError('no .yml or .yaml files in this directory', input);
      files.forEach(add);
    } else if (st?.isFile()) add(input);
    else if (GLOB_CHARS.test(input)) {
      const files = globSync(input, { onlyFiles: true, expandDirectories: false }).sort();
      if (!files.length) throw new UserError('no files match this pattern', input);
      files.forEach(add);
    } else throw new UserError('no such file or directory', input);
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...walk(p));
    else if (ent.isFile() && RULE_FILE.test(ent.name)) out.push(p);
  }
  return out;
}

/** Loads every Sigma document from files, directories and globs. */
export function loadSigmaFiles(inputs: string | readonly string[]): SigmaCollection {
  const files = resolveRuleFiles(inputs);
  const docs: SigmaDocument[] = [];
  for (const f of files) docs.push(...parseSigmaDocuments(readTextFile(f), f));
  return buildCollection(docs, files);
}

/**
 * Groups documents by kind and checks that ids and names are unique, since correlations and
 * filters refer to rules by them.
 */
export function buildCollection(
  docs: readonly SigmaDocument[],
  sources: readonly string[] = [],
): SigmaCollection {
  const rules: SigmaRule[] = [];
  const correlations: SigmaCorrelation[] = [];
  const filters: SigmaFilter[] = [];
  const ids = new Map<string, SigmaDocument>();
  const names = new Map<string, SigmaDocument>();
  const at = (d: SigmaDocument) => `${d.source.file}:${d.source.line}`;
  for (const d of docs) {
    if (d.id) {
      const other = ids.get(d.id);
      if (other)
        throw new UserError(
          `${d.kind} '${d.title}': id ${d.id} is already used by '${other.title}' (${at(other)})`,
          at(d),
        );
      ids.set(d.id, d);
    }
    if (d.name && d.kind !== 'filter') {
      const other = names.get(d.name);
      if (other)
        throw new UserError(
          `${d.kind} '${d.title}': name '${d.name}' is already used by '${other.title}' (${at(other)})`,
          at(d),
        );
      names.set(d.name, d);
    }
    if (d.kind === 'rule') rules.push(d);
    else if (d.kind === 'correlation') correlations.push(d);
    else filters.push(d);
  }
  const srcs = sources.length ? [...sources] : [...new Set(docs.map((d) => d.source.file))];
  return { rules, correlations, filters, sources: srcs };
}

/** Joins collections (for example the built-in pack and a user's directory). */
export function mergeCollections(...cols: readonly SigmaCollection[]): SigmaCollection {
  return buildCollection(
    cols.flatMap((c) => [...c.rules, ...c.correlations, ...c.filters]),
    cols.flatMap((c) => c.sources),
  );
}

/**
 * The part of a collection that `keep` selects (for example the rules of one log source), with the
 * correlations whose referenced rules all remain and the filters.
 */
export function subsetCollection(col: SigmaCollection, keep: (rule: SigmaRule) => boolean): SigmaCollection {
  const rules = col.rules.filter(keep);
  const kept = new Set<string>();
  for (const r of rules) {
    if (r.id) kept.add(r.id);
    if (r.name) kept.add(r.name);
  }
  // Correlations may refer to correlations: repeat until no more are dropped.
  let correlations = [...col.correlations];
  for (;;) {
    const refs = new Set(kept);
    for (const c of correlations) {
      if (c.id) refs.add(c.id);
      if (c.name) refs.add(c.name);
    }
    const next = correlations.filter((c) =>
      c.rules.every((ref) => refs.has(ref) || refs.has(ref.toLowerCase())),
    );
    if (next.length === correlations.length) break;
    correlations = next;
  }
  return { rules, correlations, filters: col.filters, sources: col.sources };
}
