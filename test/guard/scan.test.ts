import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningGuard } from '../../src/guard/server.js';
import { severityRank } from '../../src/report/model.js';
import { scan } from '../../src/scan/scanner.js';
import { expandTarget } from '../../src/scan/targets.js';
import { startGuarded } from '../helpers/guard.js';
import { startLeakyV1, startLeakyV2, startPythonLike, type Upstream } from '../helpers/mcp-upstreams.js';

const opts = { timeoutMs: 3000, concurrency: 4 };

const upstreams: Record<string, () => Promise<Upstream>> = {
  'TypeScript SDK 1.x on Express': startLeakyV1,
  'TypeScript SDK 2.x (2026-07-28)': startLeakyV2,
  'Python SDK look-alike (uvicorn)': startPythonLike,
};

/** The Mcp-Session-Id format fingerprint each upstream shows directly (2026-07-28 has no sessions). */
const sessionFingerprint: Record<string, string | undefined> = {
  'TypeScript SDK 1.x on Express': 'fingerprint-ts-sdk-session-id',
  'Python SDK look-alike (uvicorn)': 'fingerprint-py-sdk-session-id',
};

const running: { up: Upstream; guard: RunningGuard }[] = [];
after(async () => {
  for (const r of running) {
    await r.guard.close(0);
    await r.up.close();
  }
});

async function scanOne(url: string) {
  const [r] = await scan([...expandTarget(url, { ports: [] })], opts);
  assert.ok(r);
  assert.equal(r.status, 'ok', r.error);
  return r;
}

describe('mcpward scan finds the versions directly and nothing through the guard', {
  timeout: 120_000,
}, () => {
  for (const [name, start] of Object.entries(upstreams)) {
    describe(name, () => {
      let up: Upstream;
      let guard: RunningGuard;
      before(async () => {
        up = await start();
        guard = await startGuarded(up.url);
        running.push({ up, guard });
      });

      it('direct: scan reports disclosures and identifies the software', async () => {
        const r = await scanOne(up.url);
        const serious = r.findings.filter((f) => severityRank(f.severity) > severityRank('info'));
        assert.ok(serious.length > 0, 'the upstream leaks');
        assert.ok(r.fingerprints.length > 0);
        assert.ok(r.findings.some((f) => f.vector === 'serverinfo' || f.vector === 'header'));
        const sessionIds = r.findings.filter((f) => f.id.endsWith('-session-id')).map((f) => f.id);
        assert.deepEqual(sessionIds, sessionFingerprint[name] ? [sessionFingerprint[name]] : []);
      });

      it('guarded: nothing above info, no behaviour fingerprint, no product identified', async () => {
        const r = await scanOne(guard.url);
        const serious = r.findings.filter((f) => severityRank(f.severity) > severityRank('info'));
        assert.deepEqual(
          serious.map((f) => `${f.id}: ${f.evidence[0]?.excerpt}`),
          [],
        );
        assert.deepEqual(
          r.findings.filter((f) => f.vector === 'behaviour').map((f) => f.id),
          [],
        );
        assert.deepEqual(r.fingerprints, []);
        // And scan still sees an MCP server there: clients keep working.
        assert.ok(r.mcp, 'scan found the MCP endpoint through the guard');
      });
    });
  }
});
