/** guard's live detector loads the built-in pack the way detect does (placeholders, filters). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSigmaDetector } from '../../src/guard/sigma-detector.js';
import { parseAuditLine } from '../../src/logs/index.js';
import { audit } from '../detect/helpers.js';

describe('guard with the built-in rule pack', () => {
  it('compiles it and alerts on a sweep from one source, not on a kube-probe', () => {
    const detector = loadSigmaDetector(undefined);
    const seen = (ip: string, ua: string, paths: string[]) =>
      paths.flatMap((path, i) => {
        const ev = parseAuditLine(audit({ ip, ua, path, at: i }));
        assert.ok(!(ev instanceof Error));
        return [...detector.observe(ev as never)];
      });
    assert.deepEqual(
      seen('10.244.1.9', 'kube-probe/1.29', ['/healthz', '/health', '/version', '/status']),
      [],
    );
    const alerts = seen('203.0.113.5', 'probe/1.0', ['/version', '/health', '/status']);
    assert.deepEqual(
      alerts.map((a) => [a.rule, a.source]),
      [['80cb7494-86e8-4dc8-8031-05e2aa5bf3dd', '203.0.113.5']],
    );
  });
});
