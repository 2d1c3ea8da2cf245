import type { Command } from 'commander';
import { register as lab } from './lab.js';

/** Each command module registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [lab];
