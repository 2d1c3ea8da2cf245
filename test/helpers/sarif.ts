import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The OASIS SARIF 2.1.0 schema, as shipped by Microsoft's SARIF test matchers.
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
// A CommonJS module whose default export NodeNext typing cannot construct; require() it.
const Ajv = require('ajv-draft-04') as new (
  opts: object,
) => {
  compile(schema: object): ((doc: unknown) => boolean) & { errors?: unknown[] | null };
};
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
const validate = ajv.compile(schema);

/** Throws with the schema errors if `doc` is not a valid SARIF 2.1.0 log. */
export function assertValidSarif(doc: unknown): void {
  if (!validate(doc)) {
    throw new Error(`invalid SARIF: ${JSON.stringify(validate.errors?.slice(0, 5), null, 2)}`);
  }
}
