import { z } from 'zod';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const severitySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof severitySchema>;

/** A regex given as source text in a data file; validated by compiling it. */
export const regexSource = z.string().refine(
  (s) => {
    try {
      new RegExp(stripInlineFlags(s).source, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

/** Accepts a leading `(?m)` / `(?i)` / `(?s)` group, as in Sigma and PCRE, and turns it into JS flags. */
export function stripInlineFlags(src: string): { source: string; flags: string } {
  const m = /^\(\?([ims]+)\)/.exec(src);
  if (!m) return { source: src, flags: '' };
  return { source: src.slice(m[0].length), flags: m[1]! };
}

export const endpointSchema = z.object({
  path: z.string().startsWith('/'),
  kind: z.enum(['version', 'health', 'status', 'info', 'metadata', 'metrics']),
  guard: z.enum(['block', 'liveness', 'minimal']),
});

export const endpointsFileSchema = z.object({
  endpoints: z.array(endpointSchema).default([]),
  versionKeys: z.array(z.string()).default([]),
  nameKeys: z.array(z.string()).default([]),
  imageKeys: z.array(z.string()).default([]),
  textPatterns: z.array(z.object({ id: z.string(), regex: regexSource })).default([]),
});

export const headerSignatureSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string().toLowerCase().optional(),
    prefix: z.string().toLowerCase().optional(),
    category: z.enum(['version', 'product', 'infrastructure']),
    product: z.string().optional(),
    title: z.string(),
    extract: regexSource.optional(),
    severity: severitySchema.optional(),
  })
  .refine((h) => (h.name === undefined) !== (h.prefix === undefined), {
    message: 'give exactly one of `name` or `prefix`',
  });

export const headersFileSchema = z.object({
  headers: z.array(headerSignatureSchema).default([]),
  allowlist: z.array(z.string().toLowerCase()).default([]),
});

export const patternSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.enum(['stack-trace', 'path', 'error-page', 'version-string']),
  title: z.string(),
  severity: severitySchema,
  regex: regexSource,
});
export const patternsFileSchema = z.object({ patterns: z.array(patternSchema).default([]) });

export const mcpFileSchema = z.object({
  paths: z.array(z.string().startsWith('/')).default([]),
  ssePaths: z.array(z.string().startsWith('/')).default([]),
  ports: z.array(z.number().int().min(1).max(65535)).default([]),
  genericNames: z.array(z.string()).default([]),
  genericVersions: z.array(z.string()).default([]),
  serverInfoFields: z
    .object({ replace: z.array(z.string()).default([]), remove: z.array(z.string()).default([]) })
    .default({ replace: [], remove: [] }),
  resultFields: z.array(z.string()).default([]),
  metaServerInfoKey: z.string().default('io.modelcontextprotocol/serverInfo'),
});

const conditionSchema = z.object({
  probe: z.string(),
  status: z.union([z.number().int(), z.array(z.number().int())]).optional(),
  body: regexSource.optional(),
  endpoint: regexSource.optional(),
  header: z.record(z.string().toLowerCase(), regexSource).optional(),
});
export type FingerprintCondition = z.infer<typeof conditionSchema>;

export const fingerprintSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  product: z.string(),
  kind: z.enum(['sdk', 'framework', 'runtime', 'proxy', 'product']),
  title: z.string(),
  confidence: z.enum(['low', 'medium', 'high']),
  when: z.array(conditionSchema).min(1),
});
export const fingerprintsFileSchema = z.object({ fingerprints: z.array(fingerprintSchema).default([]) });

export const findingSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  vector: z.enum(['endpoint', 'header', 'infrastructure', 'serverinfo', 'error', 'behaviour', 'ui']),
  title: z.string(),
  severity: severitySchema,
  remediation: z.string(),
});
export const remediationSchema = z
  .object({
    header: z.string(),
    infrastructure: z.string(),
    error: z.string(),
    behaviour: z.string(),
  })
  .partial();
export type FindingSignature = z.infer<typeof findingSchema>;

export const uiSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  product: z.string(),
  title: z.string(),
  severity: severitySchema,
  page: regexSource,
  asset: z.array(regexSource).default([]),
});
export type UiSignature = z.infer<typeof uiSchema>;

export const revisionListSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  product: z.string(),
  ecosystem: z.string(),
  list: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).min(1),
  first: z.string(),
  last: z.string(),
});
export type RevisionListSignature = z.infer<typeof revisionListSchema>;

/** Every signature file is one of these shapes; a user file may mix sections. */
export const signatureFileSchema = z
  .object({
    endpoints: endpointsFileSchema.shape.endpoints.optional(),
    versionKeys: z.array(z.string()).optional(),
    nameKeys: z.array(z.string()).optional(),
    imageKeys: z.array(z.string()).optional(),
    textPatterns: endpointsFileSchema.shape.textPatterns.optional(),
    headers: headersFileSchema.shape.headers.optional(),
    allowlist: headersFileSchema.shape.allowlist.optional(),
    patterns: patternsFileSchema.shape.patterns.optional(),
    fingerprints: fingerprintsFileSchema.shape.fingerprints.optional(),
    paths: mcpFileSchema.shape.paths.optional(),
    ssePaths: mcpFileSchema.shape.ssePaths.optional(),
    ports: mcpFileSchema.shape.ports.optional(),
    genericNames: mcpFileSchema.shape.genericNames.optional(),
    genericVersions: mcpFileSchema.shape.genericVersions.optional(),
    serverInfoFields: mcpFileSchema.shape.serverInfoFields.optional(),
    resultFields: mcpFileSchema.shape.resultFields.optional(),
    metaServerInfoKey: z.string().optional(),
    findings: z.array(findingSchema).optional(),
    uis: z.array(uiSchema).optional(),
    revisionLists: z.array(revisionListSchema).optional(),
    remediation: remediationSchema.optional(),
  })
  .strict();
export type SignatureFile = z.infer<typeof signatureFileSchema>;

export type EndpointSignature = z.infer<typeof endpointSchema>;
export type HeaderSignature = z.infer<typeof headerSignatureSchema>;
export type PatternSignature = z.infer<typeof patternSchema>;
export type FingerprintSignature = z.infer<typeof fingerprintSchema>;
