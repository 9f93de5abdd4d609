import { LRUCache } from 'lru-cache';
import type { DecisionResult } from './types.js';

/** Stored outcome of an event id: its content fingerprint and the decision (or the one in flight). */
interface Entry {
  readonly fingerprint: string;
  readonly result: Promise<DecisionResult>;
}

/** Remembers recent decisions by event id so a retry returns the stored decision. */
export interface IdempotencyStore {
  get(eventId: string): Entry | undefined;
  set(eventId: string, entry: Entry): void;
  delete(eventId: string): void;
  readonly size: number;
}

/** Creates a bounded store: at most `max` ids, each kept for `ttlMs`. `max` 0 disables replay. */
export function createIdempotencyStore(max: number, ttlMs: number): IdempotencyStore {
  if (max === 0) return { get: () => undefined, set: () => {}, delete: () => {}, size: 0 };
  const cache = new LRUCache<string, Entry>({ max, ttl: ttlMs, ttlAutopurge: false });
  return {
    get: (id) => cache.get(id),
    set: (id, e) => {
      cache.set(id, e);
    },
    delete: (id) => {
      cache.delete(id);
    },
    get size() {
      return cache.size;
    },
  };
}
