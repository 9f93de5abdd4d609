import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type IConfiguration, type IReporterOutput } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const config = require(join(root, '.dependency-cruiser.cjs')) as IConfiguration;

async function violations(baseDir: string, paths: string[]): Promise<string[]> {
  const result: IReporterOutput = await cruise(paths, {
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  });
  if (typeof result.output === 'string') throw new Error('expected a cruise result object');
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  scratch.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layering (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  it('the service, bench and scripts break no rule', async () => {
    expect(await violations(root, ['src', 'bench', 'scripts'])).toEqual([]);
  }, 60_000);

  it('fails an upward import: the domain importing the engine', async () => {
    const dir = tree({
      'src/engine/index.ts': "import { x } from '../domain/index.js';\nexport const y = x;\n",
      'src/domain/index.ts': "export { z as x } from './z.js';\n",
      'src/domain/z.ts': "import { y } from '../engine/index.js';\nexport const z = () => y;\n",
    });
    const found = await violations(dir, ['src']);
    expect(found).toContain('domain-is-bottom: src/domain/z.ts -> src/engine/index.ts');
    expect(found.some((v) => v.startsWith('no-circular:'))).toBe(true);
  });

  it('fails a stage importing the engine, and an import past an area index', async () => {
    const dir = tree({
      'src/engine/index.ts': "export { e } from './e.js';\n",
      'src/engine/e.ts': 'export const e = 1;\n',
      'src/policies/p.ts': "import { e } from '../engine/e.js';\nexport const p = e;\n",
    });
    const found = await violations(dir, ['src']);
    expect(found).toContain('stages-below-engine: src/policies/p.ts -> src/engine/e.ts');
    expect(found).toContain('areas-through-index: src/policies/p.ts -> src/engine/e.ts');
  });

  it('keeps durability on the domain alone, and the stages off durability', async () => {
    const dir = tree({
      'src/features/index.ts': "import { j } from '../durability/index.js';\nexport const f = j;\n",
      'src/durability/index.ts': "import { f } from '../features/index.js';\nexport const j = () => f;\n",
      'src/engine/index.ts': "import { j } from '../durability/index.js';\nexport const e = j;\n",
    });
    const found = await violations(dir, ['src']);
    expect(found).toContain('durability-uses-domain-only: src/durability/index.ts -> src/features/index.ts');
    expect(found).toContain('stages-do-not-journal: src/features/index.ts -> src/durability/index.ts');
    // The engine may use it.
    expect(found.filter((v) => v.includes('src/engine/'))).toEqual([]);
  });
});
