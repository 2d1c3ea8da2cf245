import { z } from 'zod';

/**
 * OSV schema 1.x (https://ossf.github.io/osv-schema/). Only what matching needs is typed; unknown
 * keys pass through so records from newer schema versions or other databases still load.
 */

/** Each event object holds exactly one of the four keys. */
const eventSchema = z.union([
  z.strictObject({ introduced: z.string().min(1) }),
  z.strictObject({ fixed: z.string().min(1) }),
  z.strictObject({ last_affected: z.string().min(1) }),
  z.strictObject({ limit: z.string().min(1) }),
]);
export type OsvEvent = z.infer<typeof eventSchema>;

const severitySchema = z.looseObject({ type: z.string(), score: z.string() });

const rangeSchema = z
  .looseObject({
    type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']),
    repo: z.string().optional(),
    events: z.array(eventSchema).min(1),
    database_specific: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((r) => r.events.some((e) => 'introduced' in e), {
    message: 'a range needs at least one introduced event',
    path: ['events'],
  })
  .refine((r) => !(r.events.some((e) => 'fixed' in e) && r.events.some((e) => 'last_affected' in e)), {
    message: 'a range may have fixed or last_affected events, not both',
    path: ['events'],
  })
  .refine((r) => r.type !== 'GIT' || Boolean(r.repo), {
    message: 'a GIT range needs a repo',
    path: ['repo'],
  });
export type OsvRange = z.infer<typeof rangeSchema>;

const affectedSchema = z.looseObject({
  // Optional in 1.x for GIT-only entries (no package ecosystem).
  package: z
    .looseObject({
      ecosystem: z.string().min(1),
      name: z.string().min(1),
      purl: z.string().optional(),
    })
    .optional(),
  severity: z.array(severitySchema).optional(),
  ranges: z.array(rangeSchema).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: z.record(z.string(), z.unknown()).optional(),
  database_specific: z
    .looseObject({
      /** GitHub's upper bound (`<= 1.2.3`, `< 1.2.3`) for ranges it could not express in OSV. */
      last_known_affected_version_range: z.string().optional(),
    })
    .optional(),
});
export type OsvAffected = z.infer<typeof affectedSchema>;

export const osvRecordSchema = z.looseObject({
  schema_version: z.string().optional(),
  id: z.string().min(1).max(200),
  modified: z.string().min(1),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severitySchema).optional(),
  affected: z.array(affectedSchema).optional(),
  references: z.array(z.looseObject({ type: z.string(), url: z.string() })).optional(),
  database_specific: z
    .looseObject({
      /** GitHub's qualitative level: LOW, MODERATE, HIGH, CRITICAL. */
      severity: z.string().optional(),
      cwe_ids: z.array(z.string()).optional(),
    })
    .optional(),
});
export type OsvRecord = z.infer<typeof osvRecordSchema>;
