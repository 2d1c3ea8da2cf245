import type { Command } from 'commander';

/** Each command module registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * Command name → its module, imported only when that command runs (all of them for the overall help):
 * `mcpward detect` need not load the MCP SDK, Express and SQLite that other commands use.
 */
export const commands: Readonly<Record<string, () => Promise<{ register: RegisterCommand }>>> = {
  scan: () => import('./scan.js'),
  detect: () => import('./detect.js'),
  rules: () => import('./rules.js'),
  advisories: () => import('./advisories.js'),
  fleet: () => import('./fleet.js'),
  demo: () => import('./demo.js'),
  lab: () => import('./lab.js'),
  guard: () => import('./guard.js'),
};
