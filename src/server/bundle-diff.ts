import { parseRuleText } from '../policies/index.js';
import type { BundleDiff } from './bundle-store.js';
import { readTree } from './bundle-tree.js';
import { lineDiff } from './line-diff.js';

/** A diff with, for each text file changed, its unified line diff. */
export interface BundleDiffDetail extends BundleDiff {
  readonly lines: Readonly<Record<string, string>>;
}

/**
 * What changed from the bundle in `fromDir` to the one in `toDir`: every file of the trees, and
 * the rule and device check ids (from rules.json, rules.txt and device.json) added, removed or
 * changed; with `lines`, the unified line diff of each text file changed too.
 */
export async function diffBundleDirs(fromDir: string, toDir: string): Promise<BundleDiff>;
export async function diffBundleDirs(fromDir: string, toDir: string, lines: true): Promise<BundleDiffDetail>;
export async function diffBundleDirs(
  fromDir: string,
  toDir: string,
  lines = false,
): Promise<BundleDiff | BundleDiffDetail> {
  const [a, b] = await Promise.all([readTree(fromDir), readTree(toDir)]);
  const files: Record<string, 'added' | 'removed' | 'changed'> = {};
  const text: Record<string, string> = {};
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(path);
    const y = b.get(path);
    if (x === undefined) files[path] = 'added';
    else if (y === undefined) files[path] = 'removed';
    else if (!x.equals(y)) {
      files[path] = 'changed';
      if (lines && !x.includes(0) && !y.includes(0))
        text[path] = lineDiff(x.toString('utf8'), y.toString('utf8'));
    }
  }
  const was = rulesOf(a);
  const now = rulesOf(b);
  const rules = {
    added: [...now.keys()].filter((id) => !was.has(id)),
    removed: [...was.keys()].filter((id) => !now.has(id)),
    changed: [...now].filter(([id, r]) => was.has(id) && was.get(id) !== r).map(([id]) => id),
  };
  return lines ? { files, rules, lines: text } : { files, rules };
}

/** Each rule and device check of a tree: id to its definition as canonical JSON. */
function rulesOf(tree: ReadonlyMap<string, Buffer>): Map<string, string> {
  const out = new Map<string, string>();
  const fromJson = (file: string, key: string) => {
    const b = tree.get(file);
    if (b === undefined) return;
    try {
      const doc = JSON.parse(b.toString('utf8')) as Record<string, unknown>;
      const list = doc[key];
      if (Array.isArray(list))
        for (const r of list)
          if (typeof r === 'object' && r !== null && typeof (r as { id?: unknown }).id === 'string')
            out.set((r as { id: string }).id, canonical(r));
    } catch {
      // A kept version always parsed; a broken file has no rules to compare.
    }
  };
  fromJson('rules.json', 'rules');
  fromJson('device.json', 'checks');
  const txt = tree.get('rules.txt');
  if (txt !== undefined) {
    const parsed = parseRuleText(txt.toString('utf8'));
    if ('value' in parsed)
      for (const { at: _at, ...r } of parsed.value) out.set(r.id, canonical({ ...r, when: r.when.trim() }));
  }
  return out;
}

/** JSON with object keys sorted, so equal definitions compare equal. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'object' && x !== null && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)))
      : x,
  );
}
