import { createNumberTable } from '../domain/index.js';

/** Maps entity keys to slot ids with a ceiling on entries; past it, an entry not used lately goes. */
export interface EntityIndex {
  /** The value stored for `key`, marking the entry as recently used; undefined when absent. */
  get(key: number): number | undefined;
  /**
   * Stores `value` for a `key` that is absent. When the index is full, one entry is evicted first
   * and its value handed to the index's `onEvict`.
   */
  insert(key: number, value: number): void;
  /** Every entry's key and value (copies, in frame order). */
  entries(): { keys: Float64Array; values: Int32Array };
  readonly size: number;
  readonly evictions: number;
  /** The frames in use and the clock hand, as views over live state (for a snapshot). */
  exportState(): EntityIndexState;
  /** Loads what exportState gave into this index, which must be empty and at least as large. */
  importState(state: EntityIndexState): void;
}

/** An entity index's contents: frames 0 .. size-1 (value and used bit, then key) and the hand. */
export interface EntityIndexState {
  readonly size: number;
  readonly hand: number;
  readonly evictions: number;
  /** 2 × size: value, used bit. */
  readonly frames: Int32Array;
  readonly keys: Float64Array;
}

/**
 * Creates an index of at most `max` entries, keys being integers in [0, 2^53) that are already
 * well-mixed hashes (see entityKey), values integers in [0, 2^31).
 *
 * Memory is typed arrays sized once from `max`: a NumberTable from key to frame number, and `max`
 * frames holding each entry's value, a recently-used bit and its key. The garbage collector sees
 * none of it, and a lookup touches two cache lines (the table's pair and the frame), where a Map
 * plus a linked list touches several scattered ones.
 *
 * Eviction is CLOCK (second chance), an approximation of least recently used: a hand walks the
 * frames in order; a frame used since the hand last passed loses its bit and is spared, the first
 * one without it is evicted and the new entry takes its frame. Entries never read again leave in
 * insertion order; an entry read between two passes of the hand survives.
 */
export function createEntityIndex(max: number, onEvict: (value: number) => void): EntityIndex {
  // The table checks `max` (a RangeError for a size it cannot hold) before the frames are sized.
  const table = createNumberTable(max);
  /** Frame f: frames[2f] = value, frames[2f + 1] = 1 when used since the hand last passed. */
  const frames = new Int32Array(2 * max);
  const frameKeys = new Float64Array(max);
  let hand = 0;
  let evictions = 0;

  return {
    get(key) {
      const f = table.get(key);
      if (f < 0) return undefined;
      frames[2 * f + 1] = 1;
      return frames[2 * f] as number;
    },
    insert(key, value) {
      let f = table.size;
      if (f === max) {
        for (;;) {
          f = hand;
          hand = hand + 1 === max ? 0 : hand + 1;
          if (frames[2 * f + 1] === 0) break;
          frames[2 * f + 1] = 0;
        }
        table.delete(frameKeys[f] as number);
        evictions++;
        onEvict(frames[2 * f] as number);
      }
      frameKeys[f] = key;
      frames[2 * f] = value;
      frames[2 * f + 1] = 0;
      table.set(key, f);
    },
    entries() {
      const n = table.size;
      const values = new Int32Array(n);
      for (let f = 0; f < n; f++) values[f] = frames[2 * f] as number;
      return { keys: frameKeys.slice(0, n), values };
    },
    get size() {
      return table.size;
    },
    get evictions() {
      return evictions;
    },
    exportState: () => ({
      size: table.size,
      hand,
      evictions,
      frames: frames.subarray(0, 2 * table.size),
      keys: frameKeys.subarray(0, table.size),
    }),
    importState(state) {
      if (table.size !== 0) throw new Error('entity index: import into a non-empty index');
      if (state.size > max)
        throw new Error(`entity index: ${state.size} entries exceed the ceiling of ${max}`);
      // Frames are filled in order until the index is full, so frames 0 .. size-1 are the live ones.
      frames.set(state.frames.subarray(0, 2 * state.size));
      frameKeys.set(state.keys.subarray(0, state.size));
      for (let f = 0; f < state.size; f++) table.set(frameKeys[f] as number, f);
      hand = state.hand < max ? state.hand : 0;
      evictions = state.evictions;
    },
  };
}
