import { type FSWatcher, watch } from 'node:fs';
import {
  appendFile,
  cp,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { RiskError, type Tokenizer } from '../domain/index.js';
import {
  type Bundle,
  BundleError,
  type BundleLoadOptions,
  type DecisionEngine,
  loadBundleDir,
} from '../engine/index.js';
import { createListSet, type ListItem, parseListItem, type RiskList } from '../policies/index.js';

/** Where a bundle version came from. */
export type BundleSource = 'start' | 'file' | 'sighup' | 'admin' | 'rollback';

/** One entry of the audit trail: every version served and every list change. */
export interface AuditEntry {
  readonly at: string;
  readonly action: 'load' | 'publish' | 'rollback' | 'reject' | 'list-add' | 'list-remove';
  readonly source?: BundleSource;
  readonly by: string;
  readonly version?: string;
  readonly previous?: string;
  /** For a bundle: files added, removed or changed against the previous version, and rule ids. */
  readonly diff?: BundleDiff;
  readonly list?: string;
  readonly item?: string;
  /** The whole item a list-add added, so a restart can add it again. */
  readonly listItem?: ListItem;
  readonly problems?: readonly string[];
}

/** What changed between two bundle versions. */
export interface BundleDiff {
  readonly files: Readonly<Record<string, 'added' | 'removed' | 'changed'>>;
  readonly rules: { readonly added: readonly string[]; readonly removed: readonly string[] };
}

/** The bundle control plane: reloads, publishes, versions, rollbacks and live list items, audited. */
export interface ControlPlane {
  /** Version, name and origin of the bundle new decisions read. */
  current(): { version: string; name: string; source: BundleSource; loadedAt: string };
  /** Every bundle version served since start (and kept under DATA_DIR), oldest first. */
  versions(): readonly { version: string; source: BundleSource; at: string; by: string }[];
  audit(): readonly AuditEntry[];
  /** Loads the bundle directory again; a bad bundle changes nothing and throws RISK_ERR_BUNDLE_INVALID. */
  reloadFromDir(source: 'file' | 'sighup', by?: string): Promise<string>;
  /** Checks the current bundle with `files` replaced (file name to content); returns the version it would have. */
  validate(files: Readonly<Record<string, string>>): Promise<string>;
  /** validate, then serves it: an atomic swap. Returns the new version. */
  publish(files: Readonly<Record<string, string>>, by: string): Promise<string>;
  /** Serves a version kept earlier again. */
  rollback(version: string, by: string): Promise<string>;
  /** Items of a list, with live additions and removals. */
  listItems(listId: string): readonly ListItem[];
  addListItem(listId: string, item: Record<string, unknown>, by: string): ListItem;
  removeListItem(listId: string, value: string, by: string): void;
  /** Starts watching the bundle directory: a saved edit is live within `debounceMs`. */
  watch(debounceMs?: number): void;
  close(): Promise<void>;
}

/** What the control plane needs from the service. */
export interface ControlPlaneOptions {
  readonly engine: DecisionEngine;
  /** The watched directory the service started from. */
  readonly bundleDir: string;
  /** Where versions and the audit trail are kept; undefined keeps them in a temp dir for the process. */
  readonly dataDir: string | undefined;
  readonly load: Omit<BundleLoadOptions, 'now'> & { readonly now: () => number };
  readonly tokenizer: Tokenizer;
  /** After a swap, how long the old model stays open for decisions still scoring on it. */
  readonly modelGraceMs: number;
  readonly log: {
    info(o: object, m: string): void;
    warn(o: object, m: string): void;
    error(o: object, m: string): void;
  };
  readonly wall?: () => number;
}

/** Files a bundle may hold; a publish names some of them. */
const BUNDLE_FILES = new Set([
  'bundle.json',
  'features.json',
  'rules.json',
  'rules.txt',
  'sequences.json',
  'device.json',
  'lists.json',
  'model/manifest.json',
]);

/**
 * Creates the control plane over a running engine (docs/architecture.md §6). Every change is
 * compiled and checked before an atomic swap (loadBundleDir does all the checks); a bad bundle is
 * rejected with its problems and the old one keeps serving. Versions are content hashes; each one
 * served is copied under `<DATA_DIR>/bundles/<version>/` so a rollback can load it again, and the
 * audit trail is `<DATA_DIR>/audit.ndjson`. Live list items are an overlay re-applied on every new
 * bundle, so a reload does not lose them; the version then reads `<bundle version>+lists.<n>`.
 */
export async function createControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { engine, log } = options;
  const wall = options.wall ?? Date.now;
  const home = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'risk-bundles-')));
  const versionsDir = join(home, 'bundles');
  await mkdir(versionsDir, { recursive: true });
  const auditFile = join(home, 'audit.ndjson');
  const trail: AuditEntry[] = [];
  const served: { version: string; source: BundleSource; at: string; by: string }[] = [];
  /** The serving bundle before the list overlay. */
  let base = engine.bundle;
  let baseDir = resolve(options.bundleDir);
  let source: BundleSource = 'start';
  let loadedAt = new Date(wall()).toISOString();
  /** Live list changes: list id → item value → the item, or null for a removed one. */
  const overlay = new Map<string, Map<string, ListItem | null>>();
  let overlayRevision = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;

  const record = async (e: AuditEntry) => {
    trail.push(e);
    try {
      await appendFile(auditFile, `${JSON.stringify(e)}\n`);
    } catch (err) {
      log.error({ err }, 'could not append to the audit trail');
    }
  };
  /** Runs control-plane changes one at a time, in order. */
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = chain.then(f, f);
    chain = next.catch(() => undefined);
    return next;
  };
  /** Keeps `dir` as version `version`: moved there when `adopt` (a staging dir of ours), else copied. */
  const keep = async (dir: string, version: string, adopt: boolean) => {
    const target = join(versionsDir, version);
    const exists = await readdir(target).then(
      () => true,
      () => false,
    );
    if (exists) {
      if (adopt) await rm(dir, { recursive: true, force: true });
    } else if (adopt) await rename(dir, target);
    else await cp(dir, target, { recursive: true });
  };
  const withOverlay = (b: Bundle): Bundle => {
    if (overlay.size === 0) return b;
    const lists: RiskList[] = b.lists.lists.map((l) => {
      const changes = overlay.get(l.id);
      if (changes === undefined) return l;
      const items = new Map(l.items);
      for (const [value, item] of changes) {
        if (item === null) items.delete(value);
        else items.set(value, item);
      }
      return { ...l, items };
    });
    return Object.freeze({
      ...b,
      lists: createListSet(lists),
      version: `${b.version}+lists.${overlayRevision}`,
    });
  };
  const swap = (next: Bundle) => {
    const prev = engine.swapBundle(next);
    if (prev.model !== undefined && prev.model !== next.model) {
      const model = prev.model;
      // Decisions already scoring on it finish first: none waits longer than the model timeout.
      setTimeout(() => void model.close(), options.modelGraceMs).unref();
    }
  };
  const diffOf = async (fromDir: string, toDir: string, from: Bundle, to: Bundle): Promise<BundleDiff> => {
    const files: Record<string, 'added' | 'removed' | 'changed'> = {};
    for (const f of BUNDLE_FILES) {
      const a = await readFile(join(fromDir, f), 'utf8').catch(() => undefined);
      const b = await readFile(join(toDir, f), 'utf8').catch(() => undefined);
      if (a === undefined && b !== undefined) files[f] = 'added';
      else if (a !== undefined && b === undefined) files[f] = 'removed';
      else if (a !== b) files[f] = 'changed';
    }
    const ids = (x: Bundle) => new Set([...x.rules, ...x.deviceChecks].map((r) => r.id));
    const was = ids(from);
    const now = ids(to);
    return {
      files,
      rules: { added: [...now].filter((i) => !was.has(i)), removed: [...was].filter((i) => !now.has(i)) },
    };
  };
  const load = async (dir: string): Promise<Bundle> => {
    try {
      return await loadBundleDir(dir, options.load);
    } catch (err) {
      if (err instanceof BundleError)
        throw new RiskError(
          'RISK_ERR_BUNDLE_INVALID',
          `bundle rejected (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}); still serving ${engine.bundle.version}`,
          err.problems.map((p) => ({ field: p.split(':')[0] ?? 'bundle', description: p })),
        );
      throw err;
    }
  };
  /** Loads `dir` and serves it, audited; the caller keeps `dir` as it is. */
  const serve = async (
    dir: string,
    src: BundleSource,
    by: string,
    action: AuditEntry['action'],
    adopt = false,
  ): Promise<string> => {
    let next: Bundle;
    try {
      next = await load(dir);
    } catch (err) {
      if (err instanceof RiskError)
        await record({
          at: new Date(wall()).toISOString(),
          action: 'reject',
          source: src,
          by,
          problems: err.violations.map((v) => v.description),
        });
      throw err;
    }
    const diff = await diffOf(baseDir, dir, base, next);
    const previous = engine.bundle.version;
    await keep(dir, next.version, adopt);
    base = next;
    baseDir = join(versionsDir, next.version);
    source = src;
    loadedAt = new Date(wall()).toISOString();
    swap(withOverlay(next));
    served.push({ version: next.version, source: src, at: loadedAt, by });
    await record({ at: loadedAt, action, source: src, by, version: engine.bundle.version, previous, diff });
    log.info({ version: engine.bundle.version, previous, source: src, by }, 'bundle swapped');
    return engine.bundle.version;
  };
  /**
   * A staging copy of the serving bundle with `files` replaced. The serving bundle is a kept version
   * (never written again), so its files are hard-linked, not copied: a publish costs what it
   * writes, however large the model is.
   */
  const overlayDir = async (files: Readonly<Record<string, string>>): Promise<string> => {
    const dir = await mkdtemp(join(versionsDir, '.staging-'));
    await linkTree(baseDir, dir);
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
      await unlink(target).catch(() => undefined);
      await writeFile(target, content);
    }
    return dir;
  };

  // Live list items survive a restart: the audit trail's list changes are applied again, in order.
  const past = await readFile(auditFile, 'utf8').catch(() => '');
  for (const line of past.split('\n')) {
    if (line === '') continue;
    let e: AuditEntry;
    try {
      e = JSON.parse(line) as AuditEntry;
    } catch {
      continue; // a torn last line
    }
    if (
      (e.action !== 'list-add' && e.action !== 'list-remove') ||
      e.list === undefined ||
      e.item === undefined
    )
      continue;
    const changes = overlay.get(e.list) ?? new Map<string, ListItem | null>();
    overlay.set(e.list, changes);
    changes.set(e.item, e.action === 'list-add' ? (e.listItem ?? { value: e.item }) : null);
    overlayRevision++;
  }
  if (overlayRevision > 0) {
    swap(withOverlay(base));
    log.info(
      { changes: overlayRevision, version: engine.bundle.version },
      'live list items restored from the audit trail',
    );
  }
  await keep(baseDir, base.version, false);
  baseDir = join(versionsDir, base.version);
  served.push({ version: base.version, source: 'start', at: loadedAt, by: 'service' });
  await record({ at: loadedAt, action: 'load', source: 'start', by: 'service', version: base.version });

  const findList = (listId: string): RiskList => {
    const l = engine.bundle.lists.lists.find((x) => x.id === listId);
    if (l === undefined)
      throw new RiskError(
        'RISK_ERR_UNKNOWN_RESOURCE',
        `no list ${listId} in bundle ${engine.bundle.version}`,
      );
    return l;
  };

  const plane: ControlPlane = {
    current: () => ({ version: engine.bundle.version, name: engine.bundle.name, source, loadedAt }),
    versions: () => served,
    audit: () => trail,
    reloadFromDir: (src, by = src === 'sighup' ? 'SIGHUP' : 'file watcher') =>
      serial(async () => {
        const dir = resolve(options.bundleDir);
        // A reload reads the directory as it is; copy it first so a later edit cannot race the load.
        const copy = await mkdtemp(join(tmpdir(), 'risk-reload-'));
        try {
          await cp(dir, copy, { recursive: true });
          const was = base.version;
          const v = await serve(copy, src, by, 'load');
          if (base.version === was) log.info({ version: v }, 'bundle unchanged');
          return v;
        } finally {
          await rm(copy, { recursive: true, force: true });
        }
      }),
    validate: (files) =>
      serial(async () => {
        const dir = await overlayDir(files);
        try {
          const b = await load(dir);
          await b.model?.close();
          return b.version;
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
    publish: (files, by) =>
      serial(async () => {
        const dir = await overlayDir(files);
        try {
          return await serve(dir, 'admin', by, 'publish', true);
        } catch (err) {
          await rm(dir, { recursive: true, force: true });
          throw err;
        }
      }),
    rollback: (version, by) =>
      serial(async () => {
        // A version with a list overlay rolls back to its bundle; the live list items stay.
        const kept = version.split('+')[0] ?? '';
        const known =
          /^[\w.-]+@[0-9a-f]{12}$/.test(kept) &&
          (await readdir(join(versionsDir, kept)).then(
            () => true,
            () => false,
          ));
        if (!known) throw new RiskError('RISK_ERR_UNKNOWN_RESOURCE', `no kept bundle version ${version}`);
        return serve(join(versionsDir, kept), 'rollback', by, 'rollback');
      }),
    listItems: (listId) => [...findList(listId).items.values()],
    addListItem(listId, raw, by) {
      const list = findList(listId);
      const parsed = parseListItem(
        { ...raw, addedBy: by, addedAt: new Date(wall()).toISOString() },
        list,
        options.tokenizer,
        'item',
      );
      if ('error' in parsed) throw RiskError.invalid([{ field: 'item', description: parsed.error }]);
      const item = parsed.value;
      const changes = overlay.get(listId) ?? new Map<string, ListItem | null>();
      overlay.set(listId, changes);
      changes.set(item.value, item);
      overlayRevision++;
      swap(withOverlay(base));
      void record({
        at: new Date(wall()).toISOString(),
        action: 'list-add',
        by,
        list: listId,
        item: item.value,
        listItem: item,
        version: engine.bundle.version,
      });
      return item;
    },
    removeListItem(listId, value, by) {
      const list = findList(listId);
      if (!list.items.has(value))
        throw new RiskError('RISK_ERR_UNKNOWN_RESOURCE', `list ${listId} has no item ${value}`);
      const changes = overlay.get(listId) ?? new Map<string, ListItem | null>();
      overlay.set(listId, changes);
      changes.set(value, null);
      overlayRevision++;
      swap(withOverlay(base));
      void record({
        at: new Date(wall()).toISOString(),
        action: 'list-remove',
        by,
        list: listId,
        item: value,
        version: engine.bundle.version,
      });
    },
    watch(debounceMs = 250) {
      if (watcher !== undefined) return;
      watcher = watch(resolve(options.bundleDir), { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          plane.reloadFromDir('file').catch((err: unknown) => {
            const problems =
              err instanceof RiskError ? err.violations.map((v) => v.description) : [String(err)];
            log.warn(
              { problems, still: engine.bundle.version },
              'bundle edit rejected; the old bundle keeps serving',
            );
          });
        }, debounceMs);
      });
      watcher.on('error', (err) => log.error({ err }, 'bundle directory watcher failed'));
    },
    async close() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
      await chain;
      if (options.dataDir === undefined) await rm(home, { recursive: true, force: true });
    },
  };
  return plane;
}

/** Recreates the tree at `src` under `dst` with hard links to its files. */
async function linkTree(src: string, dst: string): Promise<void> {
  for (const e of await readdir(src, { withFileTypes: true })) {
    const from = join(src, e.name);
    const to = join(dst, e.name);
    if (e.isDirectory()) {
      await mkdir(to, { recursive: true });
      await linkTree(from, to);
    } else if (e.isFile()) await link(from, to);
  }
}
