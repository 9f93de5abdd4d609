import { spawnSync } from 'node:child_process';

/** How to install each tool the bench may need. */
export const HINTS: Readonly<Record<string, string>> = {
  wrk: 'apt-get install wrk',
  h2load: 'apt-get install nghttp2-client',
  taskset: 'apt-get install util-linux',
  valgrind: 'apt-get install valgrind',
};

/** Whether `tool` is on the PATH. */
export function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Throws one clear error naming every missing tool and how to install it. */
export function requireTools(tools: readonly string[]): void {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return;
  const lines = missing.map((t) => `  ${t}${HINTS[t] ? ` (${HINTS[t]})` : ''}`);
  throw new Error(`missing tools needed by the benchmark:\n${lines.join('\n')}`);
}
