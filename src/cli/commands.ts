import type { Command } from 'commander';
import { register as guard } from './guard.js';
import { register as scan } from './scan.js';

/** Each command module registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [scan, guard];
