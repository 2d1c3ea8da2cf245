import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/paths.js';

/**
 * The reference data beside the repository (`../shared/data`): SigmaHQ rules, the Sigma
 * specification, SAFE-MCP techniques, the CRS scanner list and OSV advisories.
 * MCPWARD_SHARED overrides the location.
 */
export const sharedDataDir = process.env['MCPWARD_SHARED']
  ? join(process.env['MCPWARD_SHARED'], 'data')
  : join(packageRoot, '..', 'shared', 'data');

if (!existsSync(sharedDataDir)) {
  throw new Error(
    `reference data not found at ${sharedDataDir}: clone the repository next to shared/ or set MCPWARD_SHARED`,
  );
}
