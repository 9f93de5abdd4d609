import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Time attributed to one function (or module) in a CPU profile. */
export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  /** Share of non-idle time, in percent. */
  readonly pct: number;
}

/** Where a .cpuprofile spent its time. */
export interface CpuProfileSummary {
  readonly file: string;
  readonly busyMs: number;
  readonly idleMs: number;
  /** Functions by self time. */
  readonly topSelf: readonly ProfileEntry[];
  /** Modules (package, repository file, node internals) by self time. */
  readonly topModules: readonly ProfileEntry[];
  /** Repository functions (src/) by inclusive time: self plus everything they called. */
  readonly topRepoInclusive: readonly ProfileEntry[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const PSEUDO = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Groups a script URL by what it belongs to: a package, a repository file, or node internals. */
function moduleOf(url: string, root: string): string {
  if (url === '') return '(native/vm)';
  if (url.startsWith('node:')) return url.startsWith('node:internal/') ? 'node:internal' : url;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  return relative(root, path);
}

/** Summarises a V8 .cpuprofile (node --cpu-prof): top `n` by self time, by module, and repository code by inclusive time. */
export async function summarizeCpuProfile(file: string, root: string, n = 15): Promise<CpuProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const info = new Map<number, { key: string; mod: string; pseudo: boolean; idle: boolean }>();
  for (const { id, callFrame: f } of profile.nodes) {
    const pseudo = PSEUDO.has(f.functionName);
    const mod = pseudo ? f.functionName : moduleOf(f.url, root);
    // tsx emits one line per module, so a column is the only position it leaves.
    const pos = f.lineNumber === 0 ? `1:${f.columnNumber + 1}` : String(f.lineNumber + 1);
    const key = pseudo ? f.functionName : `${f.functionName || '(anonymous)'} ${mod}:${pos}`;
    info.set(id, { key, mod, pseudo, idle: f.functionName === '(idle)' });
  }

  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let idle = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const leaf = info.get(id);
    if (leaf === undefined) return;
    if (leaf.idle) {
      idle += dt;
      return;
    }
    busy += dt;
    add(self, leaf.key, dt);
    add(modules, leaf.mod, dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = info.get(at);
      if (frame === undefined || !frame.mod.startsWith('src/') || seen.has(frame.key)) continue;
      seen.add(frame.key);
      add(inclusive, frame.key, dt);
    }
  });
  const top = (m: Map<string, number>): ProfileEntry[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: Math.round((ms / busy) * 1000) / 10 }));
  return {
    file,
    busyMs: Math.round(busy),
    idleMs: Math.round(idle),
    topSelf: top(self),
    topModules: top(modules),
    topRepoInclusive: top(inclusive),
  };
}

/**
 * The main-thread profile in a --cpu-prof directory: node names them
 * CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile and the main thread is thread 0.
 */
export async function mainThreadProfile(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const main = files.find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
  if (main === undefined) throw new Error(`no .cpuprofile in ${dir} (did the server exit cleanly?)`);
  return join(dir, main);
}
