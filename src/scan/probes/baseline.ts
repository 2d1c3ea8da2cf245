import { randomBytes } from 'node:crypto';
import type { ProbeContext } from '../context.js';

/**
 * GET / and GET of a path that cannot exist. The second tells a catch-all (a single-page app that
 * answers 200 everywhere) from real endpoints, and shows the framework's 404 page.
 */
export async function probeBaseline(ctx: ProbeContext): Promise<void> {
  await ctx.send({ probe: 'root', label: 'GET /', method: 'GET', path: '/', headers: { accept: '*/*' } });
  const random = `/mcpward-${randomBytes(6).toString('hex')}`;
  await ctx.send({
    probe: 'not-found',
    label: `GET ${random}`,
    method: 'GET',
    path: random,
    headers: { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' },
  });
}
