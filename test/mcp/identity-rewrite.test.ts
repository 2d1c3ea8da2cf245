import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type IdentityPolicy, rewriteIdentity } from '../../src/mcp/identity-rewrite.js';

const base: IdentityPolicy = {
  replace: { name: 'mcp-server', version: '1.0.0' },
  remove: ['title', 'websiteUrl', 'icons', 'description'],
  metaKey: 'io.modelcontextprotocol/serverInfo',
  resultFields: ['instructions'],
  strip: 'versions',
};

const META = 'io.modelcontextprotocol/serverInfo';

describe('identity rewrite (JSON edited in place)', () => {
  it('makes initialize serverInfo generic and drops title, websiteUrl and icons', () => {
    const text = JSON.stringify({
      result: {
        protocolVersion: '2025-11-25',
        serverInfo: {
          name: 'acme',
          version: '2.3.4',
          title: 'Acme 2.3.4',
          websiteUrl: 'https://a',
          icons: [{ src: 'x' }],
          extra: 1,
        },
        instructions: 'Use v2.3.4 wisely',
      },
      jsonrpc: '2.0',
      id: 1,
    });
    const out = JSON.parse(rewriteIdentity(text, base)!);
    assert.deepEqual(out.result.serverInfo, { name: 'mcp-server', version: '1.0.0', extra: 1 });
    assert.equal(out.result.instructions, undefined);
    assert.equal(out.result.protocolVersion, '2025-11-25');
    assert.equal(out.id, 1);
  });

  it('rewrites _meta serverInfo on every 2026-07-28 result and in batches', () => {
    const one = (id: number) => ({
      jsonrpc: '2.0',
      id,
      result: {
        resultType: 'complete',
        _meta: { [META]: { name: 'acme', version: '3.0.0' }, other: 'kept' },
      },
    });
    const out = JSON.parse(rewriteIdentity(JSON.stringify([one(1), one(2)]), base)!);
    for (const m of out) {
      assert.deepEqual(m.result._meta[META], { name: 'mcp-server', version: '1.0.0' });
      assert.equal(m.result._meta.other, 'kept');
    }
  });

  it('keeps every other byte: spacing, key order, escapes and big numbers', () => {
    const text =
      '{ "id" : 12345678901234567890 , "result" : { "a":1.50, "serverInfo" : {"name":"x","version":"9"} ,"s":"\\u00e9\\"q" } ,"jsonrpc":"2.0"}';
    const out = rewriteIdentity(text, base)!;
    assert.equal(
      out,
      '{ "id" : 12345678901234567890 , "result" : { "a":1.50, "serverInfo" : {"name":"mcp-server","version":"1.0.0"} ,"s":"\\u00e9\\"q" } ,"jsonrpc":"2.0"}',
    );
  });

  it('removes a stripped field wherever it sits in the object', () => {
    for (const [text, expected] of [
      ['{"result":{"instructions":"v1.2","a":1},"id":1}', '{"result":{"a":1},"id":1}'],
      ['{"result":{"a":1,"instructions":"v1.2"},"id":1}', '{"result":{"a":1},"id":1}'],
      ['{"result":{"a":1,"instructions":"v1.2","b":2},"id":1}', '{"result":{"a":1,"b":2},"id":1}'],
      ['{"result":{"instructions":"v1.2"},"id":1}', '{"result":{},"id":1}'],
    ] as const) {
      assert.equal(rewriteIdentity(text, base), expected);
    }
    assert.equal(rewriteIdentity('{"result":{"instructions":"no version here"},"id":1}', base), undefined);
    assert.equal(
      rewriteIdentity('{"result":{"instructions":"anything"},"id":1}', { ...base, strip: 'always' }),
      '{"result":{},"id":1}',
    );
  });

  it('leaves a generic serverInfo, unrelated bodies and malformed JSON alone', () => {
    assert.equal(
      rewriteIdentity('{"result":{"serverInfo":{"name":"mcp-server","version":"1.0.0"}},"id":1}', base),
      undefined,
    );
    assert.equal(rewriteIdentity('{"result":{"tools":[]},"jsonrpc":"2.0","id":1}', base), undefined);
    assert.equal(rewriteIdentity('{"result":{"serverInfo":{"name":"x"', base), undefined);
    assert.equal(rewriteIdentity('not json serverInfo', base), undefined);
    // A serverInfo key nested below result is not the server's identity.
    assert.equal(
      rewriteIdentity('{"result":{"content":[{"serverInfo":{"name":"a"}}]},"id":1}', base),
      undefined,
    );
  });

  it('replaces in-band errors that disclose a stack trace, keeping the code', () => {
    const policy: IdentityPolicy = {
      ...base,
      errorDiscloses: (t) => /\bat \S+ \(\/[^)]+\.js:\d+/.test(t),
      genericError: (code) => ({ code: code === -32602 ? code : -32603, message: 'Internal error' }),
    };
    const text = JSON.stringify({
      jsonrpc: '2.0',
      id: 'a',
      error: { code: -32603, message: 'boom\n    at handler (/srv/app/node_modules/x/index.js:10:5)' },
    });
    assert.deepEqual(JSON.parse(rewriteIdentity(text, policy)!), {
      jsonrpc: '2.0',
      id: 'a',
      error: { code: -32603, message: 'Internal error' },
    });
    const harmless = '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Tool nope not found"}}';
    assert.equal(rewriteIdentity(harmless, policy), undefined);
  });
});
