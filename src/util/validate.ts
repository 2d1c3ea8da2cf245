import { readFileSync } from 'node:fs';
import { parseAllDocuments, parseDocument } from 'yaml';
import type { z } from 'zod';
import { UserError } from './errors.js';

/** `a.b[2].c` from a zod issue path. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** Validates `value` with `schema`; the first problem becomes a UserError naming `where` and the key. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issue = res.error.issues[0]!;
  const key = issuePath(issue.path);
  throw new UserError(key ? `${key}: ${issue.message}` : issue.message, where);
}

/** Parses one YAML document; syntax errors name the file, line and column. */
export function parseYaml(text: string, where: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) throw yamlError(err, where);
  return doc.toJS({ maxAliasCount: 100 });
}

/** Parses every document of a multi-document YAML stream (`---` separated). */
export function parseYamlAll(text: string, where: string): unknown[] {
  const parsed = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  // An empty stream comes back as an EmptyStream object rather than an array.
  const docs = Array.isArray(parsed) ? parsed : [];
  const out: unknown[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) throw yamlError(err, where);
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function yamlError(
  err: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] },
  where: string,
) {
  const pos = err.linePos?.[0];
  const loc = pos ? `${where}:${pos.line}:${pos.col}` : where;
  return new UserError(err.message.split('\n')[0]!, loc);
}

export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new UserError(`cannot read file (${why})`, path);
  }
}
