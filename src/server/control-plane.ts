import { type FSWatcher, watch } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RiskError, type Tokenizer } from '../domain/index.js';
import {
  type Bundle,
  BundleError,
  type BundleLoadOptions,
  type DecisionEngine,
  loadBundleDir,
} from '../engine/index.js';
import { type ListItem, parseListItem, type RiskList } from '../policies/index.js';
import { type BundleDiffDetail, diffBundleDirs } from './bundle-diff.js';
import type {
  AuditEntry,
  BundleSource,
  BundleStore,
  ListChange,
  StoreCommit,
  StoreHead,
  VersionInfo,
} from './bundle-store.js';
import { createListOverlay } from './list-overlay.js';
import { editRule, type RuleEdit, type RuleFiles } from './rule-edit.js';
import { stageBundle } from './stage-bundle.js';

export type { AuditEntry, BundleDiff, BundleSource, VersionInfo } from './bundle-store.js';

/** The bundle control plane: reloads, publishes, versions, rollbacks and live list items, audited. */
export interface ControlPlane {
  /** Version, name and origin of the bundle new decisions read, and the store's revision it is at. */
  current(): {
    version: string;
    name: string;
    source: BundleSource;
    loadedAt: string;
    revision: number;
    store: BundleStore['kind'];
  };
  /** Bundle versions served (files: since start; PostgreSQL: ever, by any replica), oldest first. */
  versions(): Promise<readonly VersionInfo[]>;
  audit(): Promise<readonly AuditEntry[]>;
  /** Bundles this process swapped in since start (loads, publishes, rollbacks, a head from another replica) and rejected. */
  changes(): { applied: number; rejected: number };
  /**
   * Files: loads the bundle directory again; PostgreSQL: reads the head again (SIGHUP, POST
   * /bundle/reload). A bad bundle changes nothing and throws RISK_ERR_BUNDLE_INVALID.
   */
  reload(source: 'file' | 'sighup', by?: string): Promise<string>;
  /** Checks the current bundle with `files` replaced (file name to content); returns the version it would have. */
  validate(files: Readonly<Record<string, string>>): Promise<string>;
  /**
   * Loads the current bundle with `files` replaced, without serving it, and hands it to `use` (a
   * backtest); the candidate's model is closed after. Bad files are RISK_ERR_BUNDLE_INVALID.
   */
  /** The bundle new decisions read (the serving version, with live list items). */
  serving(): Bundle;
  withCandidate<T>(
    files: Readonly<Record<string, string>>,
    use: (candidate: Bundle) => Promise<T>,
  ): Promise<T>;
  /** validate, then serves it: an atomic swap (on every replica of a shared store). Returns the new version. */
  publish(files: Readonly<Record<string, string>>, by: string): Promise<string>;
  /** The serving bundle's rules files as they are (undefined for a file it lacks): the console shows them. */
  ruleFiles(): Promise<RuleFiles>;
  /** Checks the current bundle with one rule replaced, added or removed; returns the version it would have. */
  validateRule(id: string, edit: RuleEdit): Promise<string>;
  /** Publishes the current bundle with one rule replaced, added or removed (rules.json or rules.txt). */
  publishRule(id: string, edit: RuleEdit, by: string): Promise<string>;
  /** Serves a version kept earlier again. */
  rollback(version: string, by: string): Promise<string>;
  /** What changed from one kept version to another: files, rule ids and line diffs of text files. */
  diff(from: string, to: string): Promise<BundleDiffDetail & { from: string; to: string }>;
  /** Items of a list, with live additions and removals. */
  listItems(listId: string): readonly ListItem[];
  addListItem(listId: string, item: Record<string, unknown>, by: string): Promise<ListItem>;
  removeListItem(listId: string, value: string, by: string): Promise<void>;
  /** Starts watching the bundle directory: a saved edit is live within `debounceMs` (files only). */
  watch(debounceMs?: number): void;
  close(): Promise<void>;
}

/** What the control plane needs from the service. */
export interface ControlPlaneOptions {
  readonly engine: DecisionEngine;
  /** The directory the service started from: the store's first version, and watched (files). */
  readonly bundleDir: string;
  /** Where versions, the head, list changes and the audit trail are kept (files or PostgreSQL). */
  readonly store: BundleStore;
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

const VERSION = /^[\w.-]+@[0-9a-f]{12}$/;

/**
 * Creates the control plane over a running engine (docs/architecture.md §6). Every change is
 * compiled and checked here before it is committed to the store and swapped in atomically
 * (loadBundleDir does all the checks); a bad bundle is rejected with its problems and the old one
 * keeps serving. Versions are content hashes, kept by the store (BundleStore) so a rollback can load
 * them again. Live list items are an overlay re-applied on every new bundle, so a reload does not
 * lose them; the version then reads `<bundle version>+lists.<n>`. With a shared store, every change
 * is made on the store's locked head, and heads other replicas commit are followed and served.
 */
export async function createControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  let applied = 0;
  let rejectedCount = 0;
  const { engine, log, store } = options;
  const wall = options.wall ?? Date.now;
  const now = () => new Date(wall()).toISOString();
  /** The serving bundle before the list overlay, and a directory holding its files. */
  let base = engine.bundle;
  let baseDir = resolve(options.bundleDir);
  let source: BundleSource = 'start';
  let loadedAt = now();
  const overlay = createListOverlay();
  /** The store revision served; a head at or below it is nothing new. */
  let revision = 0;
  /** A head that failed to load here: logged once, tried again only on a newer head or a reload. */
  let failedRevision = -1;
  let chain: Promise<unknown> = Promise.resolve();
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /** Runs control-plane changes one at a time, in order. */
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = chain.then(f, f);
    chain = next.catch(() => undefined);
    return next;
  };
  const swap = (next: Bundle) => {
    const prev = engine.swapBundle(next);
    if (prev.model !== undefined && prev.model !== next.model) {
      const model = prev.model;
      // Decisions already scoring on it finish first: none waits longer than the model timeout.
      setTimeout(() => void model.close(), options.modelGraceMs).unref();
    }
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
  const problemsOf = (err: unknown) =>
    err instanceof RiskError && err.violations.length > 0
      ? err.violations.map((v) => v.description)
      : [String(err)];

  /**
   * Serves the store's head if it is newer than what this process serves: its version (loaded and
   * checked here) and the list changes after ours. Throws, changing nothing, if the version does
   * not load.
   */
  const catchUp = async (head: StoreHead, src: BundleSource): Promise<boolean> => {
    if (head.revision <= revision) return false;
    const changes =
      head.lists > overlay.revision ? await store.listChanges(overlay.revision, head.lists) : [];
    let next: { bundle: Bundle; dir: string } | undefined;
    if (head.version !== undefined && head.version !== base.version) {
      const dir = await store.versionDir(head.version);
      if (dir === undefined)
        throw new RiskError('RISK_ERR_UNKNOWN_RESOURCE', `head version ${head.version} is not in the store`);
      next = { bundle: await load(dir), dir };
    }
    for (const c of changes) overlay.apply(c);
    revision = head.revision;
    if (next !== undefined) {
      base = next.bundle;
      baseDir = next.dir;
      source = src;
      loadedAt = now();
    }
    if (next === undefined && changes.length === 0) return false;
    swap(overlay.on(base));
    return true;
  };
  /** Serves a head another replica committed (the store's NOTIFY or poll); a bad one is logged once. */
  const follow = (head: StoreHead) => {
    if (closed || head.revision <= revision || head.revision === failedRevision) return;
    void serial(async () => {
      if (closed || head.revision <= revision || head.revision === failedRevision) return;
      const previous = engine.bundle.version;
      try {
        if (await catchUp(head, 'replica'))
          log.info(
            { version: engine.bundle.version, previous, revision: head.revision },
            'bundle head from the store served',
          );
      } catch (err) {
        if (!(err instanceof RiskError) || err.code === 'RISK_ERR_STORE_UNAVAILABLE') {
          // The store, not the bundle: the next notification or poll tries again.
          log.warn(
            { revision: head.revision, err: String(err) },
            'could not read the bundle head from the store',
          );
          return;
        }
        failedRevision = head.revision;
        log.error(
          {
            revision: head.revision,
            head: head.version,
            problems: problemsOf(err),
            still: engine.bundle.version,
          },
          'could not load the bundle head another replica published; the old bundle keeps serving',
        );
      }
    });
  };
  /**
   * Runs a change on the store's head, locked against every other writer: this process first
   * catches up with that head (so a publish builds on the newest bundle), then `f` answers the
   * commit; `after` applies it here once it is committed.
   */
  const change = <T, R>(
    f: () => Promise<{ commit: StoreCommit; result: T }>,
    after: (result: T) => Promise<R> | R,
  ): Promise<R> =>
    serial(async () => {
      const { head, result } = await store.transact(async (h) => {
        try {
          await catchUp(h, 'replica');
        } catch (err) {
          // The change applies to the bundle this process serves: a rollback is how a bad head is fixed.
          log.error(
            { revision: h.revision, head: h.version, problems: problemsOf(err) },
            'could not load the bundle head; the change applies to the bundle served here',
          );
        }
        return f();
      });
      revision = head.revision;
      return after(result);
    });
  /**
   * Checks the bundle `make` stages and serves it: committed to the store (kept, head moved,
   * audited, announced), then swapped in. A bad bundle is audited as a rejection and changes nothing.
   */
  const serveVersion = (
    make: () => Promise<{ dir: string; staged: boolean }>,
    src: BundleSource,
    by: string,
    action: 'load' | 'publish' | 'rollback',
    extra: Partial<AuditEntry> = {},
  ): Promise<string> => {
    let next: Bundle | undefined;
    let served = false;
    let rejected: RiskError | undefined;
    let staging: string | undefined;
    return change(
      async () => {
        const { dir, staged } = await make();
        if (staged) staging = dir;
        try {
          next = await load(dir);
        } catch (err) {
          if (err instanceof RiskError && err.code === 'RISK_ERR_BUNDLE_INVALID') rejected = err;
          throw err;
        }
        const diff = await diffBundleDirs(baseDir, dir);
        const entry: AuditEntry = {
          at: now(),
          action,
          source: src,
          by,
          version: overlay.versionOn(next),
          previous: engine.bundle.version,
          diff,
          ...extra,
        };
        const commit: StoreCommit = {
          kind: 'version',
          version: next.version,
          name: next.name,
          dir,
          adopt: staged,
          entry,
        };
        return { commit, result: next };
      },
      async (b) => {
        const dir = await store.versionDir(b.version);
        if (dir === undefined) throw new Error(`version ${b.version} committed but not kept`);
        base = b;
        baseDir = dir;
        source = src;
        loadedAt = now();
        swap(overlay.on(b));
        served = true;
        applied++;
        log.info({ version: engine.bundle.version, source: src, by, revision }, 'bundle swapped');
        return engine.bundle.version;
      },
    ).then(
      async (v) => {
        if (staging !== undefined) await rm(staging, { recursive: true, force: true });
        return v;
      },
      async (err: unknown) => {
        if (staging !== undefined) await rm(staging, { recursive: true, force: true });
        if (!served) await next?.model?.close();
        if (rejected !== undefined) rejectedCount++;
        if (rejected !== undefined)
          await store
            .record({
              at: now(),
              action: 'reject',
              source: src,
              by,
              problems: problemsOf(rejected),
              ...extra,
            })
            .catch((e: unknown) => log.error({ err: String(e) }, 'could not audit a rejected bundle'));
        throw err;
      },
    );
  };
  const findList = (listId: string): RiskList => {
    const l = engine.bundle.lists.lists.find((x) => x.id === listId);
    if (l === undefined)
      throw new RiskError(
        'RISK_ERR_UNKNOWN_RESOURCE',
        `no list ${listId} in bundle ${engine.bundle.version}`,
      );
    return l;
  };
  /** Commits one list change and applies it here. */
  const listChange = (make: () => { change: ListChange; entry: Omit<AuditEntry, 'version'> }) =>
    change(
      async () => {
        const { change: c, entry } = make();
        const version = overlay.versionOn(base, 1);
        return { commit: { kind: 'list', change: c, entry: { ...entry, version } }, result: c };
      },
      (c) => {
        overlay.apply(c);
        swap(overlay.on(base));
        return c;
      },
    );
  const keptDir = async (version: string, field: string): Promise<string> => {
    const kept = version.split('+')[0] ?? '';
    const dir = VERSION.test(kept) ? await store.versionDir(kept) : undefined;
    if (dir === undefined)
      throw new RiskError('RISK_ERR_UNKNOWN_RESOURCE', `no kept bundle version ${version} (${field})`);
    return dir;
  };

  /** The rules files of the serving bundle with rule `id` replaced, added or removed. */
  const servedRuleFiles = async (): Promise<RuleFiles> => {
    const read = (f: string) => readFile(join(baseDir, f), 'utf8').catch(() => undefined);
    return { 'rules.json': await read('rules.json'), 'rules.txt': await read('rules.txt') };
  };
  const ruleFiles = async (id: string, edit: RuleEdit) => editRule(await servedRuleFiles(), id, edit);
  /** Checks the serving bundle with the files `make` answers replaced; serves nothing. */
  const validateWith = (make: () => Promise<Readonly<Record<string, string>>>) =>
    serial(async () => {
      const dir = await stageBundle(baseDir, store.workDir, await make());
      try {
        const b = await load(dir);
        await b.model?.close();
        return b.version;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

  // At start: the store's head (seeded with the start directory when empty), then its list changes.
  const head = await store.open({
    kind: 'version',
    version: base.version,
    name: base.name,
    dir: baseDir,
    adopt: false,
    entry: { at: loadedAt, action: 'load', source: 'start', by: 'service', version: base.version },
  });
  baseDir = (await store.versionDir(base.version)) ?? baseDir;
  try {
    await catchUp(head, 'start');
  } catch (err) {
    failedRevision = head.revision;
    log.error(
      { revision: head.revision, head: head.version, problems: problemsOf(err), still: base.version },
      'could not load the bundle head of the store; serving the bundle directory until a newer head loads',
    );
  }
  if (overlay.revision > 0)
    log.info({ changes: overlay.revision, version: engine.bundle.version }, 'live list items restored');
  store.follow(follow);

  const plane: ControlPlane = {
    changes: () => ({ applied, rejected: rejectedCount }),
    current: () => ({
      version: engine.bundle.version,
      name: engine.bundle.name,
      source,
      loadedAt,
      revision,
      store: store.kind,
    }),
    versions: () => store.versions(),
    audit: () => store.audit(),
    reload(src, by = src === 'sighup' ? 'SIGHUP' : 'file watcher') {
      if (store.shared)
        // The store is the source: read its head again, trying a head that failed before too.
        return serial(async () => {
          const h = await store.head();
          const previous = engine.bundle.version;
          if (await catchUp(h, src))
            log.info(
              { version: engine.bundle.version, previous, revision },
              'bundle head from the store served',
            );
          failedRevision = -1;
          return engine.bundle.version;
        });
      const was = base.version;
      return serveVersion(
        async () => {
          // A reload reads the directory as it is; copy it first so a later edit cannot race the load.
          const copy = await mkdtemp(join(store.workDir, '.reload-'));
          await cp(resolve(options.bundleDir), copy, { recursive: true });
          return { dir: copy, staged: true };
        },
        src,
        by,
        'load',
      ).then((v) => {
        if (base.version === was) log.info({ version: v }, 'bundle unchanged');
        return v;
      });
    },
    validate: (files) => validateWith(async () => files),
    serving: () => engine.bundle,
    withCandidate: async (files, use) => {
      const dir = await serial(() => stageBundle(baseDir, store.workDir, files));
      try {
        const b = await load(dir);
        try {
          return await use(b);
        } finally {
          await b.model?.close();
          await b.challenger?.model.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    ruleFiles: servedRuleFiles,
    validateRule: (id, edit) => validateWith(() => ruleFiles(id, edit)),
    publish: (files, by) =>
      serveVersion(
        async () => ({ dir: await stageBundle(baseDir, store.workDir, files), staged: true }),
        'admin',
        by,
        'publish',
      ),
    publishRule: (id, edit, by) =>
      serveVersion(
        async () => ({
          dir: await stageBundle(baseDir, store.workDir, await ruleFiles(id, edit)),
          staged: true,
        }),
        'admin',
        by,
        'publish',
        { rule: id },
      ),
    rollback: (version, by) =>
      // A version with a list overlay rolls back to its bundle; the live list items stay.
      serveVersion(
        async () => ({ dir: await keptDir(version, 'version'), staged: false }),
        'rollback',
        by,
        'rollback',
      ),
    async diff(from, to) {
      const [a, b] = [await keptDir(from, 'from'), await keptDir(to, 'to')];
      return { from, to, ...(await diffBundleDirs(a, b, true)) };
    },
    listItems: (listId) => [...findList(listId).items.values()],
    addListItem: (listId, raw, by) =>
      listChange(() => {
        const list = findList(listId);
        const parsed = parseListItem(
          { ...raw, addedBy: by, addedAt: now() },
          list,
          options.tokenizer,
          'item',
        );
        if ('error' in parsed) throw RiskError.invalid([{ field: 'item', description: parsed.error }]);
        const item = parsed.value;
        return {
          change: { list: listId, value: item.value, item },
          entry: { at: now(), action: 'list-add', by, list: listId, item: item.value, listItem: item },
        };
      }).then((c) => c.item as ListItem),
    removeListItem: (listId, value, by) =>
      listChange(() => {
        const list = findList(listId);
        if (!list.items.has(value))
          throw new RiskError('RISK_ERR_UNKNOWN_RESOURCE', `list ${listId} has no item ${value}`);
        return {
          change: { list: listId, value, item: null },
          entry: { at: now(), action: 'list-remove', by, list: listId, item: value },
        };
      }).then(() => undefined),
    watch(debounceMs = 250) {
      if (store.shared) {
        log.info(
          { store: store.kind },
          'the bundle directory is not watched: the bundle source is the shared store (DATABASE_URL); publish through the admin API, SIGHUP reads its head again',
        );
        return;
      }
      if (watcher !== undefined) return;
      watcher = watch(resolve(options.bundleDir), { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          plane.reload('file').catch((err: unknown) => {
            log.warn(
              { problems: problemsOf(err), still: engine.bundle.version },
              'bundle edit rejected; the old bundle keeps serving',
            );
          });
        }, debounceMs);
      });
      watcher.on('error', (err) => log.error({ err }, 'bundle directory watcher failed'));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
      await chain;
      await store.close();
    },
  };
  return plane;
}
