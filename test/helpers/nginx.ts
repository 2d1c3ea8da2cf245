/**
 * Starts a real nginx on 127.0.0.1 for a test: config, logs and temp files in a fresh temp directory
 * (`nginx -p <prefix> -c <conf> -e <error.log>`, `daemon off`, one worker). Fails, never skips, when
 * nginx is not installed (.ci/run installs it; locally: `apt-get install -y nginx`).
 *
 *   const ngx = await startNginx({ logFormats: { timed: '$remote_addr ... $request_time' },
 *                                  accessLogs: { 'combined.log': 'combined', 'timed.log': 'timed' } });
 *   await request(`${ngx.url}/version`);
 *   await ngx.stop();              // graceful: every access-log line is on disk after this
 *   readFileSync(ngx.path('timed.log'), 'utf8');
 *   await ngx.dispose();           // in after(): stops if needed, removes the temp directory
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NginxOptions {
  /** `log_format` definitions: name → format text (single quotes are escaped for you). */
  logFormats?: Record<string, string>;
  /** Raw `log_format` directives, for options such as `escape=json`. */
  rawLogFormats?: string[];
  /** Access logs: file name (in the prefix) → format name (`combined` is nginx's built-in). */
  accessLogs?: Record<string, string>;
  /** Extra `location` blocks; the default server answers `/` with 200 "ok". */
  locations?: string;
}

export interface NginxServer {
  url: string;
  port: number;
  prefix: string;
  /** A file in the prefix directory (access logs live there). */
  path(name: string): string;
  /** Stops nginx gracefully (SIGQUIT, then SIGKILL after 5 s); logs stay readable. Idempotent. */
  stop(): Promise<void>;
  /** Stops nginx and removes the prefix directory (for `after` / `t.after`). */
  dispose(): Promise<void>;
}

export function nginxBinary(): string {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'])
    if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || missing();
  } catch {
    return missing();
  }
}

function missing(): never {
  throw new Error('nginx is not installed: this test runs a real nginx (apt-get install -y nginx)');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function conf(prefix: string, port: number, opts: NginxOptions): string {
  const formats = Object.entries(opts.logFormats ?? {})
    .map(([name, f]) => `  log_format ${name} '${f.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}';`)
    .join('\n');
  const logs = Object.entries(opts.accessLogs ?? { 'access.log': 'combined' })
    .map(([file, fmt]) => `    access_log ${join(prefix, file)} ${fmt};`)
    .join('\n');
  const tmp = join(prefix, 'tmp');
  return `worker_processes 1;
daemon off;
master_process on;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} info;
events { worker_connections 64; }
http {
  default_type text/plain;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
${formats}
${(opts.rawLogFormats ?? []).map((f) => `  ${f}`).join('\n')}
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
${logs}
    location / { return 200 "ok\\n"; }
${opts.locations ?? ''}
  }
}
`;
}

export async function startNginx(opts: NginxOptions = {}): Promise<NginxServer> {
  const bin = nginxBinary();
  const prefix = mkdtempSync(join(tmpdir(), 'mcpward-nginx-'));
  // Started as root, nginx runs its workers as `nobody`: they need the temp dirs (request bodies that
  // outgrow memory), so open those up instead of running workers as root. Logs are opened by the master.
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, 'tmp'), { mode: 0o777 });
  chmodSync(join(prefix, 'tmp'), 0o777);
  let lastError = '';
  // The port is free when chosen but another process may take it before nginx binds: retry a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const confPath = join(prefix, 'nginx.conf');
    writeFileSync(confPath, conf(prefix, port, opts));
    const child = spawn(bin, ['-p', prefix, '-c', confPath, '-e', join(prefix, 'error.log')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let exitCode: number | null | undefined;
    void exited.then((c) => {
      exitCode = c;
    });
    const deadline = Date.now() + 10_000;
    while (exitCode === undefined && Date.now() < deadline && !(await canConnect(port))) {
      await new Promise((r) => setTimeout(r, 25));
    }
    if (exitCode === undefined && (await canConnect(port))) return server(prefix, port, child, exited);
    child.kill('SIGKILL');
    await exited;
    const errLog = existsSync(join(prefix, 'error.log'))
      ? readFileSync(join(prefix, 'error.log'), 'utf8')
      : '';
    lastError = `${stderr}\n${errLog}`.trim();
    if (!/Address already in use/.test(lastError)) break;
  }
  rmSync(prefix, { recursive: true, force: true });
  throw new Error(`nginx did not start: ${lastError}`);
}

function server(
  prefix: string,
  port: number,
  child: ChildProcess,
  exited: Promise<number | null>,
): NginxServer {
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    prefix,
    path: (name) => join(prefix, name),
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGQUIT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopped;
    },
    async dispose() {
      await this.stop();
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
