import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultKnowledgeBase } from '../../src/disclosure/index.js';
import {
  type ExpectedFinding,
  labServers,
  type RunningLabServer,
  startLabServer,
} from '../../src/lab/index.js';
import { type ObservedFinding, type Survey, surveyLabServer } from '../helpers/lab-survey.js';

const kb = defaultKnowledgeBase();
/**
 * Advisory and fork findings are derived from what the wire shows (by intel/), not shown on it;
 * scan-agrees.test.ts checks those.
 */
const onTheWire = (f: ExpectedFinding) => f.id !== 'vulnerable-fork' && !f.id.startsWith('GHSA-');
const keyOf = (f: ExpectedFinding) => (f.id === 'endpoint-version' ? `${f.id} ${f.path}` : f.id);
const lower = (s: string | undefined) => s?.toLowerCase();

/** The knowledge base's reading of the answer names the declared product and version. */
function backs(observed: ObservedFinding, declared: ExpectedFinding): boolean {
  return observed.claims.some(
    (c) =>
      (declared.product === undefined || lower(c.product) === lower(declared.product)) &&
      (declared.version === undefined || c.version === declared.version),
  );
}

function explain(survey: Survey): string {
  return [...survey.findings.values()]
    .map((f) => `  ${f.id}${f.path ? ` ${f.path}` : ''}: ${f.evidence[0]}`)
    .join('\n');
}

for (const def of labServers) {
  describe(`lab server ${def.name}: declarations match the wire`, () => {
    let server: RunningLabServer;
    let survey: Survey;
    before(async () => {
      server = await startLabServer(def, { port: 0 });
      survey = await surveyLabServer(server, kb);
    });
    after(() => server?.close());

    it('shows every finding it declares, and nothing it does not', () => {
      const declared = [...new Set(def.discloses.filter(onTheWire).map(keyOf))].sort();
      const observed = [...survey.findings.keys()].sort();
      assert.deepEqual(observed, declared, `observed on the wire:\n${explain(survey)}`);
    });

    it('shows the declared product and version of each finding', () => {
      for (const d of def.discloses.filter(onTheWire)) {
        if (d.product === undefined && d.version === undefined) continue;
        const observed = survey.findings.get(keyOf(d));
        assert.ok(observed, `${keyOf(d)} not observed`);
        assert.ok(
          backs(observed, d),
          `${keyOf(d)} should show ${d.product ?? ''} ${d.version ?? ''}; saw ${JSON.stringify(observed.claims)} / ${observed.evidence.join(' | ')}`,
        );
      }
    });

    it('names exactly the products it declares', () => {
      const declared = [...new Set(def.products.map((p) => p.product.toLowerCase()))].sort();
      const named = [...survey.products.keys()].sort();
      assert.deepEqual(named, declared);
      for (const p of def.products) {
        if (p.version === undefined) continue;
        assert.ok(
          survey.products.get(p.product.toLowerCase())?.has(p.version),
          `${p.product} ${p.version} not seen`,
        );
      }
    });
  });
}
