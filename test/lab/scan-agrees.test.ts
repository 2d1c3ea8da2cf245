import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ExpectedFinding, type Lab, startLab } from '../../src/lab/index.js';
import { runCli } from '../helpers/cli.js';

interface ScanFinding {
  id: string;
  product?: string;
  version?: string;
  versionRange?: { first: string; last: string; ecosystem: string };
  evidence: { request: string }[];
}
interface ScanTarget {
  target: string;
  status: string;
  findings: ScanFinding[];
  fingerprints: { product: string; version?: string }[];
}

const declaredKey = (f: ExpectedFinding) => (f.id === 'endpoint-version' ? `${f.id} ${f.path}` : f.id);
const scanKey = (f: ScanFinding) =>
  f.id === 'endpoint-version' ? `${f.id} ${f.evidence[0]?.request.split(' ')[1] ?? ''}` : f.id;

/** The whole lab, scanned once through the built CLI: each server's declaration is what scan reports. */
describe('mcpward scan on the lab finds exactly what each server declares', () => {
  let lab: Lab;
  let targets: ScanTarget[];
  before(async () => {
    lab = await startLab();
    const res = await runCli(['scan', '--format', 'json', '--no-progress', ...lab.servers.map((s) => s.url)]);
    assert.ok(res.code === 0 || res.code === 1, res.stderr);
    targets = (JSON.parse(res.stdout) as { targets: ScanTarget[] }).targets;
  });
  after(() => lab?.close());

  it('reports every declared finding, with its product and version, and nothing else', () => {
    for (const server of lab.servers) {
      const t = targets.find((x) => x.target.startsWith(server.url));
      assert.ok(t, `${server.name} not in the report`);
      assert.equal(t.status, 'ok', server.name);
      const found = [...new Set(t.findings.map(scanKey))].sort();
      const declared = [...new Set(server.def.discloses.map(declaredKey))].sort();
      assert.deepEqual(found, declared, server.name);
      for (const d of server.def.discloses) {
        if (d.product === undefined && d.version === undefined) continue;
        assert.ok(
          t.findings.some(
            (f) =>
              scanKey(f) === declaredKey(d) &&
              (d.product === undefined || f.product?.toLowerCase() === d.product.toLowerCase()) &&
              (d.version === undefined || f.version === d.version) &&
              (d.versionRange === undefined ||
                JSON.stringify(f.versionRange) === JSON.stringify(d.versionRange)),
          ),
          `${server.name}: ${declaredKey(d)} should name ${d.product ?? ''} ${d.version ?? ''}`,
        );
      }
    }
  });

  it('identifies the declared products', () => {
    for (const server of lab.servers) {
      const t = targets.find((x) => x.target.startsWith(server.url))!;
      const named = [...new Set(t.fingerprints.map((p) => p.product.toLowerCase()))].sort();
      assert.deepEqual(
        named,
        [...new Set(server.def.products.map((p) => p.product.toLowerCase()))].sort(),
        server.name,
      );
      for (const p of server.def.products.filter((x) => x.version))
        assert.ok(
          t.fingerprints.some(
            (f) => f.product.toLowerCase() === p.product.toLowerCase() && f.version === p.version,
          ),
          `${server.name}: ${p.product} ${p.version}`,
        );
    }
  });
});
