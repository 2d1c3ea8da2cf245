import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningGuard } from '../../src/guard/server.js';
import { type Lab, startLab } from '../../src/lab/index.js';
import { severityRank, type TargetResult } from '../../src/report/model.js';
import { scan } from '../../src/scan/scanner.js';
import { expandTarget } from '../../src/scan/targets.js';
import { startGuarded } from '../helpers/guard.js';

/**
 * Every lab server, scanned directly and through a guard of its own. Directly, scan finds what the
 * server declares; guarded, it finds nothing above info and no fingerprint, while still finding the
 * MCP endpoint wherever there is one.
 */
describe('the whole lab behind the guard', { timeout: 180_000 }, () => {
  let lab: Lab;
  const guards = new Map<string, RunningGuard>();
  const direct = new Map<string, TargetResult>();
  const guarded = new Map<string, TargetResult>();

  before(async () => {
    lab = await startLab();
    for (const s of lab.servers) guards.set(s.name, await startGuarded(s.url));
    const scanAll = async (urls: [string, string][], into: Map<string, TargetResult>) => {
      const targets = urls.flatMap(([, u]) => [...expandTarget(u, { ports: [] })]);
      for (const r of await scan(targets, { timeoutMs: 3000, concurrency: 8 })) {
        const name = urls.find(([, u]) => r.target.startsWith(u))?.[0];
        if (name) into.set(name, r);
      }
    };
    await scanAll(
      lab.servers.map((s) => [s.name, s.url]),
      direct,
    );
    await scanAll(
      lab.servers.map((s) => [s.name, guards.get(s.name)!.url]),
      guarded,
    );
  });
  after(async () => {
    for (const g of guards.values()) await g.close(0);
    await lab?.close();
  });

  it('direct: every leaky server discloses what it declares', () => {
    for (const s of lab.servers) {
      const r = direct.get(s.name);
      assert.ok(r, s.name);
      const found = new Set(r.findings.map((f) => f.id));
      for (const d of s.def.discloses) assert.ok(found.has(d.id), `${s.name} should disclose ${d.id}`);
    }
    assert.ok(lab.servers.some((s) => s.def.discloses.length > 0));
  });

  it('guarded: no finding above info, no behaviour fingerprint, no product, for every server', () => {
    for (const s of lab.servers) {
      const r = guarded.get(s.name);
      assert.ok(r, s.name);
      assert.equal(r.status, 'ok', `${s.name}: ${r.error ?? ''}`);
      const serious = r.findings.filter((f) => severityRank(f.severity) > severityRank('info'));
      assert.deepEqual(
        serious.map((f) => `${f.id} ${f.evidence[0]?.request}: ${f.evidence[0]?.excerpt}`),
        [],
        s.name,
      );
      assert.deepEqual(
        r.findings.filter((f) => f.vector === 'behaviour').map((f) => f.id),
        [],
        s.name,
      );
      assert.deepEqual(
        r.fingerprints.map((p) => p.product),
        [],
        s.name,
      );
    }
  });

  it('guarded: scan still finds an MCP endpoint on every MCP server', () => {
    // (The transport it settles on may differ: behind the guard every path answers a JSON-RPC POST
    // with a JSON-RPC error, which scan counts as an endpoint before it tries legacy SSE.)
    for (const s of lab.servers) {
      if (s.def.transport === 'none') continue;
      assert.ok(guarded.get(s.name)?.mcp, s.name);
    }
  });
});
