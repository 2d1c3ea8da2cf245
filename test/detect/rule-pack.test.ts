/**
 * The rule pack as files: every document passes the Sigma specification's own JSON schemas (draft
 * 2020-12, validated with ajv), carries the metadata the pack promises, and `mcpward rules validate`
 * accepts it with no lint warning.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { BUILTIN_RULES_DIR } from '../../src/alerts/pack.js';
import { runCli } from '../helpers/cli.js';
import { sharedDataDir } from '../helpers/shared.js';

const require = createRequire(import.meta.url);
const SCHEMAS = join(sharedDataDir, 'sigma-spec', 'json-schema');

interface Validator {
  (doc: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}
// ajv's 2020-12 build is CommonJS with a default export NodeNext typing cannot construct; require() it.
const Ajv2020 = require('ajv/dist/2020') as new (
  opts: object,
) => {
  addFormat(name: string, re: RegExp): void;
  compile(schema: object): Validator;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function schema(name: string): Validator {
  const s = JSON.parse(readFileSync(join(SCHEMAS, name), 'utf8')) as Record<string, unknown>;
  // The files name the draft with and without a trailing '#'; ajv's 2020 build is that draft already.
  delete s['$schema'];
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  // `format: uuid` needs a format definition (ajv-formats is not a dependency; the pattern is RFC 4122's).
  ajv.addFormat('uuid', UUID);
  return ajv.compile(s);
}

function ruleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? ruleFiles(join(dir, e.name)) : e.name.endsWith('.yml') ? [join(dir, e.name)] : [],
    )
    .sort();
}

const docs = ruleFiles(BUILTIN_RULES_DIR).flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d, i) => ({
    file: `${file.slice(BUILTIN_RULES_DIR.length + 1)}#${i + 1}`,
    doc: d.toJS() as Record<string, unknown>,
  })),
);

describe('the SAFE-T1604 rule pack', () => {
  const detection = schema('sigma-detection-rule-schema.json');
  const correlation = schema('sigma-correlation-rules-schema.json');
  const filter = schema('sigma-filters-schema.json');

  it('has rules, correlations and a filter', () => {
    assert.ok(docs.filter((d) => 'detection' in d.doc).length >= 9);
    assert.ok(docs.filter((d) => 'correlation' in d.doc).length >= 8);
    assert.ok(docs.some((d) => 'filter' in d.doc));
  });

  it('passes the Sigma specification JSON schemas, document by document', () => {
    for (const { file, doc } of docs) {
      const v = 'correlation' in doc ? correlation : 'filter' in doc ? filter : detection;
      const ok = v(doc);
      assert.ok(ok, `${file}: ${JSON.stringify(v.errors?.slice(0, 3))}`);
    }
  });

  it('the schemas do reject a broken document (the check can fail)', () => {
    assert.equal(
      detection({ title: 'x', logsource: {}, detection: { condition: 'a' }, id: 'not-a-uuid' }),
      false,
    );
    assert.equal(
      correlation({ title: 'x', correlation: { type: 'nope', rules: ['ab'], timespan: '1m' } }),
      false,
    );
    assert.equal(
      filter({ title: 'x', logsource: {}, filter: { rules: [], selection: {}, condition: 'x' } }),
      false,
    );
  });

  it('gives every alerting document a UUID, level, author, date, references, tags and false positives', () => {
    const ids = new Set<string>();
    for (const { file, doc } of docs) {
      assert.match(String(doc['id']), UUID, file);
      assert.ok(!ids.has(String(doc['id'])), `${file}: duplicate id`);
      ids.add(String(doc['id']));
      if ('filter' in doc) continue;
      // Inner correlations (referred to by another correlation) carry no metadata of their own.
      const inner = docs.some(
        (o) =>
          'correlation' in o.doc &&
          (o.doc['correlation'] as { rules: string[] }).rules.includes(String(doc['name'])),
      );
      if (inner && 'correlation' in doc) continue;
      for (const k of [
        'level',
        'author',
        'date',
        'references',
        'tags',
        'falsepositives',
        'status',
        'description',
      ])
        assert.ok(doc[k] !== undefined, `${file}: ${k}`);
      assert.ok((doc['tags'] as string[]).includes('safe.t1604'), file);
      assert.ok((doc['tags'] as string[]).includes('attack.t1592.002'), file);
    }
  });

  it('has no frequency fields in detections (counting is done by correlations)', () => {
    for (const { file, doc } of docs) {
      const text = JSON.stringify(doc['detection'] ?? {});
      assert.doesNotMatch(text, /EventCount|TimeWindow/i, file);
    }
  });

  it('passes `mcpward rules validate` with no lint warning', async () => {
    const res = await runCli(['rules', 'validate', '--strict']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /10 rules, 9 correlations, 1 filters compiled; 0 warnings/);
    assert.equal(res.stderr, '');
  });
});
