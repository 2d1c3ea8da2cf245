import { Command } from 'commander';
import { packageVersion } from '../util/version.js';
import { commands } from './commands.js';

/**
 * The program with the command named in `argv` (or, for help and unknown commands, every command).
 * `argv` as process.argv: node, script, then the arguments.
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('mcpward')
    .description('Find, detect and stop version enumeration of MCP servers (SAFE-T1604).')
    .version(packageVersion, '-V, --version')
    .addHelpText(
      'after',
      `
Exit codes:
  0  clean: nothing at or above --fail-on
  1  findings or alerts at or above --fail-on
  2  usage error, bad input or runtime error

Environment:
  NO_COLOR  disable colour (also off when output is not a terminal)`,
    );
  // Set before the commands are added, so every subcommand inherits them: usage errors print one
  // `mcpward: ...` line and exit 2 instead of commander's default exit 1.
  program.exitOverride();
  program.configureOutput({
    outputError: (str, write) => write(`mcpward: ${str.replace(/^error: /, '').trimEnd()}\n`),
  });
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  const only = name !== undefined && Object.hasOwn(commands, name) ? [name] : Object.keys(commands);
  const modules = await Promise.all(only.map((n) => commands[n]!()));
  for (const m of modules) m.register(program);
  return program;
}
