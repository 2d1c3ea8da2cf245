import {
  buildCollection,
  type CompileOptions,
  compileCollection,
  parseSigmaDocuments,
  type SigmaEngine,
  type SigmaEvent,
} from '../../src/sigma/index.js';

/** Compiles Sigma YAML text (one or more documents) into an engine. */
export function engineOf(yaml: string, opts: CompileOptions = {}, source = 'test.yml'): SigmaEngine {
  return compileCollection(buildCollection(parseSigmaDocuments(yaml, source)), opts);
}

/** A one-rule engine from a detection block (indented YAML under `detection:`). */
export function detectionEngine(detection: string, opts: CompileOptions = {}): SigmaEngine {
  return engineOf(
    `title: Test rule\nlogsource: {category: test}\ndetection:\n${detection.replace(/^/gm, '  ')}\n`,
    opts,
  );
}

/** True when the single-rule engine matches the event. */
export function matches(engine: SigmaEngine, event: SigmaEvent): boolean {
  return engine.match(event).length > 0;
}

export function titles(engine: SigmaEngine, event: SigmaEvent): string[] {
  return engine.match(event).map((r) => r.title);
}
