import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileReviewStore, REVIEW_JOURNAL } from '../../src/server/file-review-store.js';
import { caseOf } from '../../src/server/review-case.js';
import type { ReviewStore } from '../../src/server/review-store.js';
import { T0 } from '../helpers.js';
import { reviewEvent, reviewQueueContract, reviewResult, SCHEMA } from './review-contract.js';

const dirs: string[] = [];
const stores: ReviewStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'review-store-'));
  dirs.push(d);
  return d;
};

reviewQueueContract('memory', () => createFileReviewStore({ dir: undefined, flushMs: 10 }));
reviewQueueContract('the embedded journal', () => createFileReviewStore({ dir: tempDir(), flushMs: 10 }));

const caseN = (n: number) =>
  caseOf(reviewEvent(`evt-${n}`), reviewResult(n), new Float64Array([n, Number.NaN, 1]), SCHEMA, T0 + n);
const openStore = async (dir: string) => {
  const s = await createFileReviewStore({ dir, flushMs: 10 });
  stores.push(s);
  return s;
};
const closeStore = async (s: ReviewStore) => {
  stores.splice(stores.indexOf(s), 1);
  await s.close();
};
const journalLines = (dir: string) =>
  readFileSync(join(dir, REVIEW_JOURNAL), 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('embedded review store', () => {
  it('is what memory-only mode says: nothing written', async () => {
    const s = await createFileReviewStore({ dir: undefined, flushMs: 10 });
    stores.push(s);
    expect(s.kind).toBe('memory');
    await s.insert([caseN(1)]);
    expect((await s.get('dec-1'))?.status).toBe('open');
  });

  it('survives a restart: cases, claims and verdicts are replayed from the journal', async () => {
    const dir = tempDir();
    const a = await openStore(dir);
    expect(a.kind).toBe('files');
    await a.insert([caseN(1), caseN(2), caseN(3)]);
    await a.claim('dec-1', 'ana', T0, 60_000);
    await a.claim('dec-2', 'bob', T0, 60_000);
    await a.release('dec-2', 'bob', T0);
    await a.claim('dec-3', 'ana', T0, 60_000);
    await a.resolve('dec-3', 'ana', { verdict: 'DECLINE', note: 'fraud', outcomeId: 'out-3' }, T0 + 10);
    const before = await a.list('all', 10, T0);
    // Every change is synced before it is answered: no close needed (a crash keeps it).
    expect(journalLines(dir)).toHaveLength(3 + 5);
    const b = await openStore(dir);
    expect(await b.list('all', 10, T0)).toEqual(before);
    expect(await b.get('dec-1')).toMatchObject({ status: 'claimed', claimedBy: 'ana' });
    expect(await b.get('dec-2')).toMatchObject({ status: 'open' });
    expect((await b.get('dec-2'))?.claimedBy).toBeUndefined();
    expect(await b.get('dec-3')).toMatchObject({
      status: 'resolved',
      verdict: 'DECLINE',
      outcomeId: 'out-3',
    });
    // The replayed lease holds: bob cannot take ana's case before it runs out.
    expect(await b.claim('dec-1', 'bob', T0 + 1, 60_000)).toHaveProperty('conflict');
    expect(await b.claim('dec-1', 'bob', T0 + 60_000, 60_000)).toHaveProperty('case.claimedBy', 'bob');
    await closeStore(a);
  });

  it('skips a torn last line after a crash and compacts it away', async () => {
    const dir = tempDir();
    const a = await openStore(dir);
    await a.insert([caseN(1), caseN(2)]);
    await a.claim('dec-2', 'ana', T0, 60_000);
    await closeStore(a);
    appendFileSync(join(dir, REVIEW_JOURNAL), '{"e":"claimed","id":"dec-1","by":"bo');
    const b = await openStore(dir);
    expect((await b.list('all', 10, T0)).map((c) => [c.caseId, c.status])).toEqual([
      ['dec-2', 'claimed'],
      ['dec-1', 'open'],
    ]);
    // Rewritten as one line per case; appends go on after it.
    expect(journalLines(dir).map((l) => JSON.parse(l).e)).toEqual(['created', 'created']);
    await b.claim('dec-1', 'bob', T0, 60_000);
    await closeStore(b);
    const c = await openStore(dir);
    expect(await c.get('dec-1')).toMatchObject({ status: 'claimed', claimedBy: 'bob' });
    expect(await c.get('dec-2')).toMatchObject({ status: 'claimed', claimedBy: 'ana' });
  });

  it('forgets resolved cases past the retention and compacts the journal', async () => {
    const dir = tempDir();
    const a = await openStore(dir);
    await a.insert([caseN(1), caseN(2), caseN(3)]);
    for (const id of ['dec-1', 'dec-2']) {
      await a.claim(id, 'ana', T0, 60_000);
      await a.resolve(
        id,
        'ana',
        { verdict: 'APPROVE', outcomeId: `o-${id}` },
        id === 'dec-1' ? T0 : T0 + 86_400_000,
      );
    }
    expect(journalLines(dir)).toHaveLength(7);
    expect(await a.prune(T0 + 1000)).toBe(1);
    expect(await a.get('dec-1')).toBeUndefined();
    const lines = journalLines(dir).map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.e, l.case.caseId, l.case.status])).toEqual([
      ['created', 'dec-2', 'resolved'],
      ['created', 'dec-3', 'open'],
    ]);
    await closeStore(a);
    const b = await openStore(dir);
    expect((await b.list('all', 10, T0)).map((c) => c.caseId)).toEqual(['dec-3', 'dec-2']);
    expect(await b.counts(T0)).toEqual({ open: 1, claimed: 0, resolved: 1 });
  });
});
