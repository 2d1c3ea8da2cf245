import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineError, type LineParser, type LineRef, type WebserverEvent } from '../../src/logs/index.js';
import { packageRoot } from '../../src/util/paths.js';

/** Small access-log fixtures (test/fixtures/logs), one point each. */
export const logFixturesDir = join(packageRoot, 'test', 'fixtures', 'logs');

export function logFixture(name: string): string {
  return join(logFixturesDir, name);
}

/** The fixture's lines (without the final empty one). */
export function fixtureLines(name: string): string[] {
  const text = readFileSync(logFixture(name), 'utf8');
  return text.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);
}

/** Parses a line that must parse; fails the test with the parser's reason otherwise. */
export function ok(
  parse: LineParser,
  line: string,
  ref: LineRef = { source: 'f.log', line: 7, offset: 99 },
): WebserverEvent {
  const r = parse(line, ref);
  if (r instanceof LineError) assert.fail(`did not parse: ${r.reason}\n${line}`);
  return r;
}
