// Bundles the analyst console (console/src) into dist/console: index.html naming content-hashed
// app-<hash>.js and app-<hash>.css. `npm run build` runs it after tsc; the e2e test runs it too.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'console');

/** Builds the console into `outdir` (default dist/console); resolves with the files written. */
export async function buildConsole(outdir = out) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(here, 'src', 'main.tsx') },
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir,
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const names = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = names.find((n) => n.endsWith('.js'));
  const css = names.find((n) => n.endsWith('.css'));
  const html = readFileSync(join(here, 'index.html'), 'utf8')
    .replace('%APP_JS%', `./${js}`)
    .replace('%APP_CSS%', `./${css}`);
  writeFileSync(join(outdir, 'index.html'), html);
  return [...names, 'index.html'];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = await buildConsole(process.argv[2]);
  console.log(`console built: ${files.join(', ')}`);
}
