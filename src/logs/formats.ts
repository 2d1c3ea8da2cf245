/** The named log formats and `--log-format` resolution (a name, `auto`, or a format string). */

import { UserError } from '../util/errors.js';
import { parseAuditLine } from './audit.js';
import { parseCombined, parseCommon, parseVhostCombined } from './clf.js';
import type { LineParser } from './event.js';
import { compileFormatString } from './format-string.js';
import { parseCaddy, parseEnvoy, parseJson, parseSigmaJson, parseTraefik } from './json.js';

export interface NamedFormat {
  name: string;
  description: string;
  parse: LineParser;
}

const NGINX_MAIN =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"';

export const FORMATS: readonly NamedFormat[] = [
  {
    name: 'combined',
    description: 'nginx / Apache combined (common + referer + user agent)',
    parse: parseCombined,
  },
  { name: 'common', description: 'NCSA common log format', parse: parseCommon },
  { name: 'vhost_combined', description: 'Apache %v:%p + combined', parse: parseVhostCombined },
  {
    name: 'nginx_main',
    description: 'nginx sample "main" format (combined + X-Forwarded-For)',
    parse: compileFormatString(NGINX_MAIN).parse,
  },
  { name: 'caddy', description: 'Caddy JSON access log (http.log.access)', parse: parseCaddy },
  { name: 'traefik', description: 'Traefik JSON access log', parse: parseTraefik },
  { name: 'envoy', description: 'Envoy JSON access log (json_format)', parse: parseEnvoy },
  { name: 'mcpward', description: 'mcpward audit log (JSON, Sigma field names)', parse: parseAuditLine },
  { name: 'sigma-json', description: 'JSON lines keyed by Sigma field names', parse: parseSigmaJson },
  {
    name: 'json',
    description: 'any JSON access log: flavour per line, else a key map (nginx escape=json, ECS)',
    parse: parseJson,
  },
];

export const FORMAT_NAMES: readonly string[] = FORMATS.map((f) => f.name);

export function namedFormat(name: string): NamedFormat | undefined {
  return FORMATS.find((f) => f.name === name);
}

/** What `--log-format` resolved to: a parser now, or `auto` (sniffed per input). */
export type FormatChoice = { kind: 'auto' } | { kind: 'fixed'; name: string; parse: LineParser };

/**
 * `auto`, a format name, or a format string (nginx `$vars` / Apache `%directives`, optionally the whole
 * `log_format` / `LogFormat` directive). Bad values are UserErrors naming `where`.
 */
export function resolveFormat(spec: string, where = '--log-format'): FormatChoice {
  const s = spec.trim();
  if (s === '' || s === 'auto') return { kind: 'auto' };
  const named = namedFormat(s);
  if (named) return { kind: 'fixed', name: named.name, parse: named.parse };
  if (/^[a-z_-]+$/i.test(s))
    throw new UserError(
      `unknown log format '${s}' (use auto, ${FORMAT_NAMES.join(', ')}, or a format string)`,
      where,
    );
  const compiled = compileFormatString(s, where);
  return { kind: 'fixed', name: `${compiled.flavor}:${compiled.format}`, parse: compiled.parse };
}
