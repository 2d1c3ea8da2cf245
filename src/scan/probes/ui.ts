import type { ProbeContext } from '../context.js';

const SCRIPT_SRC = /<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi;
const MAX_SCRIPTS = 2;
const MAX_SCRIPT_BYTES = 4 * 1024 * 1024;

/**
 * When the page at / is a known web UI (an MCP inspector), reads the first scripts it loads: bundles
 * often inline the package version. Same origin only, at most two scripts.
 */
export async function probeUi(ctx: ProbeContext): Promise<void> {
  const root = ctx.observations.find((o) => o.probe === 'root' && o.status !== undefined && o.status < 300);
  if (!root || !ctx.kb.uis.some((u) => u.page.test(root.body))) return;
  const origin = new URL(ctx.target.origin).origin;
  const paths: string[] = [];
  for (const m of root.body.matchAll(SCRIPT_SRC)) {
    let u: URL;
    try {
      u = new URL(m[1]!, `${origin}/`);
    } catch {
      continue;
    }
    if (u.origin !== origin) continue;
    const p = u.pathname + u.search;
    if (!paths.includes(p)) paths.push(p);
    if (paths.length >= MAX_SCRIPTS) break;
  }
  for (const path of paths) {
    await ctx.send({
      probe: 'ui-asset',
      label: `GET ${path}`,
      method: 'GET',
      path,
      headers: { accept: '*/*' },
      maxBodyBytes: MAX_SCRIPT_BYTES,
    });
  }
}
