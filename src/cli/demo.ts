import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultKnowledgeBase } from '../disclosure/load.js';
import type { TargetResult } from '../report/model.js';
import { scanReporter } from '../report/scan-report.js';
import { makeStyle } from '../report/style.js';
import { plainTable } from '../report/table.js';
import { type ScanOptions, scanTargets } from '../scan/scanner.js';
import { expandTarget } from '../scan/targets.js';
import { useColor, write } from './common.js';

/** Scans URLs, returning results in the order the URLs were given. */
async function scanAll(urls: string[], opts: Partial<ScanOptions>): Promise<TargetResult[]> {
  const targets = urls.flatMap((u) => [...expandTarget(u, { ports: [] })]);
  const byTarget = new Map<string, TargetResult>();
  for await (const r of scanTargets(targets, { concurrency: 8, ...opts })) byTarget.set(r.target, r);
  return targets.map((t) => byTarget.get(t.url)!);
}

const disclosures = (r: TargetResult) => r.findings.filter((f) => f.severity !== 'info').length;

/** initialize, tools/list and tools/call with the official SDK client. */
async function clientThrough(url: string): Promise<{ serverInfo: string; tools: number; echo: string }> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import(
    '@modelcontextprotocol/sdk/client/streamableHttp.js'
  );
  const client = new Client({ name: 'mcpward-demo', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    const info = client.getServerVersion();
    const tools = (await client.listTools()).tools.length;
    const res = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    const content = (res.content as { type: string; text?: string }[] | undefined) ?? [];
    return {
      serverInfo: info ? `${info.name} ${info.version}` : '-',
      tools,
      echo: content.find((c) => c.type === 'text')?.text ?? '',
    };
  } finally {
    await client.close();
  }
}

/** Runs this very CLI as a child (`mcpward detect ...`), its output going straight to ours. */
function runSelf(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [process.argv[1]!, ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

/**
 * `npm start`: the whole SAFE-T1604 story on loopback, with built-in defaults. The lab's leaky servers
 * are scanned the way an attacker would; then each gets a guard in front and is scanned again; then
 * the guards' audit logs go through detect, which names the scanner.
 */
export function register(program: Command): void {
  program
    .command('demo')
    .description('Lab → scan → guard → scan again → detect, on 127.0.0.1 (what `npm start` does).')
    .option('--no-color', 'no colour')
    .action(async (opts: { color: boolean }) => {
      const { startLab } = await import('../lab/index.js');
      const { loadGuardConfig } = await import('../guard/config-file.js');
      const { startGuard } = await import('../guard/server.js');
      const out = process.stdout;
      const color = useColor(out, opts.color);
      const st = makeStyle(color);
      const say = (s: string) => write(out, `${s}\n`);
      const kb = defaultKnowledgeBase();
      const dir = mkdtempSync(join(tmpdir(), 'mcpward-demo-'));

      await say(
        st.bold(
          'mcpward demo: SAFE-T1604 server version enumeration, found, stopped and detected on loopback',
        ),
      );
      const lab = await startLab();
      const guards: { close(graceMs?: number): Promise<void> }[] = [];
      try {
        await say(
          `\n${st.bold(`1. The lab: ${lab.servers.length} MCP servers on 127.0.0.1`)} (the last two are hardened controls)`,
        );
        for (const s of lab.servers) await say(`   ${s.name.padEnd(18)} ${s.mcpUrl ?? s.url}`);

        await say(`\n${st.bold('2. mcpward scan: what an attacker learns from each one')}\n`);
        const direct = await scanAll(
          lab.servers.map((s) => s.url),
          { kb },
        );
        const reporter = scanReporter('table', (s) => write(out, s), {
          kb,
          color,
          minSeverity: 'low',
          ...(out.isTTY && out.columns ? { columns: out.columns } : {}),
        });
        for (const r of direct) await reporter.result(r);
        await reporter.end();

        await say(`\n${st.bold('3. mcpward guard in front of each server, and the same scan again')}\n`);
        const guarded: string[] = [];
        for (const s of lab.servers) {
          const config = loadGuardConfig(undefined, {
            upstream: s.url,
            listen: '127.0.0.1:0',
            admin: false,
            audit: { path: join(dir, `${s.name}.audit.log`), format: 'json' },
          });
          const g = await startGuard({ config, log: () => {} });
          guards.push(g);
          guarded.push(g.url);
        }
        const after = await scanAll(guarded, { kb });
        const rows = lab.servers.map((s, i) => {
          const before = direct[i]!;
          const now = after[i]!;
          return [
            s.name,
            String(disclosures(before)),
            String(before.fingerprints.length),
            String(disclosures(now)),
            String(now.fingerprints.length),
          ];
        });
        await write(
          out,
          plainTable(['SERVER', 'FINDINGS', 'PRODUCTS', 'GUARDED FINDINGS', 'GUARDED PRODUCTS'], rows),
        );
        const left = after.reduce((n, r) => n + disclosures(r), 0);
        await say(
          left === 0
            ? st.ok('   Through the guard: no version, no product, no SDK behaviour.')
            : st.bad(`   Through the guard: ${left} findings remain.`),
        );
        // And clients still work: the official SDK client through the guard in front of an SDK server.
        const first = lab.servers.findIndex((s) => s.def.transport === 'streamable-http');
        if (first >= 0) {
          const server = lab.servers[first]!;
          const seen = await clientThrough(`${guarded[first]}${server.def.mcpPath ?? '/mcp'}`);
          await say(
            `   An MCP client through the guard in front of ${server.name}: serverInfo ${seen.serverInfo}, ` +
              `${seen.tools} tools, echo → "${seen.echo}"`,
          );
        }
        for (const g of guards.splice(0)) await g.close(0); // flushes the audit logs

        await say(`\n${st.bold("4. mcpward detect on the guards' audit logs: who was enumerating?")}\n`);
        await runSelf([
          'detect',
          join(dir, '*.audit.log'),
          '--no-progress',
          ...(color ? [] : ['--no-color']),
        ]);
      } finally {
        await Promise.allSettled(guards.map((g) => g.close(0)));
        await lab.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
}
