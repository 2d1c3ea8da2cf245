import type { Command } from 'commander';
import { register as advisories } from './advisories.js';
import { register as fleet } from './fleet.js';

/** Each command module registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [advisories, fleet];
