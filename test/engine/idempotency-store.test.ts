import { describe, expect, it } from 'vitest';
import type { DecisionResult } from '../../src/domain/index.js';
import { createIdempotencyStore } from '../../src/engine/idempotency-store.js';

const done = (fingerprint: string, json: string) => ({ fingerprint, json });

describe('idempotency store', () => {
  it('keeps a decision in flight apart, then its finished record, byte for byte', async () => {
    const store = createIdempotencyStore(10, 60_000);
    const pending = Promise.resolve({} as DecisionResult);
    store.set('a', { fingerprint: 'fp-a', pending });
    expect(store.get('a')).toEqual({ fingerprint: 'fp-a', pending });
    const json = JSON.stringify({ message: 'naïve café ☕ 𝄞', n: 1 });
    store.set('a', done('fp-a', json));
    expect(store.get('a')).toEqual(done('fp-a', json));
    expect(store.size).toBe(1);
    store.delete('a');
    expect(store.get('a')).toBeUndefined();
  });

  it('remembers the last max decisions, oldest out first', () => {
    const store = createIdempotencyStore(3, 60_000);
    for (const id of ['a', 'b', 'c', 'd']) store.set(id, done(`fp-${id}`, `{"id":"${id}"}`));
    expect(store.get('a')).toBeUndefined();
    expect(['b', 'c', 'd'].map((id) => store.get(id))).toEqual(
      ['b', 'c', 'd'].map((id) => done(`fp-${id}`, `{"id":"${id}"}`)),
    );
    expect(store.size).toBe(3);
  });

  it('forgets a decision after its time to live', () => {
    let t = 1_000;
    const store = createIdempotencyStore(10, 500, { now: () => t });
    store.set('a', done('fp', '{}'));
    t += 500;
    expect(store.get('a')).toEqual(done('fp', '{}'));
    t += 1;
    expect(store.get('a')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('keeps records longer than a slot, including multi-byte text at the edge', () => {
    const store = createIdempotencyStore(5, 60_000, { slotBytes: 64 });
    // Each slot holds the id (`id0`, 3 bytes), the fingerprint (`fp0`, 3 bytes) and the record.
    const cases = [
      'x'.repeat(15), // 21 units: fits without measuring
      'é'.repeat(29), // 3 + 3 + 58 bytes: measured, fits exactly
      'é'.repeat(30), // 3 + 3 + 60 bytes: measured, kept on the heap
      '€'.repeat(19), // 3 + 3 + 57 bytes
      'y'.repeat(500), // longer than the slot in units already
    ];
    for (const [i, json] of cases.entries()) store.set(`id${i}`, done(`fp${i}`, json));
    for (const [i, json] of cases.entries()) expect(store.get(`id${i}`)).toEqual(done(`fp${i}`, json));
    // The slots are reused: spilled records go with them.
    for (let i = 0; i < 5; i++) store.set(`n${i}`, done('f', 'z'));
    for (const i of cases.keys()) expect(store.get(`id${i}`)).toBeUndefined();
  });

  it('spans several chunks and keeps exactly the newest max records', () => {
    const max = 20_000;
    const store = createIdempotencyStore(max, 60_000, { slotBytes: 48 });
    for (let i = 0; i < 2 * max + 7; i++) store.set(`e${i}`, done(`f${i}`, `{"i":${i}}`));
    expect(store.size).toBe(max);
    expect(store.get(`e${max + 6}`)).toBeUndefined();
    for (const i of [max + 7, max + 8_192, 2 * max + 6])
      expect(store.get(`e${i}`)).toEqual(done(`f${i}`, `{"i":${i}}`));
  });

  it('does not let an old slot evict a newer record of the same event id', () => {
    let t = 0;
    const store = createIdempotencyStore(3, 100, { now: () => t });
    store.set('a', done('old', '{"v":1}'));
    t = 200; // expired: the id is decided again and recorded in a newer slot
    expect(store.get('a')).toBeUndefined();
    store.set('a', done('new', '{"v":2}'));
    store.set('b', done('fb', '{}'));
    store.set('c', done('fc', '{}')); // overwrites the slot of the first 'a'
    expect(store.get('a')).toEqual(done('new', '{"v":2}'));
  });

  it('never replays another id on a hash collision: the older id is only forgotten', () => {
    const store = createIdempotencyStore(10, 60_000, { hash: () => 12345 });
    store.set('a', done('fa', '{"id":"a"}'));
    store.set('b', done('fb', '{"id":"b"}'));
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toEqual(done('fb', '{"id":"b"}'));
    store.delete('a'); // not a's entry any more: b's stays
    expect(store.get('b')).toEqual(done('fb', '{"id":"b"}'));
    // The same holds for a record kept on the heap.
    const long = 'z'.repeat(2000);
    store.set('c', done('fc', long));
    expect(store.get('b')).toBeUndefined();
    expect(store.get('c')).toEqual(done('fc', long));
  });

  it('keeps event ids with multi-byte text', () => {
    const store = createIdempotencyStore(4, 60_000);
    const ids = ['évènement-1', '事件-2', 'emoji-😀-3'];
    for (const id of ids) store.set(id, done(`fp-${id}`, `{"id":${JSON.stringify(id)}}`));
    for (const id of ids) expect(store.get(id)).toEqual(done(`fp-${id}`, `{"id":${JSON.stringify(id)}}`));
    expect(store.get('évènement-2')).toBeUndefined();
  });

  it('is a no-op when replay is off', () => {
    const store = createIdempotencyStore(0, 1000);
    store.set('a', done('f', '{}'));
    expect(store.get('a')).toBeUndefined();
    expect(store.size).toBe(0);
  });
});
