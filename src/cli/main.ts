#!/usr/bin/env node
import { CommanderError } from 'commander';
import { errorMessage } from '../util/errors.js';
import { EXIT } from './common.js';
import { buildProgram } from './program.js';

// `mcpward ... | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    process.stderr.write(`mcpward: ${errorMessage(err)}\n`);
    if (process.env['MCPWARD_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return EXIT.error;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mcpward: ${errorMessage(err)}\n`);
    process.exitCode = EXIT.error;
  },
);
