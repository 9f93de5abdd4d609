import { cp, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { RiskError } from '../domain/index.js';
import { BUNDLE_FILES, linkTree } from './bundle-tree.js';

/**
 * A staging copy, under `workDir`, of the bundle in `baseDir` with `files` (name to content)
 * replaced. The serving bundle is a kept version (never written again), so its files are
 * hard-linked, not copied: a publish costs what it writes, however large the model is. A name that
 * is not a bundle file is RISK_ERR_INPUT_INVALID naming it, and nothing is left behind.
 */
export async function stageBundle(
  baseDir: string,
  workDir: string,
  files: Readonly<Record<string, string>>,
): Promise<string> {
  const dir = await mkdtemp(join(workDir, '.staging-'));
  try {
    await linkTree(baseDir, dir);
  } catch {
    // Another file system (the start directory, before anything was kept): copy instead.
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await cp(baseDir, dir, { recursive: true });
  }
  try {
    for (const [name, content] of Object.entries(files)) {
      if (!BUNDLE_FILES.has(name))
        throw RiskError.invalid([
          {
            field: `files.${name}`,
            description: `is not a bundle file; one of ${[...BUNDLE_FILES].join(', ')}`,
          },
        ]);
      const target = resolve(dir, name);
      if (!target.startsWith(`${resolve(dir)}${sep}`))
        throw RiskError.invalid([{ field: `files.${name}`, description: 'escapes the bundle' }]);
      await mkdir(join(target, '..'), { recursive: true });
      // Unlinked first: the file is a hard link to a kept version's.
      await unlink(target).catch(() => undefined);
      await writeFile(target, content);
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}
