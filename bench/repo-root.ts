import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory above `from` holding package.json (works from bench/ and from a compiled copy). */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Absolute path of the repository. */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The embedded default bundle, passed explicitly so a compiled copy of src/ finds it too. */
export const DEFAULT_BUNDLE_DIR = join(REPO_ROOT, 'bundles', 'default');
