import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  buildCollection,
  compileCollection,
  lintCollection,
  loadSigmaFiles,
  parseSigmaDocuments,
  ruleToJSON,
  subsetCollection,
  validateRuleFile,
} from '../../src/sigma/index.js';
import { UserError } from '../../src/util/errors.js';
import { sharedDataDir } from '../helpers/shared.js';
import { detectionEngine as det, engineOf, matches, titles } from './helpers.js';

const specDir = join(sharedDataDir, 'sigma-spec', 'tests', 'schema');
const tmp = mkdtempSync(join(tmpdir(), 'mcpward-sigma-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Asserts a UserError whose one-line form matches every pattern. */
function throwsUser(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    const line = e.oneLine();
    assert.ok(!line.includes('\n'));
    for (const p of patterns) assert.match(line, p);
    return true;
  });
}

describe('conditions', () => {
  const ev = (a: boolean, b: boolean, c: boolean) => ({ a: a ? 1 : 0, b: b ? 1 : 0, c: c ? 1 : 0 });
  const sels = 'a:\n  a: 1\nb:\n  b: 1\nc:\n  c: 1\n';

  it('or < and < not: a or b and not c', () => {
    const e = det(`${sels}condition: a or b and not c`);
    for (const a of [false, true])
      for (const b of [false, true])
        for (const c of [false, true])
          assert.equal(matches(e, ev(a, b, c)), a || (b && !c), `a=${a} b=${b} c=${c}`);
  });

  it('not binds tighter than and; parentheses override', () => {
    const e = det(`${sels}condition: not a and b`);
    assert.ok(matches(e, ev(false, true, false)));
    assert.ok(!matches(e, ev(true, true, false)));
    const p = det(`${sels}condition: not (a and b)`);
    assert.ok(matches(p, ev(true, false, false)));
    const q = det(`${sels}condition: (a or b) and c`);
    assert.ok(!matches(q, ev(true, false, false)));
    assert.ok(matches(q, ev(true, false, true)));
  });

  it('1 of / any of / all of patterns and them', () => {
    const d = 'sel_a:\n  a: 1\nsel_b:\n  b: 1\nfilter_x:\n  c: 1\n_hidden:\n  d: 1\n';
    const one = det(`${d}condition: 1 of sel_* and not 1 of filter*`);
    assert.ok(matches(one, { b: 1 }));
    assert.ok(!matches(one, { b: 1, c: 1 }));
    assert.ok(!matches(one, { c: 1 }));
    const any = det(`${d}condition: any of sel_*`);
    assert.ok(matches(any, { a: 1 }));
    const all = det(`${d}condition: all of sel_*`);
    assert.ok(!matches(all, { a: 1 }));
    assert.ok(matches(all, { a: 1, b: 1 }));
    const them = det(`${d}condition: all of them`);
    assert.ok(matches(them, { a: 1, b: 1, c: 1 }), '_hidden is not part of them');
    const oneThem = det(`${d}condition: 1 of them`);
    assert.ok(!matches(oneThem, { d: 1 }));
    assert.ok(matches(oneThem, { c: 1 }));
  });

  it('a list of conditions is OR-linked', () => {
    const e = det(`${sels}condition:\n  - a and b\n  - c`);
    assert.ok(matches(e, ev(false, false, true)));
    assert.ok(matches(e, ev(true, true, false)));
    assert.ok(!matches(e, ev(true, false, false)));
  });
});

describe('errors name the file, the rule and the key', () => {
  const rule = (detection: string, extra = '') =>
    `title: Broken rule\nid: 5a1a8e4c-7f44-4bb3-9c4a-2f0f7b9e1c11\n${extra}logsource:\n  category: webserver\ndetection:\n${detection}`;

  it('bad YAML', () => {
    throwsUser(
      () => parseSigmaDocuments('title: [unclosed\nlogsource: {}\n', 'bad.yml'),
      /^bad\.yml:\d+:\d+: YAML syntax error/,
    );
  });

  it('unknown modifier, with a suggestion and the line of the key', () => {
    throwsUser(
      () => parseSigmaDocuments(rule('  sel:\n    cs-uri|contians: x\n  condition: sel\n'), 'r.yml'),
      /^r\.yml:7:5: rule 'Broken rule': detection\.sel\.cs-uri\|contians: unknown modifier 'contians'.*did you mean 'contains'/,
    );
  });

  it('unknown search identifier, bad condition syntax, Sigma 1 aggregations, uppercase operators', () => {
    throwsUser(
      () => parseSigmaDocuments(rule('  sel:\n    a: 1\n  condition: sel and selection2\n'), 'r.yml'),
      /r\.yml:8:\d+: rule 'Broken rule': detection\.condition: unknown search identifier 'selection2'.*'sel'/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule('  sel:\n    a: 1\n  condition: sel and and sel\n'), 'r.yml'),
      /detection\.condition: expected a search identifier.*position 9/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule('  sel:\n    a: 1\n  condition: (sel\n'), 'r.yml'),
      /missing '\)'/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule('  sel:\n    a: 1\n  condition: sel and\n'), 'r.yml'),
      /expected a search identifier.*at the end/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule('  sel:\n    a: 1\n  condition: sel | count() > 5\n'), 'r.yml'),
      /aggregations .* removed in Sigma 2; write a correlation rule/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule('  sel:\n    a: 1\n  f:\n    b: 1\n  condition: sel AND f\n'), 'r.yml'),
      /'AND' is not an operator/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule('  sel:\n    a: 1\n  condition: 1 of filter*\n'), 'r.yml'),
      /pattern 'filter\*' matches no search identifier/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule('  sel:\n    a: 1\n'), 'r.yml'),
      /detection: 'condition' is required/,
    );
  });

  it('invalid values for modifiers', () => {
    const cases: [string, RegExp][] = [
      ['  sel:\n    a|contains|all: x\n  condition: sel\n', /'all' needs a list of at least two values/],
      ["  sel:\n    a|re: '(unclosed'\n  condition: sel\n", /invalid regular expression/],
      ["  sel:\n    a|cidr: '10.0.0.0/33'\n  condition: sel\n", /'cidr' needs an IPv4 or IPv6 network/],
      ['  sel:\n    a|exists: yes please\n  condition: sel\n', /'exists' needs true or false/],
      [
        "  sel:\n    a|contains|base64: 'x'\n  condition: sel\n",
        /'base64' cannot encode wildcards.*put 'contains' after 'base64'/,
      ],
      ['  sel:\n    a|gte: many\n  condition: sel\n', /'gte' compares numbers/],
      ['  sel:\n    a|re|cidr: x\n  condition: sel\n', /'re' and 'cidr' cannot be combined/],
      ['  sel:\n    a|i: x\n  condition: sel\n', /'i' is a sub-modifier of 're'/],
      ["  sel:\n    a:\n      - ''\n      - null\n  condition: sel\n", /null cannot be part of a list/],
      [
        '  sel:\n    a:\n      b: c\n  condition: sel\n',
        /must be a string, number, boolean, null or a list of them, not a map/,
      ],
      ['  sel:\n    a|hour: 25\n  condition: sel\n', /'hour' needs a whole number from 0 to 23/],
      [
        '  sel:\n    a: 1\n  timeframe: 5m\n  condition: sel\n',
        /'timeframe' belongs to Sigma 1 aggregations/,
      ],
      ['  sel: []\n  condition: sel\n', /detection\.sel: is an empty list/],
      [
        "  sel:\n    a|windash: ' -a -b -c -d -e -f'\n  condition: sel\n",
        /expands to more than 10000 values/,
      ],
    ];
    for (const [d, re] of cases)
      throwsUser(() => parseSigmaDocuments(rule(d), 'r.yml'), /rule 'Broken rule'/, re);
  });

  it('metadata is validated against the specification', () => {
    const ok = '  sel:\n    a: 1\n  condition: sel\n';
    throwsUser(
      () => parseSigmaDocuments('logsource: {}\ndetection:\n  sel: {a: 1}\n  condition: sel\n', 'r.yml'),
      /rule \(untitled\): title: is required/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule(ok, 'level: severe\n'), 'r.yml'),
      /level: "severe" is not a valid level/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule(ok, 'status: beta\n'), 'r.yml'),
      /status: "beta" is not a valid status/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule(ok, 'date: 2025/09/23\n'), 'r.yml'),
      /date: '2025\/09\/23' uses slashes: Sigma 2 dates are YYYY-MM-DD/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule(ok, 'modified: 2025-13-01\n'), 'r.yml'),
      /modified: '2025-13-01' is not a date/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule(ok, 'tags: [Attack.T1190]\n'), 'r.yml'),
      /tags\[0\]: tag 'Attack\.T1190' must look like namespace\.value/,
    );
    throwsUser(
      () => parseSigmaDocuments(rule(ok, 'references: [a, a]\n'), 'r.yml'),
      /references\[1\]: duplicate reference 'a'/,
    );
    throwsUser(
      () => parseSigmaDocuments(`title: T\nid: not-a-uuid\nlogsource: {}\ndetection:\n${ok}`, 'r.yml'),
      /id: must be a UUID/,
    );
    throwsUser(() => parseSigmaDocuments('title: T\nid: 1234\n', 'r.yml'), /rule 'T'/);
  });

  it('duplicate ids across files, and correlations that refer to missing rules', () => {
    const a = join(tmp, 'dup-a.yml');
    const b = join(tmp, 'dup-b.yml');
    writeFileSync(a, rule('  sel:\n    a: 1\n  condition: sel\n'));
    writeFileSync(b, rule('  sel:\n    b: 1\n  condition: sel\n'));
    throwsUser(
      () => loadSigmaFiles([a, b]),
      /dup-b\.yml:1: rule 'Broken rule': id 5a1a8e4c-.* is already used by 'Broken rule' \(.*dup-a\.yml:1\)/,
    );
    const corr =
      'title: Many\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [User]\n  timespan: 5m\n  condition: {gte: 3}\n';
    throwsUser(
      () => engineOf(corr, {}, 'c.yml'),
      /^c\.yml:1: correlation 'Many': correlation\.rules\[0\]: 'failed_login' is not the id or name of any loaded rule/,
    );
  });

  it('correlation sections', () => {
    const base = (c: string, top = '') => `title: C\n${top}correlation:\n${c}`;
    throwsUser(
      () =>
        parseSigmaDocuments(
          base('  type: event_cnt\n  rules: [r1]\n  group-by: []\n  timespan: 1m\n  condition: {gte: 1}\n'),
          'c.yml',
        ),
      /correlation\.type: "event_cnt" is not a correlation type \(did you mean 'event_count'\?\)/,
    );
    throwsUser(
      () =>
        parseSigmaDocuments(
          base('  type: temporal\n  rules: [r1, r2]\n  group-by: [a]\n', 'timespan: 60m\n'),
          'c.yml',
        ),
      /'timespan' is required.*move it under correlation/,
    );
    throwsUser(
      () =>
        parseSigmaDocuments(
          base('  type: temporal\n  rules: [r1, r2]\n  group-by: [a]\n  timespan: 1h30m\n'),
          'c.yml',
        ),
      /"1h30m" is not a timespan.*90m/,
    );
    throwsUser(
      () => parseSigmaDocuments(base('  type: temporal\n  rules: [r1, r2]\n  timespan: 30m\n'), 'c.yml'),
      /'group-by' is required.*group-by: \[\]/,
    );
    throwsUser(
      () =>
        parseSigmaDocuments(
          base(
            '  type: value_count\n  rules: [r1]\n  group-by: [a]\n  timespan: 1m\n  condition: {gte: 2}\n',
          ),
          'c.yml',
        ),
      /value_count needs 'field'/,
    );
    throwsUser(
      () =>
        parseSigmaDocuments(
          base(
            '  type: event_count\n  rules: [r1]\n  group_by: [a]\n  timespan: 1m\n  condition: {gte: 2}\n',
          ),
          'c.yml',
        ),
      /correlation\.group_by: unknown correlation key \(did you mean 'group-by'\?\)/,
    );
    throwsUser(
      () =>
        parseSigmaDocuments(
          base('  type: event_count\n  rules: [r1]\n  group-by: [a]\n  timespan: 1m\n'),
          'c.yml',
        ),
      /'condition' is required for event_count/,
    );
  });
});

describe('loading', () => {
  it('multi-document files and the global / reset / repeat collection actions', () => {
    const docs = parseSigmaDocuments(
      `action: global
title: Web probe
logsource: {category: webserver}
detection:
  sel:
    cs-method: GET
  condition: sel and path
---
detection:
  path:
    cs-uri-stem: /version
---
title: Web probe (status)
detection:
  path:
    cs-uri-stem: /status
---
action: repeat
title: Web probe (health)
detection:
  path:
    cs-uri-stem: /health
---
action: reset
---
title: Standalone
logsource: {category: webserver}
detection:
  sel: {cs-method: POST}
  condition: sel
`,
      'col.yml',
    );
    assert.deepEqual(
      docs.map((d) => d.title),
      ['Web probe', 'Web probe (status)', 'Web probe (health)', 'Standalone'],
    );
    const e = engineOf('', {});
    assert.equal(e.rules.length, 0);
    const engine = compileCollection({
      rules: docs.filter((d) => d.kind === 'rule'),
      correlations: [],
      filters: [],
      sources: [],
    });
    assert.deepEqual(titles(engine, { 'cs-method': 'GET', 'cs-uri-stem': '/health' }), [
      'Web probe (health)',
    ]);
    assert.deepEqual(titles(engine, { 'cs-method': 'GET', 'cs-uri-stem': '/version' }), ['Web probe']);
    assert.deepEqual(titles(engine, { 'cs-method': 'POST', 'cs-uri-stem': '/version' }), ['Standalone']);
    assert.equal(docs[3]!.source.document, 6);
    throwsUser(
      () => parseSigmaDocuments('action: repeat\ntitle: x\n', 'a.yml'),
      /'repeat' needs a previous rule/,
    );
    throwsUser(() => parseSigmaDocuments('action: merge\n', 'a.yml'), /unknown collection action "merge"/);
  });

  it('directories (recursively) and globs', () => {
    const dir = join(tmp, 'pack');
    mkdirSync(join(dir, 'web', 'deep'), { recursive: true });
    const r = (t: string) =>
      `title: ${t}\nlogsource: {category: webserver}\ndetection:\n  sel: {a: '${t}'}\n  condition: sel\n`;
    writeFileSync(join(dir, 'one.yml'), r('one'));
    writeFileSync(join(dir, 'web', 'two.yaml'), r('two'));
    writeFileSync(join(dir, 'web', 'deep', 'three.yml'), r('three'));
    writeFileSync(join(dir, 'web', 'notes.txt'), 'not a rule');
    assert.deepEqual(
      loadSigmaFiles(dir)
        .rules.map((x) => x.title)
        .sort(),
      ['one', 'three', 'two'],
    );
    assert.deepEqual(
      loadSigmaFiles(`${dir}/**/t*.y*ml`)
        .rules.map((x) => x.title)
        .sort(),
      ['three', 'two'],
    );
    throwsUser(() => loadSigmaFiles(`${dir}/**/*.nothing`), /no files match this pattern/);
    throwsUser(() => loadSigmaFiles(join(dir, 'missing.yml')), /no such file or directory/);
  });

  it('the specification examples load', () => {
    for (const f of [
      'rules/rule_1.yml',
      'rules/rule_ecs.yml',
      'filter/filter_1.yml',
      'filter/filter_ecs.yml',
    ]) {
      assert.equal(loadSigmaFiles(join(specDir, f)).sources.length, 1, f);
    }
    // Two of them share an id (the ECS variant), so each is loaded on its own.
    const types = [
      'event_count',
      'event_count_ecs',
      'value_count',
      'temporal',
      'temporal_ordered',
      'value_sum',
      'value_avg',
      'value_percentile',
    ].map((f) => loadSigmaFiles(join(specDir, 'correlation', `${f}.yml`)).correlations[0]!.type);
    assert.deepEqual(types.sort(), [
      'event_count',
      'event_count',
      'temporal',
      'temporal_ordered',
      'value_avg',
      'value_count',
      'value_percentile',
      'value_sum',
    ]);
  });

  it('SigmaHQ correlation examples: conforming ones load, the others fail with a clear reason', () => {
    const dir = join(sharedDataDir, 'sigmahq-web', 'correlation-examples');
    for (const f of ['pull-6085', 'pull-5903', 'pull-6168']) {
      const col = loadSigmaFiles(join(dir, f));
      assert.equal(compileCollection(col).correlations.length, 1, f);
    }
    throwsUser(() => loadSigmaFiles(join(dir, 'pull-5010')), /'group-by' is required/);
    throwsUser(
      () => loadSigmaFiles(join(dir, 'pull-5415', 'proc_creation_discovery_ransomware.yml')),
      /references: must be a list|timespan/,
    );
    throwsUser(() => loadSigmaFiles(join(dir, 'pull-5729')), /uses slashes/);
  });

  it('the SAFE-T1604 seed rule loads; lint points its frequency fields to correlation rules', () => {
    const file = join(sharedDataDir, 'safe-mcp', 'techniques', 'SAFE-T1604', 'detection-rule.yml');
    const col = loadSigmaFiles(file);
    const engine = compileCollection(col);
    // EventCount and TimeWindow are just fields to Sigma: the endpoint + scanner branch still works.
    assert.deepEqual(titles(engine, { 'cs-uri-stem': '/api/version', 'cs-user-agent': 'curl/8.0' }), [
      'MCP Server Version Enumeration Attempt',
    ]);
    assert.deepEqual(titles(engine, { 'cs-uri-stem': '/api/version', 'cs-user-agent': 'Firefox' }), []);
    const warnings = lintCollection(col);
    const w = warnings.find((x) => x.code === 'frequency-in-detection');
    assert.ok(w, JSON.stringify(warnings));
    assert.match(
      w.message,
      /'EventCount\|gte' and 'TimeWindow'.*attempted frequency condition.*correlation rule/,
    );
    assert.match(w.where, /detection-rule\.yml:\d+$/);
    const v = validateRuleFile(file);
    assert.ok(v.warnings.some((x) => x.code === 'frequency-in-detection'));
  });

  it('subsetCollection keeps the chosen rules and the correlations that still resolve', () => {
    const docs = parseSigmaDocuments(
      `title: Web
name: web_rule
logsource: {category: webserver}
detection: {sel: {a: 1}, condition: sel}
---
title: Proxy
name: proxy_rule
logsource: {category: proxy}
detection: {sel: {a: 1}, condition: sel}
---
title: Count web
name: count_web
correlation: {type: event_count, rules: [web_rule], group-by: [], timespan: 1m, condition: {gte: 2}}
---
title: Count both
correlation: {type: event_count, rules: [web_rule, proxy_rule], group-by: [], timespan: 1m, condition: {gte: 2}}
---
title: Chain
correlation: {type: temporal, rules: [count_web], group-by: [], timespan: 1m}
`,
      's.yml',
    );
    const col = subsetCollection(buildCollection(docs), (r) => r.logsource.category === 'webserver');
    assert.deepEqual(
      col.rules.map((r) => r.title),
      ['Web'],
    );
    assert.deepEqual(
      col.correlations.map((c) => c.title),
      ['Count web', 'Chain'],
    );
    assert.equal(compileCollection(col).correlations.length, 2);
  });

  it('fields named like Object.prototype members are read from the event only', () => {
    const e = det('sel:\n  constructor|exists: true\ncondition: sel');
    assert.ok(!matches(e, { a: 1 }));
    assert.ok(matches(e, { constructor: 'x' }));
  });

  it('ruleToJSON gives a plain view of a parsed rule', () => {
    const [doc] = parseSigmaDocuments(
      "title: J\nlogsource: {}\ndetection:\n  sel:\n    a|contains: 'x*y'\n  condition: not sel\n",
      'j.yml',
    );
    const json = ruleToJSON(doc!) as { detection: { searches: Record<string, unknown>; condition: unknown } };
    assert.deepEqual(json.detection.condition, { t: 'not', arg: { t: 'id', name: 'sel' } });
    assert.match(JSON.stringify(json.detection.searches), /"\*x\*y\*"/);
  });
});

describe('filters', () => {
  const rules = `title: Admin tool
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource: {category: process_creation, product: windows}
detection:
  sel: {Image|endswith: '\\rar.exe'}
  condition: sel
---
title: Other
name: other_rule
logsource: {category: process_creation, product: windows}
detection:
  sel: {Image|endswith: '\\7z.exe'}
  condition: sel
`;
  const filter = (
    ruleRefs: string,
    cond = 'not selection',
    ls = '{category: process_creation, product: windows}',
  ) =>
    `---\ntitle: Filter admins\nlogsource: ${ls}\nfilter:\n  rules: ${ruleRefs}\n  selection:\n    User|startswith: 'adm_'\n  condition: ${cond}\n`;

  it('attach exclusions to the rules they name', () => {
    const e = engineOf(rules + filter('[6f3e2987-db24-4c78-a860-b4f4095a7095]'));
    assert.deepEqual(titles(e, { Image: 'C:\\rar.exe', User: 'adm_bob' }), []);
    assert.deepEqual(titles(e, { Image: 'C:\\rar.exe', User: 'bob' }), ['Admin tool']);
    assert.deepEqual(titles(e, { Image: 'C:\\7z.exe', User: 'adm_bob' }), ['Other']);
    assert.deepEqual(e.rules[0]!.filters, ['Filter admins']);
  });

  it("by name, or 'any' rule of the filter's log source", () => {
    const byName = engineOf(rules + filter('[other_rule]'));
    assert.deepEqual(titles(byName, { Image: 'C:\\7z.exe', User: 'adm_x' }), []);
    const any = engineOf(rules + filter('any'));
    assert.deepEqual(titles(any, { Image: 'C:\\7z.exe', User: 'adm_x' }), []);
    const otherSource = engineOf(rules + filter('any', 'not selection', '{category: webserver}'));
    assert.deepEqual(titles(otherSource, { Image: 'C:\\7z.exe', User: 'adm_x' }), ['Other']);
  });

  it('warn about filters that do nothing or keep only what they match', () => {
    const e = engineOf(rules + filter('[00000000-0000-4000-8000-000000000000]'));
    assert.equal(e.warnings[0]?.code, 'filter-unresolved');
    const docs = parseSigmaDocuments(rules + filter('[other_rule]', 'selection'), 'f.yml');
    const col = {
      rules: docs.filter((d) => d.kind === 'rule'),
      correlations: [],
      filters: docs.filter((d) => d.kind === 'filter'),
      sources: [],
    };
    assert.ok(lintCollection(col).some((w) => w.code === 'filter-not-negated'));
  });
});
