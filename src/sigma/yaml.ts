import { type Document, isMap, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import { UserError } from '../util/errors.js';

export type KeyPath = readonly (string | number)[];

/** One YAML document of a Sigma file, with a way to find the line of any key for error messages. */
export interface YamlDoc {
  readonly value: unknown;
  /** 1-based index of the document in its file. */
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  /** `line:col` of the node at `path`, or of its closest existing parent. */
  locate(path: KeyPath): { line: number; col: number };
}

/** Parses every document of a YAML stream; syntax errors become UserErrors at `source:line:col`. */
export function parseYamlDocs(text: string, source: string): YamlDoc[] {
  const lc = new LineCounter();
  const parsed = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lc });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  const out: YamlDoc[] = [];
  docs.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0] ?? (err.pos ? lc.linePos(err.pos[0]) : undefined);
      const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
      throw new UserError(`YAML syntax error in document ${i + 1}: ${err.message.split('\n')[0]}`, where);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new UserError(`document ${i + 1}: ${(e as Error).message}`, source);
    }
    if (value === null || value === undefined) return;
    const start = doc.contents?.range?.[0] ?? 0;
    const startPos = lc.linePos(start);
    out.push({
      value,
      index: i + 1,
      line: startPos.line,
      locate(path) {
        let node: unknown = doc.contents;
        let offset = start;
        for (const key of path) {
          let next: unknown;
          if (isMap(node)) {
            const pair = node.items.find((p) => {
              const k = p.key as { value?: unknown } | null;
              return k !== null && typeof k === 'object' && String(k.value) === String(key);
            });
            if (pair) {
              const keyRange = (pair.key as { range?: [number, number, number] }).range;
              if (keyRange) offset = keyRange[0];
              next = pair.value;
            }
          } else if (isSeq(node) && typeof key === 'number') {
            next = node.items[key];
            const r = (next as { range?: [number, number, number] } | undefined)?.range;
            if (r) offset = r[0];
          }
          if (next === undefined) break;
          node = next;
        }
        return lc.linePos(offset);
      },
    });
  });
  return out;
}
