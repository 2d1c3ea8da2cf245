/**
 * Metadata schemas for the three Sigma 2.1 document kinds, mirroring
 * sigma-spec/json-schema/*.json. Written in zod rather than loading the JSON schemas with ajv: zod is
 * already how this project validates data files, its issues carry the key path we put in one-line
 * errors, and the published schemas have defects a validator would faithfully reproduce (the
 * correlation `condition.anyOf` entries are not subschemas, so they accept anything; `format: uuid`
 * needs a second package). `detection`, `correlation` and `filter` bodies are checked by the
 * parsers in detection.ts and correlation/parse.ts, which give sharper messages than a schema can.
 */
import { z } from 'zod';

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export const STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;
export const RELATION_TYPES = ['derived', 'obsolete', 'merged', 'renamed', 'similar'] as const;
export const CORRELATION_TYPES = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
] as const;

export type SigmaLevel = (typeof LEVELS)[number];
export type SigmaStatus = (typeof STATUSES)[number];
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$/;
const TAG = /^[a-z0-9_-]+\.[a-z0-9._-]+$/;

const uuid = z
  .string({ error: 'must be a string (a UUID)' })
  .regex(UUID, { error: 'must be a UUID like 929a690e-bef0-4204-a928-ef5e620d6fcc' });

/** YAML 1.1 documents may turn dates into Date objects; accept them as the ISO date they were. */
const date = z.preprocess(
  (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v),
  z.string({ error: 'must be a date string YYYY-MM-DD' }).refine((s) => DATE.test(s), {
    error: (iss) =>
      /^\d{4}\/\d{2}\/\d{2}$/.test(String(iss.input))
        ? `'${String(iss.input)}' uses slashes: Sigma 2 dates are YYYY-MM-DD`
        : `'${String(iss.input)}' is not a date YYYY-MM-DD`,
  }),
);

function enumOf<T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a valid ${what} (one of ${values.join(', ')})`,
  });
}

function uniqueStrings(what: string, minLength = 0) {
  return z
    .array(
      z
        .string({ error: `each ${what} must be a string` })
        .min(minLength, { error: `each ${what} needs at least ${minLength} characters` }),
      {
        error: `must be a list of ${what}s (a YAML list: one '- item' per line)`,
      },
    )
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((s, i) => {
        if (seen.has(s)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate ${what} '${s}'` });
        seen.add(s);
      });
    });
}

const title = z
  .string({ error: 'is required and must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(256, { error: 'must be at most 256 characters' });

const common = {
  title,
  id: uuid.optional(),
  name: z.string({ error: 'must be a string' }).min(1).max(256).optional(),
  taxonomy: z.string({ error: 'must be a string' }).max(256).optional(),
  status: enumOf(STATUSES, 'status').optional(),
  description: z.string({ error: 'must be a string' }).max(65535).optional(),
  license: z.string({ error: 'must be a string' }).optional(),
  author: z.string({ error: 'must be a string' }).optional(),
  references: uniqueStrings('reference').optional(),
  date: date.optional(),
  modified: date.optional(),
  level: enumOf(LEVELS, 'level').optional(),
};

export const logsourceSchema = z.looseObject(
  {
    category: z.string({ error: 'must be a string' }).optional(),
    product: z.string({ error: 'must be a string' }).optional(),
    service: z.string({ error: 'must be a string' }).optional(),
    definition: z.string({ error: 'must be a string' }).optional(),
  },
  {
    error:
      'is required and must be a map like {category: webserver} (keys category, product, service, definition)',
  },
);

export const ruleMetaSchema = z.looseObject({
  ...common,
  related: z
    .array(z.object({ id: uuid, type: enumOf(RELATION_TYPES, 'relation type') }), {
      error: 'must be a list of {id, type}',
    })
    .optional(),
  logsource: logsourceSchema,
  detection: z.record(z.string(), z.unknown(), {
    error: 'is required and must be a map of search identifiers and a condition',
  }),
  fields: uniqueStrings('field').optional(),
  falsepositives: uniqueStrings('false positive', 2).optional(),
  tags: uniqueStrings('tag')
    .superRefine((tags, ctx) => {
      tags.forEach((t, i) => {
        if (!TAG.test(t))
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `tag '${t}' must look like namespace.value in lowercase (e.g. attack.t1190)`,
          });
      });
    })
    .optional(),
  scope: z.array(z.string().min(2), { error: 'must be a list of strings' }).optional(),
});

export const correlationMetaSchema = z.looseObject({
  ...common,
  correlation: z.record(z.string(), z.unknown(), { error: 'is required and must be a map' }),
  falsepositives: z
    .union([z.string().min(2), uniqueStrings('false positive', 2)], {
      error: 'must be a string or a list of strings',
    })
    .optional(),
  tags: uniqueStrings('tag').optional(),
});

export const filterMetaSchema = z.looseObject({
  title,
  id: uuid.optional(),
  name: z.string().min(1).max(256).optional(),
  description: z.string({ error: 'must be a string' }).max(65535).optional(),
  date: date.optional(),
  modified: date.optional(),
  taxonomy: z.string().max(256).optional(),
  author: z.string().optional(),
  logsource: logsourceSchema,
  filter: z.record(z.string(), z.unknown(), {
    error: 'is required and must be a map with rules, search identifiers and condition',
  }),
});

export type SigmaLogsource = z.infer<typeof logsourceSchema>;
export type RuleMeta = z.infer<typeof ruleMetaSchema>;
export type CorrelationMeta = z.infer<typeof correlationMetaSchema>;
export type FilterMeta = z.infer<typeof filterMetaSchema>;
