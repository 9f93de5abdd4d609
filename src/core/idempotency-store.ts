import type { DecisionResult } from './types.js';

/**
 * Stored outcome of an event id: its content fingerprint and either the decision in flight or,
 * once done, the decision as one JSON string.
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

/** Options for createIdempotencyStore. */
export interface IdempotencyStoreOptions {
  /** Bytes kept per decision off the JavaScript heap; longer records live on the heap. */
  readonly slotBytes?: number;
  /** Clock for the time to live (epoch ms). */
  readonly now?: () => number;
}

/** Slot size: a decision with a few reasons is 700–900 bytes of JSON. */
const DEFAULT_SLOT_BYTES = 1024;
/** Slots per chunk; chunks are allocated as the ring first reaches them. */
const CHUNK_SLOTS = 8192;

/** Records of CHUNK_SLOTS consecutive slots. */
interface Chunk {
  /** Not zero-filled: pages are committed as slots are first written. */
  readonly bytes: Buffer;
  readonly keys: (string | undefined)[];
  readonly seqs: Float64Array;
  readonly created: Float64Array;
  readonly fingerprintBytes: Uint16Array;
  /** Total bytes of each slot's record; 0 when the record is on the heap (`spilled`). */
  readonly lengths: Uint32Array;
}

/**
 * Creates a bounded store of the last `max` finished decisions, each kept for at most `ttlMs`;
 * `max` 0 disables replay. Decisions still in flight are kept apart (on the heap) until they finish.
 *
 * Finished decisions are written as bytes into a ring of fixed-size slots, in buffers allocated a
 * chunk at a time: the n-th decision takes slot n mod max and evicts whatever was there, so the
 * oldest goes first. The garbage collector never sees the records (about a kilobyte each), only
 * the map from event id to sequence number: kept as JavaScript strings, every record was promoted
 * to the old generation and later swept by a major collection. A record longer than a slot (many
 * long reasons) stays on the heap.
 */
export function createIdempotencyStore(
  max: number,
  ttlMs: number,
  options: IdempotencyStoreOptions = {},
): IdempotencyStore {
  if (max === 0) return { get: () => undefined, set: () => {}, delete: () => {}, size: 0 };
  const slotBytes = options.slotBytes ?? DEFAULT_SLOT_BYTES;
  const now = options.now ?? Date.now;
  const chunks: Chunk[] = [];
  const index = new Map<string, number>(); // event id -> sequence number of its record
  const inFlight = new Map<string, Entry>();
  const spilled = new Map<number, { fingerprint: string; json: string }>();
  let next = 0;

  const chunkOf = (slot: number): Chunk => {
    const c = Math.floor(slot / CHUNK_SLOTS);
    let chunk = chunks[c];
    if (chunk === undefined) {
      const n = Math.min(CHUNK_SLOTS, max - c * CHUNK_SLOTS);
      chunk = {
        bytes: Buffer.allocUnsafeSlow(n * slotBytes),
        keys: new Array(n),
        seqs: new Float64Array(n).fill(-1),
        created: new Float64Array(n),
        fingerprintBytes: new Uint16Array(n),
        lengths: new Uint32Array(n),
      };
      chunks[c] = chunk;
    }
    return chunk;
  };

  const write = (id: string, fingerprint: string, json: string): void => {
    const seq = next++;
    const slot = seq % max;
    const chunk = chunkOf(slot);
    const i = slot % CHUNK_SLOTS;
    const old = chunk.keys[i];
    if (old !== undefined && index.get(old) === chunk.seqs[i]) index.delete(old);
    spilled.delete(slot);
    chunk.keys[i] = id;
    chunk.seqs[i] = seq;
    chunk.created[i] = now();
    index.set(id, seq);
    // UTF-8 takes at least a byte per UTF-16 unit and at most three: only measure when in doubt.
    const size = fingerprint.length + json.length;
    const fits =
      size * 3 <= slotBytes ||
      (size <= slotBytes && Buffer.byteLength(fingerprint) + Buffer.byteLength(json) <= slotBytes);
    if (!fits) {
      chunk.lengths[i] = 0;
      spilled.set(slot, { fingerprint, json });
      return;
    }
    const base = i * slotBytes;
    const f = chunk.bytes.write(fingerprint, base, 'utf8');
    const j = chunk.bytes.write(json, base + f, 'utf8');
    chunk.fingerprintBytes[i] = f;
    chunk.lengths[i] = f + j;
  };

  const read = (id: string): Entry | undefined => {
    const seq = index.get(id);
    if (seq === undefined) return undefined;
    const slot = seq % max;
    const chunk = chunkOf(slot);
    const i = slot % CHUNK_SLOTS;
    if (now() - (chunk.created[i] as number) > ttlMs) {
      index.delete(id);
      return undefined;
    }
    const length = chunk.lengths[i] as number;
    if (length === 0) return spilled.get(slot);
    const base = i * slotBytes;
    const f = chunk.fingerprintBytes[i] as number;
    return {
      fingerprint: chunk.bytes.toString('utf8', base, base + f),
      json: chunk.bytes.toString('utf8', base + f, base + length),
    };
  };

  return {
    get: (id) => inFlight.get(id) ?? read(id),
    set: (id, e) => {
      if ('pending' in e) {
        inFlight.set(id, e);
        return;
      }
      inFlight.delete(id);
      write(id, e.fingerprint, e.json);
    },
    delete: (id) => {
      inFlight.delete(id);
      index.delete(id);
    },
    get size() {
      return index.size + inFlight.size;
    },
  };
}
