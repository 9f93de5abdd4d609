import { link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Files a bundle may hold that a publish may replace (the model's ONNX file is not one of them). */
export const BUNDLE_FILES: ReadonlySet<string> = new Set([
  'bundle.json',
  'features.json',
  'rules.json',
  'rules.txt',
  'sequences.json',
  'device.json',
  'lists.json',
  'model/manifest.json',
  'challenger/manifest.json',
]);

/** Every file under `dir` by its `/`-separated path relative to `dir`, read whole. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (at: string) => {
    for (const e of await readdir(at, { withFileTypes: true })) {
      const p = join(at, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.set(relative(dir, p).split(sep).join('/'), await readFile(p));
    }
  };
  await walk(dir);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Writes `files` into a fresh directory `dir`, atomically: written beside it first, then renamed.
 * A path that would leave the directory is refused. If `dir` already exists it is kept as it is.
 */
export async function writeTree(dir: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  const staging = `${dir}.part-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    for (const [path, content] of files) {
      const target = resolve(staging, path);
      if (!target.startsWith(`${resolve(staging)}${sep}`))
        throw new Error(`bundle path ${path} escapes the bundle`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await mkdir(staging, { recursive: true });
    await rename(staging, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Recreates the tree at `src` under `dst` with hard links to its files. */
export async function linkTree(src: string, dst: string): Promise<void> {
  for (const e of await readdir(src, { withFileTypes: true })) {
    const from = join(src, e.name);
    const to = join(dst, e.name);
    if (e.isDirectory()) {
      await mkdir(to, { recursive: true });
      await linkTree(from, to);
    } else if (e.isFile()) await link(from, to);
  }
}

/** True when `dir` exists. */
export function exists(dir: string): Promise<boolean> {
  return readdir(dir).then(
    () => true,
    () => false,
  );
}
