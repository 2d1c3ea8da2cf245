import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where mcpward keeps user data (imported advisories): `$MCPWARD_HOME`, else
 * `$XDG_DATA_HOME/mcpward`, else `~/.local/share/mcpward`.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['MCPWARD_HOME']) return env['MCPWARD_HOME'];
  if (env['XDG_DATA_HOME']) return join(env['XDG_DATA_HOME'], 'mcpward');
  return join(homedir(), '.local', 'share', 'mcpward');
}
