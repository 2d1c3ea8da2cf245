import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { scan } from '../../src/scan/scanner.js';
import { expandTarget } from '../../src/scan/targets.js';
import { runCli } from '../helpers/cli.js';
import { httpServer, type Running } from '../helpers/servers.js';

interface Seen {
  at: number;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

async function recorder(): Promise<{ server: Running; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await httpServer((req, res) => {
    seen.push({ at: performance.now(), method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    res.statusCode = 404;
    res.end();
  });
  return { server, seen };
}

describe('scan is read-only and polite', { timeout: 60_000 }, () => {
  const servers: Running[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('sends -H headers and the --user-agent on every request, and never calls a tool', async () => {
    const { server, seen } = await recorder();
    servers.push(server);
    const r = await runCli(['scan', server.url, '-H', 'Authorization: Bearer t0ken', '-A', 'audit-bot/1.0']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(seen.length > 20);
    for (const s of seen) {
      assert.equal(s.headers['user-agent'], 'audit-bot/1.0');
      assert.equal(s.headers['authorization'], 'Bearer t0ken');
    }
    assert.ok(seen.every((s) => ['GET', 'POST', 'PUT', 'DELETE'].includes(s.method)));
  });

  it('spaces requests to honour --rate', async () => {
    const { server, seen } = await recorder();
    servers.push(server);
    await scan([...expandTarget(server.url, { ports: [] })], { rate: 40, advisories: false });
    assert.ok(seen.length > 20);
    // 40 requests per second: n requests span at least (n - 1) x 25 ms. (Single gaps jitter with the
    // event loop and the network; the rate is what the limiter promises.)
    const span = seen.at(-1)!.at - seen[0]!.at;
    const rate = ((seen.length - 1) / span) * 1000;
    assert.ok(rate <= 41, `observed ${rate.toFixed(1)} requests/s`);
  });

  it('stops at the per-target request budget', async () => {
    const { server, seen } = await recorder();
    servers.push(server);
    const [res] = await scan([...expandTarget(server.url, { ports: [] })], {
      maxRequests: 12,
      advisories: false,
    });
    assert.equal(seen.length, 12);
    assert.equal(res?.requests, 12);
    assert.match(res?.error ?? '', /request budget of 12 spent/);
  });
});
