import type { Server } from 'node:http';
import { errorMessage, UserError } from '../util/errors.js';
import { createAdminServer } from './admin.js';
import { type ConfigOverrides, loadGuardConfig } from './config-file.js';
import { GuardCore } from './core.js';
import { DetectionActions, type LiveDetector } from './detect.js';
import type { GuardConfig } from './options.js';
import { compilePolicy } from './policy.js';
import { GuardProxy } from './proxy.js';
import { closeServices, createServices } from './services.js';
import { loadSigmaDetector } from './sigma-detector.js';
import { Upstreams } from './upstreams.js';

export interface StartGuardOptions {
  config: GuardConfig;
  /** The file `config` came from, read again by reload(). */
  configPath?: string | undefined;
  /** Command-line settings applied over the file on every reload. */
  overrides?: ConfigOverrides | undefined;
  detector?: LiveDetector | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface RunningGuard {
  /** http://host:port of the proxy. */
  url: string;
  adminUrl: string | undefined;
  core: GuardCore;
  proxy: GuardProxy;
  config(): GuardConfig;
  /** Reads the configuration again; on error keeps the old one and says why in one line. */
  reload(): boolean;
  /** Reopens the audit log (after logrotate moved it). */
  reopenLogs(): void;
  /** Graceful stop: no new connections, streams get `grace` ms, then everything is closed. */
  close(graceMs?: number): Promise<void>;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listen(
  server: Server,
  host: string,
  port: number,
  what: string,
): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot listen on ${host}:${port} (${err.code ?? err.message})`, what));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port });
    });
  });
}

/** Starts the reverse proxy (and the admin listener) from a validated configuration. */
export async function startGuard(opts: StartGuardOptions): Promise<RunningGuard> {
  let config = opts.config;
  if (!config.upstream && config.routes.length === 0)
    throw new UserError('give --upstream URL or at least one route', opts.configPath ?? 'guard');
  const listenAt = config.listen ?? { host: '127.0.0.1', port: 8080 };
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const detector = opts.detector ?? (config.detect ? loadSigmaDetector(config.detect.rules) : undefined);
  const services = createServices(config, { detector, log });
  const core = new GuardCore(compilePolicy(config, { listenHost: listenAt.host }), services);
  let upstreams = Upstreams.build(config);
  const proxy = new GuardProxy({ core, upstreams: () => upstreams, config: () => config });

  const bound = await listen(proxy.server, listenAt.host, listenAt.port, 'listen');
  let admin: Server | undefined;
  let adminUrl: string | undefined;
  const adminAt = config.admin === undefined ? { host: '127.0.0.1', port: 9464 } : config.admin;
  if (adminAt !== false) {
    admin = createAdminServer(services.metrics, () => !proxy.closing);
    try {
      const a = await listen(admin, adminAt.host, adminAt.port, 'admin');
      adminUrl = `http://${hostForUrl(a.host)}:${a.port}`;
    } catch (err) {
      proxy.server.close();
      throw err;
    }
  }

  const reload = (): boolean => {
    try {
      const next = opts.configPath ? loadGuardConfig(opts.configPath, opts.overrides) : config;
      const policy = compilePolicy(next, { listenHost: listenAt.host });
      const rulesChanged = JSON.stringify(next.detect?.rules) !== JSON.stringify(config.detect?.rules);
      const nextDetector =
        opts.detector ??
        (next.detect && (rulesChanged || !services.detector)
          ? loadSigmaDetector(next.detect.rules)
          : services.detector);
      const nextUpstreams = Upstreams.build(next, upstreams);
      const old = upstreams;
      upstreams = nextUpstreams;
      config = next;
      services.detector = next.detect || opts.detector ? nextDetector : undefined;
      if (next.detect && !services.actions)
        services.actions = new DetectionActions(
          next.detect,
          services.blocklist,
          services.limiter,
          services.metrics,
          log,
        );
      core.setPolicy(policy);
      void old.retire(nextUpstreams);
      services.audit?.reopen();
      log('mcpward guard: configuration reloaded');
      return true;
    } catch (err) {
      log(`mcpward guard: reload failed, keeping the running configuration: ${errorMessage(err)}`);
      return false;
    }
  };

  let closing: Promise<void> | undefined;
  const close = (graceMs = config.shutdownGrace): Promise<void> => {
    closing ??= (async () => {
      await proxy.shutdown(graceMs);
      if (admin) {
        admin.closeAllConnections();
        await new Promise<void>((r) => admin!.close(() => r()));
      }
      await upstreams.destroy();
      await closeServices(services);
    })();
    return closing;
  };

  return {
    url: `http://${hostForUrl(bound.host)}:${bound.port}`,
    adminUrl,
    core,
    proxy,
    config: () => config,
    reload,
    reopenLogs: () => services.audit?.reopen(),
    close,
  };
}
