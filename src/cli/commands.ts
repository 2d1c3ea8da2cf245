import type { Command } from 'commander';
import { register as advisories } from './advisories.js';
import { register as demo } from './demo.js';
import { register as fleet } from './fleet.js';
import { register as guard } from './guard.js';
import { register as lab } from './lab.js';
import { register as scan } from './scan.js';

/** Each command module registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [scan, advisories, fleet, demo, lab, guard];
