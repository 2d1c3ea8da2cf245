import type { Command } from 'commander';
import { choice, collect } from './common.js';

interface GuardFlags {
  upstream?: string;
  listen?: string;
  config?: string;
  admin?: string;
  auditLog?: string;
  auditFormat?: 'json' | 'combined';
  host?: string[];
  serverName?: string;
  serverVersion?: string;
  grace?: string;
}

/** Command-line flags as configuration keys (validated with the file, so errors name the key). */
function overrides(f: GuardFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (f.upstream) o['upstream'] = f.upstream;
  if (f.listen) o['listen'] = f.listen;
  if (f.admin) o['admin'] = f.admin === 'off' ? false : f.admin;
  if (f.auditLog) o['audit'] = { path: f.auditLog, ...(f.auditFormat ? { format: f.auditFormat } : {}) };
  if (f.host?.length) o['hosts'] = f.host;
  if (f.serverName || f.serverVersion)
    o['serverInfo'] = {
      ...(f.serverName ? { name: f.serverName } : {}),
      ...(f.serverVersion ? { version: f.serverVersion } : {}),
    };
  if (f.grace) o['shutdownGrace'] = f.grace;
  return o;
}

export function register(program: Command): void {
  program
    .command('guard')
    .description(
      'Run a hardening reverse proxy in front of MCP servers: strips version headers, makes serverInfo ' +
        'generic (JSON and SSE), sanitises errors, locks version endpoints, audit-logs and blocks scanners.',
    )
    .option('--upstream <url>', 'the MCP server to protect (or use routes in --config)')
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:8080)')
    .option('-c, --config <file>', 'guard.yaml (re-read on SIGHUP)')
    .option('--admin <host:port|off>', 'admin listener for /metrics and /healthz (default 127.0.0.1:9464)')
    .option('--audit-log <file>', 'append an audit line per request (- for stdout)')
    .option(
      '--audit-format <format>',
      'json (Sigma fields, default) or combined',
      choice('--audit-format', ['json', 'combined'] as const),
    )
    .option(
      '--host <name>',
      'a Host name clients may use (repeatable; default loopback names on loopback)',
      collect,
    )
    .option('--server-name <name>', 'serverInfo.name clients see (default mcp-server)')
    .option('--server-version <version>', 'serverInfo.version clients see (default 1.0.0)')
    .option('--grace <duration>', 'how long streams may run on after SIGTERM (default 10s)')
    .addHelpText(
      'after',
      `
Signals:
  SIGHUP   reload --config (a bad file keeps the running configuration) and reopen the audit log
  SIGTERM  stop accepting, let SSE streams run for the grace period, then close them cleanly

Example:
  mcpward guard --upstream http://127.0.0.1:3000 --listen 0.0.0.0:8080 --host mcp.example.com \\
    --audit-log /var/log/mcpward/audit.log`,
    )
    .action(async (flags: GuardFlags) => {
      // Loaded here, so other commands do not pay for the proxy, and the proxy for nothing else.
      const { loadGuardConfig } = await import('../guard/config-file.js');
      const { startGuard } = await import('../guard/server.js');
      const over = overrides(flags);
      const config = loadGuardConfig(flags.config, over);
      const guard = await startGuard({ config, configPath: flags.config, overrides: over });
      const say = (line: string) => process.stderr.write(`mcpward guard: ${line}\n`);
      const upstreams = [config.upstream, ...config.routes.map((r) => r.upstream)].filter(Boolean).join(', ');
      say(`listening on ${guard.url} → ${upstreams}`);
      if (guard.adminUrl) say(`admin on ${guard.adminUrl} (/metrics, /healthz)`);
      if (!config.hosts && !guard.core.policy.hosts)
        say(
          'warning: no --host given on a non-loopback address: every Host is accepted (no DNS-rebinding check)',
        );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = () => {
          // A second signal stops at once.
          const grace = stopping ? 0 : guard.config().shutdownGrace;
          if (!stopping) say(`stopping (streams get ${grace} ms)`);
          stopping = true;
          guard.close(grace).then(resolve, resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
        process.on('SIGHUP', () => {
          if (flags.config) guard.reload();
          else guard.reopenLogs();
        });
      });
      say('stopped');
    });
}
