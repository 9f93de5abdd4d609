import type { DecisionResult } from '../domain/index.js';
import { fingerprint as fingerprintOf, hash53, RiskError } from '../domain/index.js';
import type { RedisClient } from '../features/index.js';
import type { DecisionEngine } from './decision-engine.js';

/** What a replica may do with an event id, as the shared replay store answers. */
export type ReplayClaim =
  /** This replica decides it; it must call finish or release. */
  | { readonly kind: 'owner' }
  /** The store could not answer in time: decide it without sharing (counted). */
  | { readonly kind: 'unshared' }
  /** Already decided with the same content: return this decision. */
  | { readonly kind: 'replay'; readonly json: string }
  /** The id was used for other content. */
  | { readonly kind: 'conflict' }
  /** Another replica is deciding it and had not finished by the deadline. */
  | { readonly kind: 'deadline' };

/** Idempotent replay shared by replicas: one of them decides an event id, the others wait for it. */
export interface SharedReplayStore {
  /** Claims `eventId` with content `fingerprint`, or waits until `deadlineMs` for whoever holds it. */
  claim(eventId: string, fingerprint: string, deadlineMs: number): Promise<ReplayClaim>;
  /** Stores the owner's decision (JSON) for `ttlMs`. */
  finish(eventId: string, fingerprint: string, json: string): void;
  /** Gives up a claim whose decision failed, so a retry decides afresh. */
  release(eventId: string): void;
  /** Failures so far (answers not in time, errors), for metrics. */
  readonly errors: () => number;
}

/** Options for createRedisReplayStore. */
export interface RedisReplayStoreOptions {
  readonly client: RedisClient;
  readonly keyPrefix?: string;
  /** How long a finished decision is remembered. */
  readonly ttlMs: number;
  /** Budget of one Redis call; past it the event is decided unshared. */
  readonly timeoutMs: number;
  /** How long a claim lives when its owner dies before finishing. */
  readonly pendingTtlMs?: number;
  /** How often a waiting replica looks for the owner's decision. */
  readonly pollMs?: number;
}

const PENDING = 'P';
const DONE = 'D';

/**
 * Creates the replay store on Redis. A key per event id (`<prefix>i:{<hash of the id>}`) holds
 * `P\n<fingerprint>\n<id>` while its owner decides (SET NX PX: exactly one replica wins), then
 * `D\n<fingerprint>\n<id>\n<decision JSON>` for `ttlMs`. A replica that loses the SET polls for
 * the decision until its deadline. The id is stored and compared, so a hash collision never
 * replays another event's decision (it is decided unshared instead).
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): SharedReplayStore {
  const { client, ttlMs, timeoutMs } = options;
  const prefix = options.keyPrefix ?? 'risk:';
  const pendingTtlMs = options.pendingTtlMs ?? 10_000;
  const pollMs = options.pollMs ?? 2;
  let errors = 0;
  const keyOf = (id: string) => `${prefix}i:{${hash53(id).toString(36)}}`;

  /** `p` within the budget, or undefined (counted) when it fails or is late. */
  const within = <T>(p: Promise<T>): Promise<T | undefined> =>
    new Promise((resolve) => {
      let done = false;
      // As in the counter store: one more pass over I/O before a reply counts as late.
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (done) return;
            done = true;
            errors++;
            resolve(undefined);
          }),
        timeoutMs,
      );
      p.then(
        (v) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(v);
        },
        () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          errors++;
          resolve(undefined);
        },
      );
    });

  const parse = (id: string, fingerprint: string, v: string): ReplayClaim | undefined => {
    const a = v.indexOf('\n');
    const b = v.indexOf('\n', a + 1);
    const c = v.indexOf('\n', b + 1);
    const storedFp = v.slice(a + 1, b);
    const storedId = c < 0 ? v.slice(b + 1) : v.slice(b + 1, c);
    if (storedId !== id) return { kind: 'unshared' };
    if (storedFp !== fingerprint) return { kind: 'conflict' };
    if (v.startsWith(DONE)) return { kind: 'replay', json: v.slice(c + 1) };
    return undefined; // pending
  };

  return {
    async claim(id, fingerprint, deadlineMs) {
      const key = keyOf(id);
      const mine = `${PENDING}\n${fingerprint}\n${id}`;
      for (;;) {
        const set = await within(client.set(key, mine, 'PX', pendingTtlMs, 'NX'));
        if (set === 'OK') return { kind: 'owner' };
        if (set === undefined) return { kind: 'unshared' };
        // Someone holds it: wait for their decision (or for the key to go, then claim again).
        for (;;) {
          const v = await within(client.get(key));
          if (v === undefined) return { kind: 'unshared' };
          if (v === null) break;
          const c = parse(id, fingerprint, v);
          if (c !== undefined) return c;
          if (Date.now() + pollMs >= deadlineMs) return { kind: 'deadline' };
          await new Promise((r) => setTimeout(r, pollMs));
        }
      }
    },
    finish(id, fingerprint, json) {
      client.set(keyOf(id), `${DONE}\n${fingerprint}\n${id}\n${json}`, 'PX', ttlMs).catch(() => {
        errors++;
      });
    },
    release(id) {
      client.del(keyOf(id)).catch(() => {
        errors++;
      });
    },
    errors: () => errors,
  };
}

/**
 * An engine whose idempotent replay is `replayStore`, shared by replicas: one of them decides an
 * event id, the others replay its decision. `engine` must have its own replay off
 * (`idempotency.max` 0), so the in-process path is left exactly as it is.
 */
export function withSharedReplay(
  engine: DecisionEngine,
  replayStore: SharedReplayStore,
  wallClock: () => number = Date.now,
): DecisionEngine {
  return {
    get bundle() {
      return engine.bundle;
    },
    get store() {
      return engine.store;
    },
    swapBundle: (next) => engine.swapBundle(next),
    recordOutcome: (event, decision, type) => engine.recordOutcome(event, decision, type),
    async decide(event, deadlineMs, options) {
      if (deadlineMs !== undefined && wallClock() >= deadlineMs)
        throw new RiskError('RISK_ERR_DEADLINE_EXCEEDED');
      const fingerprint = fingerprintOf(event);
      const id = event.eventId;
      const claim = await replayStore.claim(id, fingerprint, deadlineMs ?? wallClock() + SHARED_WAIT_MS);
      switch (claim.kind) {
        case 'conflict':
          throw new RiskError('RISK_ERR_IDEMPOTENCY_CONFLICT');
        case 'deadline':
          throw new RiskError('RISK_ERR_DEADLINE_EXCEEDED');
        case 'replay':
          // As the in-process store replays: without features, marked replayed.
          return {
            ...(JSON.parse(claim.json) as DecisionResult),
            replayed: true,
            json: undefined,
            features: undefined,
          };
        case 'unshared':
          return engine.decide(event, deadlineMs, options);
      }
      const pending = engine.decide(event, deadlineMs, options);
      pending.then(
        (r) =>
          replayStore.finish(id, fingerprint, JSON.stringify({ ...r, json: undefined, features: undefined })),
        () => replayStore.release(id),
      );
      return pending;
    },
  };
}

/** How long a call without a deadline waits for another replica deciding the same event id. */
const SHARED_WAIT_MS = 1000;
