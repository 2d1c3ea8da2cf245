import { UserError } from '../util/errors.js';
import { isLoopbackHost } from './http.js';
import { hardened } from './servers/hardened.js';
import { inspectorUi } from './servers/inspector-ui.js';
import { proxiedEnvoy } from './servers/proxied-envoy.js';
import { proxiedKong } from './servers/proxied-kong.js';
import { pythonSdkLike } from './servers/python-sdk-like.js';
import { sdkLegacySse } from './servers/sdk-legacy-sse.js';
import { sdkPinnedOld } from './servers/sdk-pinned-old.js';
import { sdkStreamable } from './servers/sdk-streamable.js';
import { spa } from './servers/spa.js';
import { stateless2026 } from './servers/stateless-2026.js';
import { versionEndpoints } from './servers/version-endpoints.js';
import type { Lab, LabServerDef, RunningLabServer } from './types.js';

export { isLoopbackHost } from './http.js';
export type { ExpectedFinding, ExpectedProduct, Lab, LabServerDef, RunningLabServer } from './types.js';

/** Every lab server, leaky ones first, the negative controls last. */
export const labServers: readonly LabServerDef[] = [
  sdkStreamable,
  sdkLegacySse,
  stateless2026,
  versionEndpoints,
  proxiedEnvoy,
  proxiedKong,
  pythonSdkLike,
  sdkPinnedOld,
  inspectorUi,
  hardened,
  spa,
];

export function findLabServer(name: string): LabServerDef | undefined {
  return labServers.find((d) => d.name === name);
}

export interface StartLabOptions {
  /** Names of the servers to start (default: all). */
  only?: readonly string[];
  /** First port; server i listens on basePort + i. Default: ephemeral ports. */
  basePort?: number;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** The lab is leaky by design: binding outside loopback needs this. */
  allowRemote?: boolean;
}

/** Refuses a non-loopback bind address unless explicitly allowed. */
export function assertLabHost(host: string, allowRemote = false): void {
  if (!allowRemote && !isLoopbackHost(host))
    throw new UserError(
      `${host} is not a loopback address; lab servers leak versions on purpose (add --allow-remote to bind it anyway)`,
      '--host',
    );
}

/** Starts one lab server. Several copies of the same definition can run at once (port 0 each). */
export function startLabServer(
  def: LabServerDef,
  opts: { host?: string; port?: number; allowRemote?: boolean } = {},
): Promise<RunningLabServer> {
  const host = opts.host ?? '127.0.0.1';
  assertLabHost(host, opts.allowRemote);
  return def.start({ host, port: opts.port ?? 0 });
}

/**
 * Starts `count` copies of one lab server on ephemeral ports (the scan benchmark runs hundreds in one
 * process: a listening sdk-streamable copy costs about 40 KiB of RSS). On failure, stops the started ones.
 */
export async function startLabCopies(
  def: LabServerDef,
  count: number,
  opts: { host?: string; allowRemote?: boolean } = {},
): Promise<Lab> {
  const servers: RunningLabServer[] = [];
  const close = async () => {
    await Promise.allSettled(servers.map((s) => s.close()));
  };
  try {
    for (let i = 0; i < count; i++) servers.push(await startLabServer(def, { ...opts, port: 0 }));
  } catch (err) {
    await close();
    throw err;
  }
  return { servers, close };
}

/** Starts the lab (or the servers named in `only`); on any failure, stops what already started. */
export async function startLab(opts: StartLabOptions = {}): Promise<Lab> {
  const host = opts.host ?? '127.0.0.1';
  assertLabHost(host, opts.allowRemote);
  let defs = [...labServers];
  if (opts.only && opts.only.length > 0) {
    const unknown = opts.only.filter((n) => !findLabServer(n));
    if (unknown.length > 0)
      throw new UserError(
        `no lab server named ${unknown.join(', ')} (known: ${labServers.map((d) => d.name).join(', ')})`,
        '--only',
      );
    defs = defs.filter((d) => opts.only!.includes(d.name));
  } else {
    // Servers that need development dependencies start only when named.
    defs = defs.filter((d) => d.available?.() ?? true);
  }
  const servers: RunningLabServer[] = [];
  const close = async () => {
    await Promise.allSettled(servers.map((s) => s.close()));
  };
  try {
    for (const [i, def] of defs.entries()) {
      const port = opts.basePort === undefined ? 0 : opts.basePort + i;
      try {
        servers.push(await def.start({ host, port }));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
          throw new UserError(`cannot listen on ${host}:${port} for ${def.name} (${code})`, '--base-port');
        throw err;
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { servers, close };
}
