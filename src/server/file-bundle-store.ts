import { appendFile, cp, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AuditEntry,
  BundleStore,
  ListChange,
  StoreCommit,
  StoreHead,
  VersionInfo,
} from './bundle-store.js';
import { exists } from './bundle-tree.js';

/** What the file store needs. */
export interface FileBundleStoreOptions {
  /** DATA_DIR; undefined keeps everything in a temp dir for the process, removed on close. */
  readonly dataDir: string | undefined;
  readonly log: { error(o: object, m: string): void };
}

/**
 * The store of one process, the embedded default: each version served is copied to
 * `<DATA_DIR>/bundles/<version>/` (a rollback loads it again) and the audit trail is appended to
 * `<DATA_DIR>/audit.ndjson`. At open, the trail's list changes are read back, so live list items
 * survive a restart; every start serves the bundle directory again (the seed).
 */
export async function createFileBundleStore(options: FileBundleStoreOptions): Promise<BundleStore> {
  const { log } = options;
  const home = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'risk-bundles-')));
  const versionsDir = join(home, 'bundles');
  await mkdir(versionsDir, { recursive: true });
  const auditFile = join(home, 'audit.ndjson');
  const trail: AuditEntry[] = [];
  const served: VersionInfo[] = [];
  const changes: ListChange[] = [];
  let head: StoreHead = { revision: 0, version: undefined, lists: 0 };

  const record = async (e: AuditEntry) => {
    trail.push(e);
    try {
      await appendFile(auditFile, `${JSON.stringify(e)}\n`);
    } catch (err) {
      log.error({ err }, 'could not append to the audit trail');
    }
  };
  /** Keeps `dir` as version `version`: moved there when `adopt` (a staging dir of ours), else copied. */
  const keep = async (dir: string, version: string, adopt: boolean) => {
    const target = join(versionsDir, version);
    if (await exists(target)) return;
    if (adopt) await rename(dir, target);
    else await cp(dir, target, { recursive: true });
  };
  const commit = async (c: StoreCommit) => {
    if (c.kind === 'version') {
      await keep(c.dir, c.version, c.adopt);
      head = { revision: head.revision + 1, version: c.version, lists: head.lists };
      const { source = 'admin', at, by } = c.entry;
      served.push({ version: c.version, source, at, by });
    } else {
      changes.push(c.change);
      head = { revision: head.revision + 1, version: head.version, lists: head.lists + 1 };
    }
    await record(c.entry);
  };

  return {
    kind: 'files',
    shared: false,
    workDir: versionsDir,
    async open(seed) {
      // Live list items survive a restart: the trail's list changes are applied again, in order.
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
        changes.push({
          list: e.list,
          value: e.item,
          item: e.action === 'list-add' ? (e.listItem ?? { value: e.item }) : null,
        });
      }
      head = { revision: changes.length, version: undefined, lists: changes.length };
      await commit(seed);
      return head;
    },
    head: async () => head,
    async transact(f) {
      const { commit: c, result } = await f(head);
      await commit(c);
      return { head, result };
    },
    async versionDir(version) {
      const dir = join(versionsDir, version);
      return /^[\w.-]+@[0-9a-f]{12}$/.test(version) && (await exists(dir)) ? dir : undefined;
    },
    listChanges: async (after, upTo) => changes.slice(after, upTo),
    record,
    versions: async () => served,
    audit: async () => trail,
    follow() {},
    async close() {
      if (options.dataDir === undefined) await rm(home, { recursive: true, force: true });
    },
  };
}
