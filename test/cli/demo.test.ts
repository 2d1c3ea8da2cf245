import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

/** `npm start` runs `mcpward demo`: the lab, scan, guard, scan again, detect; it must tell that story and exit 0. */
describe('mcpward demo (npm start)', { timeout: 180_000 }, () => {
  it('finds versions, removes them behind the guard, and detect names the scanner', async () => {
    const r = await runCli(['demo'], { timeoutMs: 170_000 });
    assert.equal(r.code, 0, r.stderr);
    // Step 2: the leaky servers disclose (at least the seed's fork and the SDK advisories).
    assert.match(r.stdout, /vulnerable-sqlite-mcp 1\.0\.0-fork/);
    assert.match(r.stdout, /GHSA-7f8r-222p-6f5g/);
    // Step 3: every row of the guarded columns is 0, and every MCP endpoint still answers.
    const table = r.stdout.slice(r.stdout.indexOf('SERVER '), r.stdout.indexOf('Through the guard'));
    const rows = table.trim().split('\n').slice(1);
    assert.equal(rows.length, 11);
    for (const row of rows) assert.match(row, /\s0\s+0$/, row);
    assert.match(r.stdout, /Through the guard: no version, no product, no SDK behaviour/);
    assert.match(
      r.stdout,
      /An MCP client through the guard in front of sdk-streamable: serverInfo mcp-server 1\.0\.0, \d+ tools, echo → "hello"/,
    );
    // Step 4: detect alerts on the scanner's address from the guards' audit logs.
    assert.match(r.stdout, /HIGH\s+MCP Server Version Endpoint Sweep\s+127\.0\.0\.1/);
    assert.match(r.stderr, /mcpward detect: \d+ alerts:/);
  });
});
