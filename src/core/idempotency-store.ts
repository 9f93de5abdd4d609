import { LRUCache } from 'lru-cache';
import type { DecisionResult } from './types.js';

/**
 * Stored outcome of an event id: its content fingerprint and either the decision in flight or,
 * once done, the decision as one JSON string. The live result object graph (reasons, timings,
 * strings, its promise) costs about 3 KiB of heap; the string about a quarter of that, and it is
 * one flat object for the garbage collector instead of dozens.
 */
export type Entry =
  | { readonly fingerprint: string; readonly pending: Promise<DecisionResult> }
  | { readonly fingerprint: string; readonly json: string };

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
