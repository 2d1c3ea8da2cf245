import { UserError } from '../util/errors.js';
import { issuePath } from '../util/validate.js';
import type { KeyPath, YamlDoc } from './yaml.js';

/**
 * Where a document lives, so every error can name the file and line, the rule (title or id) and
 * the key: `rules/x.yml:12:9: rule 'Title': detection.selection: unknown modifier 'contians'`.
 */
export class DocContext {
  label: string;
  constructor(
    readonly source: string,
    readonly doc: YamlDoc,
    readonly multiDoc: boolean,
    /** The `action: global` document merged into this one, if any: keys may come from there. */
    readonly global?: YamlDoc,
  ) {
    this.label = multiDoc ? `document ${doc.index}` : 'document';
  }

  /** Names the document once its kind and title are known. */
  setName(kind: string, title: unknown, id: unknown): void {
    const name = typeof title === 'string' && title ? `'${title}'` : typeof id === 'string' ? id : '';
    const n = this.multiDoc ? ` (document ${this.doc.index})` : '';
    this.label = name ? `${kind} ${name}${n}` : `${kind}${n || ' (untitled)'}`;
  }

  where(path: KeyPath): string {
    let pos = this.doc.locate(path);
    if (pos.line === this.doc.line && path.length > 0 && this.global) {
      const g = this.global.locate(path);
      if (g.line !== this.global.line) pos = g;
    }
    return `${this.source}:${pos.line}:${pos.col}`;
  }

  fail(path: KeyPath, message: string): never {
    const key = issuePath(path as (string | number)[]);
    throw new UserError(`${this.label}: ${key ? `${key}: ` : ''}${message}`, this.where(path));
  }
}

/** Plain-object check that excludes arrays, null and Dates. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The closest candidate by edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
