import type { ProbeContext } from '../context.js';

/** GET every version endpoint in the catalogue, asking for JSON as enumerators do. */
export async function probeEndpoints(ctx: ProbeContext): Promise<void> {
  for (const ep of ctx.kb.endpoints) {
    await ctx.send({
      probe: 'endpoint',
      label: `GET ${ep.path}`,
      method: 'GET',
      path: ep.path,
      headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.8' },
    });
  }
}
