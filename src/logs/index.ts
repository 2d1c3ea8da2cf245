export * from './audit.js';
export * from './checkpoint.js';
export { parseCombined, parseCommon, parseVhostCombined } from './clf.js';
export * from './event.js';
export * from './follow.js';
export {
  type CompiledFormat,
  compileApacheFormat,
  compileFormatString,
  compileNginxFormat,
} from './format-string.js';
export * from './formats.js';
export * from './input.js';
export {
  type JsonFlavor,
  jsonFlavorOf,
  jsonParser,
  parseCaddy,
  parseEnvoy,
  parseJson,
  parseSigmaJson,
  parseTraefik,
} from './json.js';
export {
  type BadLineReason,
  DEFAULT_MAX_LINE_BYTES,
  type LineSink,
  LineSplitter,
  type SplitterPosition,
} from './lines.js';
export * from './pipeline.js';
export { SNIFF_LINES, type SniffResult, sniffFormat } from './sniff.js';
export { parseAnyTime, parseClfTime, parseIsoTime } from './time.js';
