import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createParser } from 'eventsource-parser';
import { type IdentityPolicy, identityTriggers, rewriteIdentity } from '../../src/mcp/identity-rewrite.js';
import { SseRewriter } from '../../src/mcp/sse-rewrite.js';

const policy: IdentityPolicy = {
  replace: { name: 'mcp-server', version: '1.0.0' },
  remove: ['title', 'websiteUrl', 'icons', 'description'],
  metaKey: 'io.modelcontextprotocol/serverInfo',
  resultFields: ['instructions'],
  strip: 'versions',
};

function rewriter(out: Buffer[], max?: number): SseRewriter {
  return new SseRewriter(
    {
      triggers: identityTriggers(policy),
      rewrite: (d) => rewriteIdentity(d, policy),
      ...(max ? { maxEventBytes: max } : {}),
    },
    (b) => out.push(Buffer.from(b)),
  );
}

function run(chunks: readonly Buffer[], max?: number): string {
  const out: Buffer[] = [];
  const r = rewriter(out, max);
  for (const c of chunks) r.write(c);
  r.end();
  return Buffer.concat(out).toString('utf8');
}

/** The events an SSE client would see. */
function events(text: string): { event?: string; id?: string; data: string }[] {
  const out: { event?: string; id?: string; data: string }[] = [];
  const p = createParser({
    onEvent: (e) =>
      out.push({
        data: e.data,
        ...(e.event ? { event: e.event } : {}),
        ...(e.id ? { id: e.id } : {}),
      }),
  });
  // The parser waits for a possible LF after a final CR; an LF there changes no event.
  p.feed(text.endsWith('\r') ? `${text}\n` : text);
  return out;
}

const init = (id: number, name = 'acme-mcp', version = '2.3.4') =>
  JSON.stringify({
    result: {
      protocolVersion: '2025-06-18',
      capabilities: { tools: {} },
      serverInfo: { name, version, title: `Acme ${version}` },
      instructions: `Acme v${version}`,
    },
    jsonrpc: '2.0',
    id,
  });
const modern = (id: number) =>
  JSON.stringify({
    result: {
      tools: [],
      n: 0,
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'acme', version: '9.9.9' } },
    },
    jsonrpc: '2.0',
    id,
  }).replace('"n":0', '"n":12345678901234567890');

const SAMPLES: Record<string, string> = {
  lf: `: keepalive\n\nid: 1\nevent: message\ndata: ${init(1)}\n\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}}\n\n`,
  crlf: `retry: 3000\r\nid: a-1\r\nevent: message\r\ndata: ${modern(2)}\r\n\r\n: ping - 2025-01-01\r\n\r\nevent: message\r\ndata: ${init(3)}\r\n\r\n`,
  cr: `event: message\rdata: ${init(4)}\r\rdata: plain text, not JSON\r\r`,
  mixed: `id: 9\r\ndata: ${init(5)}\n\r\ndata: {"not":"json"\n\nevent: endpoint\ndata: /messages?sessionId=abc\n\n`,
  multiline: `event: message\ndata: {"result":{"serverInfo":\ndata: {"name":"x","version":"1.2.3"}},\ndata: "jsonrpc":"2.0","id":6}\n\n`,
};

describe('SSE rewriter', () => {
  for (const [name, sample] of Object.entries(SAMPLES)) {
    it(`gives the same output for every split of the ${name} sample`, () => {
      const buf = Buffer.from(sample);
      const whole = run([buf]);
      for (let i = 1; i < buf.length; i++) {
        assert.equal(run([buf.subarray(0, i), buf.subarray(i)]), whole, `split at byte ${i}`);
      }
      // and byte by byte
      assert.equal(run([...buf].map((b) => Buffer.from([b]))), whole);
    });
  }

  it('rewrites serverInfo and _meta, strips versioned instructions, keeps everything else', () => {
    const out = run([Buffer.from(SAMPLES['lf']! + SAMPLES['crlf']!)]);
    assert.doesNotMatch(out, /acme|2\.3\.4|9\.9\.9/);
    const evs = events(out);
    const first = JSON.parse(evs[0]!.data);
    assert.deepEqual(first.result.serverInfo, { name: 'mcp-server', version: '1.0.0' });
    assert.equal(first.result.instructions, undefined);
    assert.equal(evs[0]!.id, '1');
    assert.equal(evs[0]!.event, 'message');
    // Untouched events keep their bytes; ids, retry and comments stay where they were.
    assert.ok(out.includes(': keepalive\n\n'));
    assert.ok(out.includes('retry: 3000\r\nid: a-1\r\nevent: message\r\n'));
    assert.ok(out.includes(': ping - 2025-01-01\r\n\r\n'));
    assert.ok(out.includes('"params":{"level":"info","data":"hi"}}\n\n'));
    // Numbers beyond 2^53 survive (the JSON is edited, not re-serialised).
    assert.ok(out.includes('"n":12345678901234567890'));
  });

  it('keeps each event in its own line-ending style', () => {
    const out = run([Buffer.from(SAMPLES['crlf']!)]);
    assert.doesNotMatch(out, /[^\r]\n/);
    const cr = run([Buffer.from(SAMPLES['cr']!)]);
    assert.doesNotMatch(cr, /\n/);
    assert.equal(events(cr).length, 2);
    assert.equal(events(cr)[1]!.data, 'plain text, not JSON');
  });

  it('joins multi-line data before rewriting, as a client would', () => {
    const out = run([Buffer.from(SAMPLES['multiline']!)]);
    const ev = events(out)[0]!;
    assert.deepEqual(JSON.parse(ev.data).result.serverInfo, { name: 'mcp-server', version: '1.0.0' });
  });

  it('passes non-JSON data and events without triggers through byte for byte', () => {
    const s = 'data: serverInfo is a word here\n\nevent: x\ndata: {"broken":\n\n';
    assert.equal(run([Buffer.from(s)]), s);
    const plain = ': c\n\nid: 5\ndata: hello\n\n';
    assert.equal(run([Buffer.from(plain)]), plain);
  });

  it('rewrites a huge event that fits the limit, split in many chunks', () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const msg = `{"result":{"content":[{"type":"text","text":"${big}"}],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"acme","version":"7.7.7"}}},"jsonrpc":"2.0","id":1}`;
    const buf = Buffer.from(`event: message\ndata: ${msg}\n\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < buf.length; i += 16_384) chunks.push(buf.subarray(i, i + 16_384));
    const out = run(chunks);
    assert.doesNotMatch(out, /7\.7\.7/);
    assert.equal(JSON.parse(events(out)[0]!.data).result.content[0].text.length, big.length);
  });

  it('passes an event larger than the hold limit through untouched, and recovers after it', () => {
    const big = `data: {"serverInfo":{"name":"acme","version":"1.2.3"},"pad":"${'y'.repeat(5000)}"}\n\n`;
    const next = `data: ${init(7)}\n\n`;
    const buf = Buffer.from(big + next);
    const chunks: Buffer[] = [];
    for (let i = 0; i < buf.length; i += 700) chunks.push(buf.subarray(i, i + 700));
    const out: Buffer[] = [];
    const r = rewriter(out, 1024);
    for (const c of chunks) r.write(c);
    r.end();
    const text = Buffer.concat(out).toString();
    assert.ok(text.startsWith(big), 'the oversize event is passed as it was');
    assert.equal(r.stats.oversize, 1);
    assert.deepEqual(JSON.parse(events(text)[1]!.data).result.serverInfo, {
      name: 'mcp-server',
      version: '1.0.0',
    });
    assert.ok(r.held <= 1024);
  });

  it('emits complete events as soon as they are complete (no buffering of the stream)', () => {
    const out: Buffer[] = [];
    const r = rewriter(out);
    r.write(Buffer.from('data: one\n\ndata: tw'));
    assert.equal(Buffer.concat(out).toString(), 'data: one\n\n');
    assert.equal(r.held, 'data: tw'.length);
    r.write(Buffer.from('o\n\n'));
    assert.equal(Buffer.concat(out).toString(), 'data: one\n\ndata: two\n\n');
    assert.equal(r.held, 0);
  });
});
