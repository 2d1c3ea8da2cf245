import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../src/util/errors.js';
import { detectionEngine as det, matches } from './helpers.js';

const m = (detection: string, ev: Record<string, unknown>, opts = {}) => matches(det(detection, opts), ev);

describe('Sigma values and modifiers', () => {
  it('plain values are case-insensitive whole-value matches', () => {
    const e = det('sel:\n  f: Admin\ncondition: sel');
    assert.ok(matches(e, { f: 'ADMIN' }));
    assert.ok(!matches(e, { f: 'administrator' }));
    assert.ok(!matches(e, {}));
  });

  it('contains, startswith, endswith and cased', () => {
    assert.ok(m('sel:\n  f|contains: PowerShell\ncondition: sel', { f: 'c:\\windows\\powershell.exe -nop' }));
    assert.ok(m('sel:\n  f|startswith: C:\\Win\ncondition: sel', { f: 'c:\\windows' }));
    assert.ok(!m('sel:\n  f|startswith: Win\ncondition: sel', { f: 'c:\\windows' }));
    assert.ok(m('sel:\n  f|endswith: .EXE\ncondition: sel', { f: 'run.exe' }));
    assert.ok(!m('sel:\n  f|endswith: .exe\ncondition: sel', { f: 'run.exe.txt' }));
    assert.ok(!m('sel:\n  f|contains|cased: PowerShell\ncondition: sel', { f: 'powershell' }));
    assert.ok(m('sel:\n  f|contains|cased: PowerShell\ncondition: sel', { f: 'x PowerShell y' }));
    assert.ok(!m('sel:\n  f|cased: Admin\ncondition: sel', { f: 'admin' }));
  });

  it('wildcards * and ? and their escapes', () => {
    assert.ok(m("sel:\n  f: 'prog?.exe'\ncondition: sel", { f: 'progA.exe' }));
    assert.ok(!m("sel:\n  f: 'prog?.exe'\ncondition: sel", { f: 'prog.exe' }));
    assert.ok(m("sel:\n  f: 'antivirus_V*.exe'\ncondition: sel", { f: 'Antivirus_V21.2.1.exe' }));
    assert.ok(m("sel:\n  f: 'a*b*c'\ncondition: sel", { f: 'a--b--c' }));
    assert.ok(!m("sel:\n  f: 'a*b*c'\ncondition: sel", { f: 'a--c--b' }));
    assert.ok(!m("sel:\n  f: 'ab*bc'\ncondition: sel", { f: 'abc' }), 'segments may not overlap');
    // \* and \? are literal; a backslash before anything else stays a backslash.
    assert.ok(m("sel:\n  f: 'what\\?'\ncondition: sel", { f: 'what?' }));
    assert.ok(!m("sel:\n  f: 'what\\?'\ncondition: sel", { f: 'whatX' }));
    assert.ok(m("sel:\n  f: 'a\\*b'\ncondition: sel", { f: 'a*b' }));
    assert.ok(!m("sel:\n  f: 'a\\*b'\ncondition: sel", { f: 'axxb' }));
    assert.ok(m("sel:\n  f: 'C:\\Windows\\System32'\ncondition: sel", { f: 'c:\\windows\\system32' }));
    // \\ is one backslash; \\* is a backslash then a wildcard; \\\* a backslash and a literal star.
    assert.ok(m("sel:\n  f: 'C:\\\\Windows'\ncondition: sel", { f: 'C:\\Windows' }));
    assert.ok(m("sel:\n  f: 'dir\\\\*'\ncondition: sel", { f: 'dir\\anything' }));
    assert.ok(m("sel:\n  f: 'dir\\\\\\*'\ncondition: sel", { f: 'dir\\*' }));
    assert.ok(!m("sel:\n  f: 'dir\\\\\\*'\ncondition: sel", { f: 'dir\\x' }));
    assert.ok(m("sel:\n  f: '\\\\\\\\server'\ncondition: sel", { f: '\\\\server' }));
  });

  it('value lists are OR, all makes them AND; maps are AND, lists of maps OR', () => {
    const any = det('sel:\n  f|contains: [aa, bb]\ncondition: sel');
    assert.ok(matches(any, { f: 'xbbx' }));
    const all = det('sel:\n  f|contains|all: [aa, bb]\ncondition: sel');
    assert.ok(!matches(all, { f: 'xbbx' }));
    assert.ok(matches(all, { f: 'bb aa' }));
    const map = det('sel:\n  a: 1\n  b: 2\ncondition: sel');
    assert.ok(matches(map, { a: 1, b: 2 }));
    assert.ok(!matches(map, { a: 1, b: 3 }));
    const maps = det('sel:\n  - a: 1\n  - b: 2\ncondition: sel');
    assert.ok(matches(maps, { a: 0, b: 2 }));
    assert.ok(!matches(maps, { a: 0, b: 0 }));
  });

  it('numbers match numbers and numeric strings, both ways', () => {
    const num = det('sel:\n  sc-status: 404\ncondition: sel');
    assert.ok(matches(num, { 'sc-status': 404 }));
    assert.ok(matches(num, { 'sc-status': '404' }));
    assert.ok(!matches(num, { 'sc-status': '4040' }));
    const str = det("sel:\n  sc-status: '404'\ncondition: sel");
    assert.ok(matches(str, { 'sc-status': 404 }));
    for (const [op, v, yes, no] of [
      ['gte', 400, [400, '404', 500.5], [399, '200', 'abc', null]],
      ['gt', 400, [401, '401'], [400, '400']],
      ['lt', 1.5, [1, '-3'], [1.5, 2]],
      ['lte', 1.5, [1.5, '1.5'], [1.6]],
    ] as const) {
      const e = det(`sel:\n  n|${op}: ${v}\ncondition: sel`);
      for (const y of yes) assert.ok(matches(e, { n: y }), `${op} ${v} should match ${y}`);
      for (const x of no) assert.ok(!matches(e, { n: x }), `${op} ${v} should not match ${x}`);
    }
    assert.ok(m('sel:\n  ok: true\ncondition: sel', { ok: 'True' }));
    assert.ok(!m('sel:\n  ok: true\ncondition: sel', { ok: false }));
  });

  it('null, empty string and exists', () => {
    const nul = det('sel:\n  f: null\ncondition: sel');
    assert.ok(matches(nul, {}));
    assert.ok(matches(nul, { f: null }));
    assert.ok(!matches(nul, { f: '' }));
    const empty = det("sel:\n  f: ''\ncondition: sel");
    assert.ok(matches(empty, { f: '' }));
    assert.ok(!matches(empty, {}));
    const exists = det('sel:\n  f|exists: true\ncondition: sel');
    assert.ok(matches(exists, { f: null }), 'exists checks presence, not value');
    assert.ok(!matches(exists, { g: 1 }));
    const absent = det('sel:\n  f|exists: false\ncondition: sel');
    assert.ok(matches(absent, { g: 1 }));
    assert.ok(!matches(absent, { f: '' }));
    assert.ok(m('sel:\n  f: x\nnotnull:\n  f: null\ncondition: not notnull', { f: 'y' }));
  });

  it('neq negates the item (a missing field is different too)', () => {
    const e = det('sel:\n  a: 1\n  f|neq: [GET, HEAD]\ncondition: sel');
    assert.ok(matches(e, { a: 1, f: 'POST' }));
    assert.ok(!matches(e, { a: 1, f: 'get' }));
    assert.ok(matches(e, { a: 1 }));
    assert.ok(m('sel:\n  n|neq: 5\ncondition: sel', { n: '6' }));
    assert.ok(!m('sel:\n  n|neq: 5\ncondition: sel', { n: '5' }));
  });

  it('re with i, m and s sub-modifiers (case-sensitive by default)', () => {
    assert.ok(m("sel:\n  f|re: '^ab+c$'\ncondition: sel", { f: 'abbbc' }));
    assert.ok(!m("sel:\n  f|re: '^ab+c$'\ncondition: sel", { f: 'ABC' }));
    assert.ok(m("sel:\n  f|re|i: '^ab+c$'\ncondition: sel", { f: 'ABC' }));
    assert.ok(m("sel:\n  f|re: '(?i)^ab+c$'\ncondition: sel", { f: 'ABC' }));
    assert.ok(!m("sel:\n  f|re: '^b$'\ncondition: sel", { f: 'a\nb' }));
    assert.ok(m("sel:\n  f|re|m: '^b$'\ncondition: sel", { f: 'a\nb' }));
    assert.ok(!m("sel:\n  f|re: 'a.b'\ncondition: sel", { f: 'a\nb' }));
    assert.ok(m("sel:\n  f|re|s: 'a.b'\ncondition: sel", { f: 'a\nb' }));
    assert.ok(m("sel:\n  f|re: 'b+'\ncondition: sel", { f: 'abba' }), 'unanchored search, as PCRE');
    assert.ok(m("sel:\n  f|re|startswith: 'ab'\ncondition: sel", { f: 'abz' }));
    assert.ok(!m("sel:\n  f|re|startswith: 'ab'\ncondition: sel", { f: 'zab' }));
    // Wildcard characters mean regex syntax here, not Sigma wildcards.
    assert.ok(m("sel:\n  f|re: 'a\\d*z'\ncondition: sel", { f: 'a123z' }));
  });

  it('cidr with IPv4, IPv6 and IPv4-mapped IPv6 addresses', () => {
    const e = det(
      "sel:\n  ip|cidr: ['10.0.0.0/8', '192.168.1.0/24', '2001:db8::/32', 'fe80::/10']\ncondition: sel",
    );
    for (const y of ['10.255.0.1', '192.168.1.77', '2001:db8:1::5', 'FE80::1%eth0', '::ffff:10.1.2.3'])
      assert.ok(matches(e, { ip: y }), y);
    for (const n of ['11.0.0.1', '192.168.2.1', '2001:db9::1', 'fec0::1', 'not-an-ip', '10.0.0', ''])
      assert.ok(!matches(e, { ip: n }), n);
    assert.ok(m("sel:\n  ip|cidr: '::ffff:0:0/96'\ncondition: sel", { ip: '127.0.0.1' }));
    assert.ok(m("sel:\n  ip|cidr: '203.0.113.5'\ncondition: sel", { ip: '203.0.113.5' }));
    assert.ok(!m("sel:\n  ip|cidr: '203.0.113.5'\ncondition: sel", { ip: '203.0.113.6' }));
  });

  it('base64 and base64offset (the three alignments)', () => {
    const b = det("sel:\n  f|base64|contains: 'http://evil'\ncondition: sel");
    assert.ok(matches(b, { f: `x ${Buffer.from('http://evil').toString('base64')} y` }));
    // Plain base64 keeps its padding, so it only finds whole encoded values.
    assert.ok(!matches(b, { f: Buffer.from('http://evil.example').toString('base64') }));
    const e = det("sel:\n  f|base64offset|contains: '/bin/bash'\ncondition: sel");
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const blob = Buffer.from(`${prefix}/bin/bash -c id`).toString('base64');
      assert.ok(matches(e, { f: `echo ${blob} | base64 -d` }), `offset ${prefix.length}`);
    }
    assert.ok(!matches(e, { f: Buffer.from('/bin/sh -c id').toString('base64') }));
  });

  it('utf16le, utf16be, utf16 (with BOM) and wide, alone or before base64', () => {
    const le = Buffer.from('cmd /c', 'utf16le').toString('latin1');
    assert.ok(m("sel:\n  f|wide|contains: 'cmd'\ncondition: sel", { f: `x${le}` }));
    assert.ok(m("sel:\n  f|utf16le|contains: 'cmd'\ncondition: sel", { f: le }));
    const be = Buffer.from('cmd', 'utf16le').swap16().toString('latin1');
    assert.ok(m("sel:\n  f|utf16be: 'cmd'\ncondition: sel", { f: be }));
    const ps = Buffer.from('IEX (New-Object Net.WebClient)', 'utf16le').toString('base64');
    assert.ok(
      m("sel:\n  f|utf16le|base64offset|contains: 'Net.WebClient'\ncondition: sel", {
        f: `powershell -enc ${ps}`,
      }),
    );
    assert.ok(
      m("sel:\n  f|wide|base64offset|contains: 'Net.WebClient'\ncondition: sel", {
        f: `powershell -enc ${ps}`,
      }),
    );
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ab', 'utf16le')]).toString('base64');
    assert.ok(m("sel:\n  f|utf16|base64: 'ab'\ncondition: sel", { f: bom }));
  });

  it('windash expands dashes that start a flag', () => {
    const e = det("sel:\n  cmd|windash|contains: ' -exec bypass'\ncondition: sel");
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015'])
      assert.ok(matches(e, { cmd: `powershell ${dash}exec bypass` }), dash);
    assert.ok(!matches(e, { cmd: 'powershell +exec bypass' }));
    // A dash inside a word is not a flag.
    const inner = det("sel:\n  cmd|windash: 'a-b'\ncondition: sel");
    assert.ok(!matches(inner, { cmd: 'a/b' }));
  });

  it('fieldref compares two fields of the same event', () => {
    const e = det('sel:\n  src|fieldref: dst\ncondition: sel');
    assert.ok(matches(e, { src: 'Host1', dst: 'host1' }));
    assert.ok(!matches(e, { src: 'host1', dst: 'host2' }));
    assert.ok(!matches(e, { src: 'host1' }));
    assert.ok(m('sel:\n  a|fieldref|contains: b\ncondition: sel', { a: 'xx-User-yy', b: 'user' }));
    assert.ok(m('sel:\n  a|fieldref|neq: b\ncondition: sel', { a: '1', b: '2' }));
    assert.ok(!m('sel:\n  a|fieldref|neq: b\ncondition: sel', { a: '1', b: 1 }));
  });

  it('expand substitutes caller-supplied placeholders', () => {
    const opts = { placeholders: { Servers: ['srv*', 'dc01'], Admins: ['root'] } };
    const e = det("sel:\n  host|expand: '%Servers%'\ncondition: sel", opts);
    assert.ok(matches(e, { host: 'SRV-12' }));
    assert.ok(matches(e, { host: 'dc01' }));
    assert.ok(!matches(e, { host: 'ws01' }));
    const mixed = det("sel:\n  user|expand|startswith: '\\%x%Admins%'\ncondition: sel", opts);
    assert.ok(matches(mixed, { user: '%xroot-1' }));
    // Without expand, %name% is literal.
    assert.ok(m("sel:\n  host: '%Servers%'\ncondition: sel", { host: '%servers%' }, opts));
    assert.throws(
      () => det("sel:\n  host|expand: '%Missing%'\ncondition: sel"),
      (e: unknown) => e instanceof UserError && /placeholder %Missing% has no values/.test(e.message),
    );
    const lenient = det("sel:\n  host|expand: '%Missing%'\ncondition: sel", { lenientPlaceholders: true });
    assert.ok(!matches(lenient, { host: '%Missing%' }));
    assert.equal(lenient.warnings[0]?.code, 'placeholder-missing');
  });

  it('time modifiers read parts of a date field', () => {
    const ev = { t: '2026-03-09T23:45:10+02:00' };
    assert.ok(m('sel:\n  t|hour: 23\ncondition: sel', ev), 'no timezone conversion');
    assert.ok(m('sel:\n  t|minute: 45\ncondition: sel', ev));
    assert.ok(m('sel:\n  t|day: 9\ncondition: sel', ev));
    assert.ok(m('sel:\n  t|month: 3\ncondition: sel', ev));
    assert.ok(m('sel:\n  t|year: 2026\ncondition: sel', ev));
    assert.ok(m('sel:\n  t|week: 11\ncondition: sel', ev));
    assert.ok(!m('sel:\n  t|hour: [1, 2, 3]\ncondition: sel', ev));
    assert.ok(m('sel:\n  t|hour: 22\ncondition: sel', { t: Date.UTC(2026, 0, 1, 22) }));
  });

  it('keywords search _raw when present, otherwise every value', () => {
    const e = det("keywords:\n  - 'evil.exe'\n  - 'BAD*THING'\ncondition: keywords");
    assert.ok(matches(e, { _raw: 'GET /download/EVIL.EXE HTTP/1.1', path: '/x' }));
    assert.ok(!matches(e, { _raw: 'GET /x HTTP/1.1', path: '/download/evil.exe' }), 'only _raw when present');
    assert.ok(matches(e, { path: '/download/evil.exe' }));
    assert.ok(matches(e, { nested: { list: ['a bad other thing'] } }));
    assert.ok(matches(e, { n: 1, s: 'xx badTHING' }));
    const all = det("keywords:\n  '|all': [alpha, beta]\ncondition: keywords");
    assert.ok(matches(all, { _raw: 'beta then alpha' }));
    assert.ok(!matches(all, { _raw: 'only alpha' }));
    const re = det("keywords:\n  '|re': 'id=\\d+'\ncondition: keywords");
    assert.ok(matches(re, { _raw: 'GET /?id=42' }));
  });

  it('array fields match when an element matches', () => {
    const e = det('sel:\n  tags|contains: admin\ncondition: sel');
    assert.ok(matches(e, { tags: ['user', 'ADMINS'] }));
    assert.ok(!matches(e, { tags: ['user'] }));
    const all = det('sel:\n  args|contains|all: [-enc, hidden]\ncondition: sel');
    assert.ok(matches(all, { args: ['-enc', '-w hidden'] }));
  });

  it('dotted fields reach into nested objects, and fieldMap renames fields', () => {
    assert.ok(
      m('sel:\n  userIdentity.arn|endswith: :root\ncondition: sel', {
        userIdentity: { arn: 'arn:aws:iam::1:root' },
      }),
    );
    assert.ok(
      m('sel:\n  userIdentity.arn|endswith: :root\ncondition: sel', {
        'userIdentity.arn': 'arn:aws:iam::1:root',
      }),
    );
    const e = det('sel:\n  cs-user-agent|contains: curl\ncondition: sel', {
      fieldMap: { 'cs-user-agent': 'user_agent' },
    });
    assert.ok(matches(e, { user_agent: 'curl/8.0' }));
    assert.ok(!matches(e, { 'cs-user-agent': 'curl/8.0' }));
  });
});
