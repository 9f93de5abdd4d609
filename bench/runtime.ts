import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { progress } from './progress.js';
import { REPO_ROOT } from './repo-root.js';
import { runCommand } from './run-command.js';

export type RuntimeKind = 'tsx' | 'tsc';

/** How servers and the in-process child are run; always the same for the real service and the baseline. */
export interface Runtime {
  readonly kind: RuntimeKind;
  readonly description: string;
  /** Directory the executed files of src/ and bench/ live under (for naming CPU profile frames). */
  readonly codeRoot: string;
  /** node arguments that run a TypeScript entry point given relative to the repository root. */
  nodeArgs(entry: string): string[];
}

/** Entry points the bench runs in child processes. */
const ENTRIES = [
  'src/main.ts',
  'bench/empty-server.ts',
  'bench/edge-server.ts',
  'bench/inprocess-child.ts',
  'bench/memory-child.ts',
  'bench/callgrind-child.ts',
];

/**
 * tsx: `node --import tsx <entry>.ts`, transpiled on load by esbuild (whitespace-minified, so CPU
 * profiles give columns, not lines). tsc: compiles the entries and everything they import into
 * `<workDir>/build/out` and runs `node <entry>.js`, as `npm start` runs dist/; profiles then have
 * line numbers. The build directory gets `{"type":"module"}` and a node_modules symlink to the
 * repository's, so nothing is written inside the repository.
 */
export async function prepareRuntime(kind: RuntimeKind, workDir: string): Promise<Runtime> {
  if (kind === 'tsx') {
    return {
      kind,
      description:
        'node --import tsx (real service and baseline both from TypeScript source, same node flags)',
      codeRoot: REPO_ROOT,
      nodeArgs: (entry) => ['--import', 'tsx', entry],
    };
  }
  const build = join(workDir, 'build');
  const out = join(build, 'out');
  await mkdir(build, { recursive: true });
  await writeFile(join(build, 'package.json'), '{ "type": "module", "private": true }\n');
  await symlink(join(REPO_ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');
  const tsconfig = {
    extends: join(REPO_ROOT, 'tsconfig.json'),
    compilerOptions: { rootDir: REPO_ROOT, outDir: out, noEmit: false, sourceMap: false, declaration: false },
    include: [],
    files: ENTRIES.map((e) => join(REPO_ROOT, e)),
  };
  await writeFile(join(build, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  progress(`compiling ${ENTRIES.join(', ')} and their imports with tsc into ${out}`);
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await runCommand(process.execPath, [tsc, '-p', join(build, 'tsconfig.json')], { cwd: REPO_ROOT });
  } catch (err) {
    // Exit status 2: type errors, but JavaScript was emitted (others may be mid-edit).
    if (!/exited with 2\b/.test((err as Error).message)) throw err;
    progress(`tsc reported type errors; running the emitted JavaScript anyway:\n${(err as Error).message}`);
  }
  return {
    kind,
    description: 'node on tsc output (real service and baseline compiled the same way, same node flags)',
    codeRoot: out,
    nodeArgs: (entry) => [join(out, entry.replace(/\.ts$/, '.js'))],
  };
}
