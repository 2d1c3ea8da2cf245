import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalEcosystem,
  compareAnyVersions,
  compareVersions,
  normalizePackageName,
  pep503,
} from '../../src/intel/index.js';

describe('PEP 440 ordering (PyPI)', () => {
  const cmp = (a: string, b: string) => compareVersions('pep440', a, b);
  it('orders release numbers numerically, not as text', () => {
    assert.equal(cmp('1.10.0', '1.9.4'), 1);
    assert.equal(cmp('2.13.0', '2.9.0'), 1);
  });
  it('orders calendar versions', () => {
    assert.equal(cmp('2025.9.25', '2025.12.18'), -1);
    assert.equal(cmp('2026.1.14', '2025.12.18'), 1);
    assert.equal(cmp('2025.7.1', '2025.07.01'), 0, 'leading zeros normalise');
  });
  it('orders dev < pre < release < post, and local above its public version', () => {
    const order = ['1.0.dev1', '1.0a1', '1.0b2', '1.0rc1', '1.0', '1.0+local.1', '1.0.post1', '1.0.1'];
    for (let i = 1; i < order.length; i++)
      assert.equal(cmp(order[i - 1]!, order[i]!), -1, `${order[i - 1]} < ${order[i]}`);
  });
  it('treats 1.0 and 1.0.0 as equal and rejects non-versions', () => {
    assert.equal(cmp('1.0', '1.0.0'), 0);
    assert.equal(cmp('1.0.0-fork', '1.0.0'), undefined, '-fork is not PEP 440');
    assert.equal(cmp('latest', '1.0'), undefined);
  });
});

describe('SemVer ordering (npm)', () => {
  const cmp = (a: string, b: string) => compareVersions('semver', a, b);
  it('a -fork suffix is a prerelease: before the release it names', () => {
    assert.equal(cmp('1.0.0-fork', '1.0.0'), -1);
    assert.equal(cmp('1.0.0-fork', '0.9.9'), 1);
  });
  it('prerelease identifiers order numerically then lexically', () => {
    assert.equal(cmp('1.0.0-beta.2', '1.0.0-beta.11'), -1);
    assert.equal(cmp('1.0.0-alpha', '1.0.0-beta'), -1);
  });
  it('ignores build metadata, accepts a v prefix, does not coerce partial versions', () => {
    assert.equal(cmp('1.2.3+patch', '1.2.3'), 0);
    assert.equal(cmp('v1.2.3', '1.2.3'), 0);
    assert.equal(cmp('1.2', '1.2.0'), undefined);
  });
  it('orders calendar versions too', () => {
    assert.equal(cmp('2025.12.18', '2025.9.25'), 1);
  });
});

describe('names and ecosystems', () => {
  it('PEP 503 normalises PyPI names', () => {
    assert.equal(pep503('MCP_Server.Git'), 'mcp-server-git');
    assert.equal(pep503('mcp--server__git'), 'mcp-server-git');
    assert.equal(normalizePackageName('PyPI', 'FastMCP'), 'fastmcp');
  });
  it('npm names keep their punctuation', () => {
    assert.equal(normalizePackageName('npm', '@ModelContextProtocol/SDK'), '@modelcontextprotocol/sdk');
    assert.notEqual(normalizePackageName('npm', 'mcp_server'), normalizePackageName('npm', 'mcp-server'));
  });
  it('canonical ecosystem spelling', () => {
    assert.equal(canonicalEcosystem('pypi'), 'PyPI');
    assert.equal(canonicalEcosystem('NPM'), 'npm');
    assert.equal(canonicalEcosystem('Debian:12'), 'Debian:12');
  });
  it('compares versions of unknown ecosystems by PEP 440, then SemVer', () => {
    assert.equal(compareAnyVersions('1.27.0', '1.9.0'), 1);
    assert.equal(compareAnyVersions('1.0.0-fork', '1.0.0'), -1);
    assert.equal(compareAnyVersions('abc', '1.0'), undefined);
  });
});
