import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { RiskError } from '../domain/index.js';
import type { ListItem } from '../policies/index.js';
import type {
  AuditEntry,
  BundleSource,
  BundleStore,
  ListChange,
  StoreCommit,
  StoreHead,
} from './bundle-store.js';
import { exists, readTree, writeTree } from './bundle-tree.js';
import { ensurePgBundleSchema, headChannel, quoteIdent } from './pg-bundle-schema.js';
import { followPgHead } from './pg-head-follower.js';

/** What the PostgreSQL store needs. */
export interface PgBundleStoreOptions {
  /** DATABASE_URL. */
  readonly url: string;
  /** The schema holding the tables (created if missing): RISK_PG_SCHEMA. */
  readonly schema: string;
  /** Where versions read from PostgreSQL are written out to load; undefined: a temp dir, removed on close. */
  readonly dataDir: string | undefined;
  /** Period of the head poll, the fallback when a notification is lost. */
  readonly pollMs: number;
  /** False: follow by polling only. */
  readonly listen: boolean;
  readonly log: {
    info(o: object, m: string): void;
    warn(o: object, m: string): void;
    error(o: object, m: string): void;
  };
}

const VERSION = /^[\w.-]+@[0-9a-f]{12}$/;
/** GET /audit answers at most this many entries, the newest. */
const AUDIT_LIMIT = 10_000;

/**
 * The store shared by replicas through PostgreSQL (docs/architecture.md §6): versions, their files
 * (content-addressed: a blob per distinct content, so the model is stored once), the head, live list
 * changes and the audit trail, in the tables of ensurePgBundleSchema. A change locks the head row
 * (SELECT … FOR UPDATE), so publishes from any replica serialise; it keeps the version, moves the
 * head (revision + 1), audits and NOTIFYs the new head in one transaction. Versions are written out
 * under `<DATA_DIR>/pg-bundles/<version>/` to be loaded.
 */
export async function createPgBundleStore(options: PgBundleStoreOptions): Promise<BundleStore> {
  const { log } = options;
  const s = quoteIdent(options.schema);
  const channel = headChannel(options.schema);
  const home =
    options.dataDir === undefined
      ? await mkdtemp(join(tmpdir(), 'risk-pg-bundles-'))
      : join(options.dataDir, 'pg-bundles');
  await mkdir(home, { recursive: true });
  const pool = new pg.Pool({ connectionString: options.url, max: 4 });
  // An idle client's error (the server restarted) is the pool's to replace; the next query reconnects.
  pool.on('error', (err) => log.warn({ err: String(err) }, 'PostgreSQL connection lost'));
  let unfollow: (() => Promise<void>) | undefined;

  const headOf = (row: { revision: string; version: string | null; lists: number }): StoreHead => ({
    revision: Number(row.revision),
    version: row.version ?? undefined,
    lists: row.lists,
  });
  const readHead = async (q: pg.ClientBase | pg.Pool = pool): Promise<StoreHead> => {
    const r = await q.query(`SELECT revision, version, lists FROM ${s}.risk_bundle_head WHERE id = 1`);
    const row = r.rows[0];
    if (row === undefined) throw new Error(`no head row in ${options.schema}.risk_bundle_head`);
    return headOf(row);
  };
  const audit = (q: pg.ClientBase | pg.Pool, e: AuditEntry, revision: number | null) =>
    q.query(
      `INSERT INTO ${s}.risk_bundle_audit (revision, at, action, by, version, entry) VALUES ($1, $2, $3, $4, $5, $6)`,
      [revision, e.at, e.action, e.by, e.version ?? null, JSON.stringify(e)],
    );
  /** Keeps a version's files: the blobs PostgreSQL lacks, then the version and its file rows. */
  const keepVersion = async (q: pg.ClientBase, c: Extract<StoreCommit, { kind: 'version' }>) => {
    const known = await q.query(`SELECT 1 FROM ${s}.risk_bundle_versions WHERE version = $1`, [c.version]);
    if (known.rowCount !== 0) return;
    const files = [...(await readTree(c.dir))].map(([path, content]) => ({
      path,
      content,
      sha256: createHash('sha256').update(content).digest('hex'),
    }));
    const have = await q.query<{ sha256: string }>(
      `SELECT sha256 FROM ${s}.risk_bundle_blobs WHERE sha256 = ANY($1)`,
      [files.map((f) => f.sha256)],
    );
    const stored = new Set(have.rows.map((r) => r.sha256));
    for (const f of files)
      if (!stored.has(f.sha256)) {
        stored.add(f.sha256);
        await q.query(
          `INSERT INTO ${s}.risk_bundle_blobs (sha256, content) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
          [f.sha256, f.content],
        );
      }
    await q.query(
      `INSERT INTO ${s}.risk_bundle_versions (version, name, created_at, created_by, previous, diff)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        c.version,
        c.name,
        c.entry.at,
        c.entry.by,
        c.entry.previous ?? null,
        c.entry.diff === undefined ? null : JSON.stringify(c.entry.diff),
      ],
    );
    await q.query(
      `INSERT INTO ${s}.risk_bundle_files (version, path, sha256)
       SELECT $1, unnest($2::text[]), unnest($3::text[])`,
      [c.version, files.map((f) => f.path), files.map((f) => f.sha256)],
    );
  };
  /** Commits `c` on the locked head `head` (inside the caller's transaction); answers the new head. */
  const apply = async (q: pg.ClientBase, head: StoreHead, c: StoreCommit): Promise<StoreHead> => {
    let next: StoreHead;
    if (c.kind === 'version') {
      await keepVersion(q, c);
      next = { revision: head.revision + 1, version: c.version, lists: head.lists };
    } else {
      next = { revision: head.revision + 1, version: head.version, lists: head.lists + 1 };
      await q.query(
        `INSERT INTO ${s}.risk_list_changes (n, list, value, item, at, by) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          next.lists,
          c.change.list,
          c.change.value,
          c.change.item === null ? null : JSON.stringify(c.change.item),
          c.entry.at,
          c.entry.by,
        ],
      );
    }
    await q.query(
      `UPDATE ${s}.risk_bundle_head SET revision = $1, version = $2, lists = $3, updated_at = now() WHERE id = 1`,
      [next.revision, next.version ?? null, next.lists],
    );
    await audit(q, c.entry, next.revision);
    // Delivered at COMMIT, to every replica LISTENing (this one too: it then has the revision).
    await q.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(next)]);
    return next;
  };
  /** After the commit: the version's files are kept locally too, so this replica loads them from there. */
  const cache = async (c: StoreCommit) => {
    if (c.kind !== 'version') return;
    const target = join(home, c.version);
    if (await exists(target)) return;
    if (c.adopt) await rename(c.dir, target).catch(() => undefined);
    else await cp(c.dir, target, { recursive: true }).catch(() => undefined);
  };
  /** PostgreSQL failed (unreachable, a lost connection): logged, and a 503 for the admin call. */
  const unavailable = (err: unknown): never => {
    log.warn({ err: String(err) }, 'bundle store (PostgreSQL) call failed');
    throw new RiskError('RISK_ERR_STORE_UNAVAILABLE', undefined, [], { cause: err });
  };
  /** Runs a query of ours, its failure made RISK_ERR_STORE_UNAVAILABLE. */
  const db = <T>(p: Promise<T>): Promise<T> => p.catch(unavailable);
  /**
   * A client of the pool for a transaction. The pool stops listening for a client's errors while it
   * is checked out, and an unheard 'error' would end the process: a connection lost meanwhile (a
   * failover) is heard here, fails the queries after it, and the client is discarded on release.
   */
  const checkout = async (): Promise<{ client: pg.PoolClient; release(): void }> => {
    const client = await db(pool.connect());
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
      log.warn({ err: String(err) }, 'PostgreSQL connection lost during a bundle store transaction');
    };
    client.on('error', onError);
    return {
      client,
      release() {
        client.removeListener('error', onError);
        client.release(lost);
      },
    };
  };
  const transact: BundleStore['transact'] = async (f) => {
    const { client, release } = await checkout();
    let inF = false;
    try {
      await client.query('BEGIN');
      const r = await client.query(
        `SELECT revision, version, lists FROM ${s}.risk_bundle_head WHERE id = 1 FOR UPDATE`,
      );
      inF = true;
      const { commit, result } = await f(headOf(r.rows[0]));
      inF = false;
      const head = await apply(client, headOf(r.rows[0]), commit);
      await client.query('COMMIT');
      await cache(commit);
      return { head, result };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // What f threw is the caller's (a rejected bundle); anything else is PostgreSQL's.
      if (inF || err instanceof RiskError) throw err;
      return unavailable(err);
    } finally {
      release();
    }
  };

  return {
    kind: 'postgres',
    shared: true,
    workDir: home,
    async open(seed) {
      const { client, release } = await checkout();
      try {
        await ensurePgBundleSchema(client, options.schema);
      } finally {
        release();
      }
      const head = await readHead();
      if (head.version !== undefined) return head;
      // An empty store: the first replica to take the lock seeds it with its bundle directory.
      return (
        await transact(async (h) => {
          if (h.version !== undefined) throw new SeededMeanwhile(h);
          return { commit: seed, result: undefined };
        }).catch((err: unknown) => {
          if (err instanceof SeededMeanwhile) return { head: err.head };
          throw err;
        })
      ).head;
    },
    head: () => db(readHead()),
    transact,
    async versionDir(version) {
      if (!VERSION.test(version)) return undefined;
      const target = join(home, version);
      if (await exists(target)) return target;
      const r = await db(
        pool.query<{ path: string; content: Buffer }>(
          `SELECT f.path, b.content FROM ${s}.risk_bundle_files f
           JOIN ${s}.risk_bundle_blobs b ON b.sha256 = f.sha256 WHERE f.version = $1`,
          [version],
        ),
      );
      if (r.rows.length === 0) return undefined;
      await writeTree(target, new Map(r.rows.map((x) => [x.path, x.content])));
      return target;
    },
    async listChanges(after, upTo) {
      const r = await db(
        pool.query<{ list: string; value: string; item: ListItem | null }>(
          `SELECT list, value, item FROM ${s}.risk_list_changes WHERE n > $1 AND n <= $2 ORDER BY n`,
          [after, upTo],
        ),
      );
      return r.rows.map((x): ListChange => ({ list: x.list, value: x.value, item: x.item }));
    },
    async record(entry) {
      await db(audit(pool, entry, null));
    },
    async versions() {
      const r = await db(
        pool.query<{ version: string; entry: AuditEntry }>(
          `SELECT version, entry FROM ${s}.risk_bundle_audit
            WHERE action IN ('load', 'publish', 'rollback') AND version IS NOT NULL ORDER BY id`,
        ),
      );
      return r.rows.map(({ version, entry }) => ({
        version: version.split('+')[0] ?? version,
        source: entry.source ?? ('admin' as BundleSource),
        at: entry.at,
        by: entry.by,
      }));
    },
    async audit() {
      // The newest entries, oldest first: the table keeps them all.
      const r = await db(
        pool.query<{ entry: AuditEntry }>(
          `SELECT entry FROM (SELECT id, entry FROM ${s}.risk_bundle_audit ORDER BY id DESC LIMIT ${AUDIT_LIMIT}) t ORDER BY id`,
        ),
      );
      return r.rows.map((x) => x.entry);
    },
    follow(onHead) {
      unfollow ??= followPgHead({
        url: options.url,
        channel,
        read: () => readHead(),
        onHead,
        pollMs: options.pollMs,
        listen: options.listen,
        log,
      });
    },
    async close() {
      await unfollow?.();
      await pool.end();
      if (options.dataDir === undefined) await rm(home, { recursive: true, force: true });
    },
  };
}

/** The store was seeded by another replica between the read and the lock. */
class SeededMeanwhile extends Error {
  constructor(readonly head: StoreHead) {
    super('seeded meanwhile');
  }
}
