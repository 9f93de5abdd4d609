import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { RiskEvent } from '../domain/index.js';
import { hash53 } from '../domain/index.js';
import { type CommitInfo, type CounterStore, entityKey, type Touched } from './counter-store.js';
import type { FeaturePlan } from './feature-plan.js';
import type { RedisClient } from './redis-client.js';
import { type RedisKindLayout, redisCounterScripts } from './redis-counter-script.js';

/** Failures of a Redis store (and of the stores it migrates to), for metrics. */
export interface RedisStoreStats {
  /** Reads that failed (connection down, script error). */
  hydrateErrors: number;
  /** Reads that did not answer within the budget. */
  hydrateTimeouts: number;
  /** Commits Redis did not acknowledge: those events are not counted. */
  commitFailures: number;
  /** The last failure's message, for the log. */
  lastError?: string;
}

/** A counter store kept in Redis; `redisStats` counts what it could not do. */
export interface RedisCounterStore extends CounterStore {
  migrate(plan: FeaturePlan): RedisCounterStore;
  readonly redisStats: RedisStoreStats;
  /** Resolves once the scripts are loaded on every node (or loading failed; calls then load them). */
  ready(): Promise<void>;
}

/** Options for createRedisCounterStore. */
export interface RedisCounterStoreOptions {
  readonly client: RedisClient;
  readonly plan: FeaturePlan;
  /** Prefix of every key (default `risk:`), so several services or test runs can share a server. */
  readonly keyPrefix?: string;
  /** A read that has not answered after this many ms resolves degraded: entity features NaN. */
  readonly timeoutMs: number;
  /** Shared with the stores this one migrates to (created when absent). */
  readonly stats?: RedisStoreStats;
}

/** A Lua script and its SHA-1, run by EVALSHA. */
interface Script {
  readonly lua: string;
  readonly sha: string;
}

const scriptOf = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/** SCRIPT LOAD on every master (on the one server). */
async function loadScripts(client: RedisClient, scripts: readonly Script[]): Promise<void> {
  const nodes =
    (client as Redis | Cluster).isCluster === true ? (client as Cluster).nodes('master') : [client as Redis];
  await Promise.all(nodes.flatMap((n) => scripts.map((s) => n.script('LOAD', s.lua))));
}

/**
 * Runs a script by EVALSHA, falling back to EVAL (which caches it) on a server that has not seen it
 * yet: a restarted server, a new cluster node, a new plan. Replies are Buffers. (ioredis'
 * defineCommand is not used: a command defined while auto-pipelines are open is missing from them.)
 */
function run(
  client: RedisClient,
  script: Script,
  keys: string[],
  argv: (string | number)[],
): Promise<unknown> {
  // Every ioredis command has a `…Buffer` twin answering Buffers; the typings omit these two.
  const c = client as unknown as {
    evalshaBuffer(...args: (string | number)[]): Promise<unknown>;
    evalBuffer(...args: (string | number)[]): Promise<unknown>;
  };
  return c.evalshaBuffer(script.sha, keys.length, ...keys, ...argv).catch((e: unknown) => {
    if (e instanceof Error && e.message.startsWith('NOSCRIPT'))
      return c.evalBuffer(script.lua, keys.length, ...keys, ...argv);
    throw e;
  });
}

/**
 * Creates a counter store whose counters live in Redis, so replicas share them
 * (docs/architecture.md §9). It gives the same feature values as the in-memory store for the same
 * plan and events: one Lua script per plan (hydrate, commit) runs the memory store's window
 * algorithm on an entity's hash, atomically on its node.
 *
 * Each entity is one hash, `<prefix>c:{<kind seed>.<key hash>}`: the braces are its Cluster hash
 * tag, the key hash is the memory store's entityKey (53 bits of the tokenised key, never the key).
 * Fields are named after lane and distinct-set identities, so a plan change carries over what it
 * shares with no copying; each write sets the hash to expire after the kind's longest window.
 *
 * On a single server one script call serves all entities of an event; on a cluster, one call per
 * entity (each on its own slot). A read that fails or outlasts `timeoutMs` writes NaN for the
 * entities and sets `touched.degraded`; it never rejects. Commits are sent without waiting; a
 * failed one is counted in `redisStats.commitFailures`.
 */
export function createRedisCounterStore(options: RedisCounterStoreOptions): RedisCounterStore {
  const { client, plan, timeoutMs } = options;
  const prefix = options.keyPrefix ?? 'risk:';
  const stats: RedisStoreStats = options.stats ?? { hydrateErrors: 0, hydrateTimeouts: 0, commitFailures: 0 };
  const scripts = redisCounterScripts(plan);
  const layouts = scripts.layouts;
  const K = layouts.length;
  const perKey = (client as Redis | Cluster).isCluster === true;
  const hydrateScript = scriptOf(scripts.hydrate);
  const commitScript = scriptOf(scripts.commit);
  // Load both scripts on every master first, so a commit never meets NOSCRIPT and is re-sent after
  // a later read of the same entity; calls made meanwhile wait for it, in order.
  let loading: Promise<void> | undefined = loadScripts(client, [hydrateScript, commitScript]).then(
    () => {
      loading = undefined;
    },
    () => {
      loading = undefined;
    },
  );
  const exec = (script: Script, keys: string[], argv: (string | number)[]): Promise<unknown> =>
    loading === undefined
      ? run(client, script, keys, argv)
      : loading.then(() => run(client, script, keys, argv));

  const redisKey = (k: number, hash: number) =>
    `${prefix}c:{${(layouts[k] as RedisKindLayout).seed.toString(36)}.${hash.toString(36)}}`;

  const keysOf = (event: RiskEvent): (number | undefined)[] => {
    const keys: (number | undefined)[] = new Array(K);
    for (let k = 0; k < K; k++) {
      const l = layouts[k] as RedisKindLayout;
      const key = l.plan.keyOf(event);
      keys[k] = key === undefined ? undefined : entityKey(l.seed, key);
    }
    return keys;
  };

  const offsets = new Int32Array(K);
  for (let k = 1; k < K; k++)
    offsets[k] = (offsets[k - 1] as number) + (layouts[k - 1] as RedisKindLayout).width;

  const hydrate = (
    event: RiskEvent,
    t: number,
    out: Float64Array,
    offset: number,
  ): Touched | Promise<Touched> => {
    const keys = keysOf(event);
    const touched: Touched = { keys, slots: new Array(K), generations: new Uint32Array(K) };
    const present: number[] = [];
    const rkeys: string[] = [];
    for (let k = 0; k < K; k++) {
      const l = layouts[k] as RedisKindLayout;
      const key = keys[k];
      const o = offset + (offsets[k] as number);
      // Missing key: every feature missing, as in memory; a read fills the others.
      out.fill(Number.NaN, o, o + l.width);
      if (key === undefined) continue;
      present.push(k);
      rkeys.push(redisKey(k, key));
    }
    if (present.length === 0) return touched;
    const tt = String(t);
    const fill = (k: number, buf: Buffer | undefined) => {
      const l = layouts[k] as RedisKindLayout;
      const o = offset + (offsets[k] as number);
      if (buf === undefined || buf.length === 0) out.set(l.unseen, o);
      else for (let j = 0; j < l.width; j++) out[o + j] = buf.readDoubleLE(8 * j);
    };
    let reads: Promise<Buffer[]>;
    if (perKey) {
      reads = Promise.all(
        present.map(
          (k, i) =>
            exec(hydrateScript, [rkeys[i] as string], [tt, k + 1]).then(
              (r) => (r as Buffer[])[0] as Buffer,
            ) as Promise<Buffer>,
        ),
      );
    } else reads = exec(hydrateScript, rkeys, [tt, ...present.map((k) => k + 1)]) as Promise<Buffer[]>;
    return new Promise<Touched>((resolve) => {
      let done = false;
      const degrade = () => {
        // Leave every entity feature missing: a partial answer would mislead the rules.
        for (const k of present) {
          const o = offset + (offsets[k] as number);
          out.fill(Number.NaN, o, o + (layouts[k] as RedisKindLayout).width);
        }
        resolve({ ...touched, degraded: true });
      };
      // At the budget, give the event loop one more pass over I/O first: under load a reply can sit
      // unread behind other work when the timer fires, and that is not Redis being late.
      const late = () => {
        if (done) return;
        done = true;
        stats.hydrateTimeouts++;
        degrade();
      };
      const timer = setTimeout(() => setImmediate(late), timeoutMs);
      reads.then(
        (bufs) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          for (let i = 0; i < present.length; i++) fill(present[i] as number, bufs[i]);
          resolve(touched);
        },
        (e: unknown) => {
          stats.lastError = String(e);
          if (done) return;
          done = true;
          clearTimeout(timer);
          stats.hydrateErrors++;
          degrade();
        },
      );
    });
  };

  const fail = (e: unknown) => {
    stats.lastError = String(e);
    stats.commitFailures++;
  };

  const commit = (event: RiskEvent, t: number, info: CommitInfo, touched?: Touched): void => {
    const keys = touched?.keys ?? keysOf(event);
    const tt = String(t);
    let rkeys: string[] = [];
    let argv: string[] = [tt];
    for (let k = 0; k < K; k++) {
      const key = keys[k];
      if (key === undefined) continue;
      const l = layouts[k] as RedisKindLayout;
      rkeys.push(redisKey(k, key));
      // A negative kind marks an outcome commit: the script leaves first and last seen alone.
      argv.push(String(info.outcome !== undefined ? -(k + 1) : k + 1));
      commitInputs(l, event, info, argv);
      if (perKey) {
        exec(commitScript, rkeys, argv).catch(fail);
        rkeys = [];
        argv = [tt];
      }
    }
    if (!perKey && rkeys.length > 0) exec(commitScript, rkeys, argv).catch(fail);
  };

  return {
    plan,
    hydrate,
    commit,
    migrate: (next) => createRedisCounterStore({ ...options, plan: next, stats }),
    ready: () => loading ?? Promise.resolve(),
    stats: () => ({ entities: 0, evictions: 0, maxEntities: 0 }),
    redisStats: stats,
  };
}

const num = (v: number): string =>
  Number.isNaN(v) ? '' : Number.isFinite(v) ? String(v) : v > 0 ? '1e999' : '-1e999';

/** Appends the commit inputs of an entity kind (as counter-store.ts computes them), then its distinct value hashes. */
function commitInputs(l: RedisKindLayout, event: RiskEvent, info: CommitInfo, argv: string[]): void {
  const decision = info.decision;
  const outcome = info.outcome;
  if (outcome !== undefined) {
    // An outcome adds to its outcomes metrics only ('' adds nothing), and to no distinct set.
    for (const m of l.plan.metrics) {
      argv.push(m.op === 'outcomes' && m.types?.has(outcome) === true ? '1' : '');
      if (m.op === 'avg') argv.push('');
    }
    for (let d = 0; d < l.plan.distinct.length; d++) argv.push('');
    return;
  }
  for (const m of l.plan.metrics) {
    switch (m.op) {
      case 'count':
        argv.push('1');
        break;
      case 'avg': {
        const v = (m.value as (e: RiskEvent) => number)(event);
        argv.push(num(v), Number.isNaN(v) ? '' : '1');
        break;
      }
      case 'sum':
      case 'min':
      case 'max':
        argv.push(num((m.value as (e: RiskEvent) => number)(event)));
        break;
      case 'allowed':
        argv.push(decision === 'ALLOW' ? '1' : '0');
        break;
      case 'challenged':
        argv.push(decision === 'CHALLENGE' ? '1' : '0');
        break;
      case 'reviewed':
        argv.push(decision === 'REVIEW' ? '1' : '0');
        break;
      case 'blocked':
        argv.push(decision === 'BLOCK' ? '1' : '0');
        break;
      case 'outcomes':
        argv.push('0');
        break;
    }
  }
  for (const d of l.plan.distinct) {
    const v = d.value(event);
    argv.push(v === undefined || v === '' ? '' : String(hash53(v) % 4294967296));
  }
}
