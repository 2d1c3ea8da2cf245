import type { Command } from 'commander';
import { defaultKnowledgeBase } from '../disclosure/load.js';
import { scanReporter } from '../report/scan-report.js';
import { makeStyle } from '../report/style.js';
import { scanTargets } from '../scan/scanner.js';
import { expandTarget } from '../scan/targets.js';
import { useColor, write } from './common.js';

/**
 * `npm start`: the whole story on loopback with built-in defaults. The lab's leaky servers are scanned
 * the way an attacker would, and the report shows what each one gives away.
 */
export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the lab, scan it and show the report (what `npm start` does). Everything stays on 127.0.0.1.',
    )
    .option('--no-color', 'no colour')
    .action(async (opts: { color: boolean }) => {
      const { startLab } = await import('../lab/index.js');
      const out = process.stdout;
      const color = useColor(out, opts.color);
      const st = makeStyle(color);
      const say = (s: string) => write(out, `${s}\n`);
      const kb = defaultKnowledgeBase();

      await say(st.bold('mcpward demo: SAFE-T1604 server version enumeration, found on loopback'));
      const lab = await startLab();
      try {
        await say(
          `\n${st.bold(`1. The lab: ${lab.servers.length} MCP servers on 127.0.0.1`)} (the last two are hardened controls)`,
        );
        for (const s of lab.servers) await say(`   ${s.name.padEnd(18)} ${s.mcpUrl ?? s.url}`);

        await say(`\n${st.bold('2. mcpward scan: what an attacker learns from each one')}\n`);
        const reporter = scanReporter('table', (s) => write(out, s), {
          kb,
          color,
          minSeverity: 'low',
          ...(out.isTTY && out.columns ? { columns: out.columns } : {}),
        });
        const targets = lab.servers.flatMap((s) => [...expandTarget(s.url, { ports: [] })]);
        const order = new Map(targets.map((t, i) => [t.url, i]));
        const results = [];
        for await (const r of scanTargets(targets, { kb, concurrency: 8 })) results.push(r);
        results.sort((a, b) => (order.get(a.target) ?? 0) - (order.get(b.target) ?? 0));
        for (const r of results) await reporter.result(r);
        await reporter.end();
      } finally {
        await lab.close();
      }
    });
}
