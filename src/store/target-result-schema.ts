import { z } from 'zod';
import { SEVERITIES } from '../report/model.js';

/**
 * zod form of report/model.ts TargetResult, for reading `scan --format jsonl` output written on
 * other machines. Unknown keys are kept out (strip), so a newer scan's extra fields do not fail.
 */
const severity = z.enum(SEVERITIES);
const confidence = z.enum(['low', 'medium', 'high']);
const text = (max: number) => z.string().max(max);

const advisoryRefSchema = z.object({
  id: text(200),
  aliases: z.array(text(200)).max(100),
  summary: text(2000),
  severity,
  package: text(500),
  ecosystem: text(100),
  fixed: text(200).optional(),
  basis: text(4000),
  confidence,
});

const findingSchema = z.object({
  id: text(200),
  title: text(2000),
  severity,
  vector: z.enum(['endpoint', 'header', 'infrastructure', 'serverinfo', 'error', 'behaviour', 'advisory']),
  target: text(4000),
  product: text(500).optional(),
  version: text(200).optional(),
  evidence: z.array(z.object({ request: text(2000), location: text(2000), excerpt: text(4000) })).max(100),
  remediation: text(4000),
  advisories: z.array(advisoryRefSchema).max(500).optional(),
});

export const targetResultSchema = z.object({
  target: text(4000).min(1),
  origin: z
    .object({ file: text(4000).optional(), line: z.number().int().nonnegative().optional() })
    .optional(),
  status: z.enum(['ok', 'unreachable', 'error']),
  error: text(4000).optional(),
  mcp: z
    .object({
      url: text(4000),
      transport: z.enum(['streamable-http', 'sse', 'stateless']),
      protocolVersion: text(100).optional(),
      serverInfo: z.record(z.string(), z.unknown()).optional(),
      sessionId: z.boolean().optional(),
    })
    .optional(),
  fingerprints: z
    .array(
      z.object({
        product: text(500),
        version: text(200).optional(),
        kind: z.enum(['server', 'sdk', 'framework', 'runtime', 'proxy', 'product']),
        confidence,
        sources: z.array(text(500)).max(100),
      }),
    )
    .max(200),
  findings: z.array(findingSchema).max(1000),
  requests: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});
