import type { Command } from 'commander';
import type { LabServerDef, RunningLabServer } from '../lab/types.js';
import { plainTable } from '../report/table.js';
import { UserError } from '../util/errors.js';
import { parsePositiveInt, write } from './common.js';

interface LabOptions {
  basePort?: number;
  only?: string[];
  host: string;
  allowRemote?: boolean;
  list?: boolean;
  json?: boolean;
}

const describe = (d: LabServerDef) => ({
  name: d.name,
  description: d.description,
  transport: d.transport,
  ...(d.mcpPath ? { mcpPath: d.mcpPath } : {}),
  discloses: d.discloses,
  products: d.products,
});

const running = (s: RunningLabServer) => ({
  name: s.name,
  url: s.url,
  ...(s.mcpUrl ? { mcpUrl: s.mcpUrl } : {}),
  transport: s.def.transport,
  discloses: s.def.discloses,
  products: s.def.products,
});

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export function register(program: Command): void {
  program
    .command('lab')
    .description('Run real MCP servers on loopback that leak versions on purpose (and two that do not).')
    .option(
      '--base-port <n>',
      'listen on consecutive ports from n (default: ephemeral ports)',
      parsePositiveInt('--base-port', 1, 65535),
    )
    .option('--only <name...>', 'start only these servers (see --list)')
    .option('--host <host>', 'bind address', '127.0.0.1')
    .option('--allow-remote', 'allow a --host outside loopback (everything here leaks versions)')
    .option('--list', 'list the servers and what each discloses, then exit')
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      `
The lab runs until SIGINT or SIGTERM, then closes every socket and stream and exits 0.
Each server states what \`mcpward scan\` must find on it (see --list --json).`,
    )
    .action(async (opts: LabOptions) => {
      // The lab pulls in both SDKs and Express: loaded only when this command runs.
      const { labServers, startLab } = await import('../lab/index.js');
      const out = process.stdout;
      if (opts.list) {
        if (opts.json)
          await write(out, JSON.stringify({ servers: labServers.map(describe) }, null, 2) + '\n');
        else
          await write(
            out,
            plainTable(
              ['NAME', 'TRANSPORT', 'DISCLOSES', 'DESCRIPTION'],
              labServers.map((d) => [d.name, d.transport, String(d.discloses.length), d.description]),
              100,
            ),
          );
        return;
      }
      const only = opts.only?.flatMap((s) => s.split(',')).filter(Boolean);
      const count = only && only.length > 0 ? only.length : labServers.length;
      if (opts.basePort !== undefined && opts.basePort + count - 1 > 65535)
        throw new UserError(
          `ports ${opts.basePort}..${opts.basePort + count - 1} go past 65535`,
          '--base-port',
        );
      const lab = await startLab({
        host: opts.host,
        allowRemote: Boolean(opts.allowRemote),
        ...(only ? { only } : {}),
        ...(opts.basePort !== undefined ? { basePort: opts.basePort } : {}),
      });
      try {
        if (opts.json) await write(out, JSON.stringify({ servers: lab.servers.map(running) }) + '\n');
        else
          await write(
            out,
            plainTable(
              ['NAME', 'URL', 'MCP URL'],
              lab.servers.map((s) => [s.name, s.url, s.mcpUrl ?? '-']),
              100,
            ),
          );
        process.stderr.write(`mcpward: lab running (${lab.servers.length} servers); stop with Ctrl-C\n`);
        await waitForSignal();
      } finally {
        await lab.close();
      }
    });
}
