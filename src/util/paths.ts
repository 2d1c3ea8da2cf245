import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (where package.json, data/ and rules/ live), from src/ or dist/src/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'data'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('mcpward: cannot find the package root (package.json with data/)');
}

export const packageRoot: string = findRoot();
export const dataDir: string = join(packageRoot, 'data');
export const rulesDir: string = join(packageRoot, 'rules');
