import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/server/index.js';
import { createPgReviewStore } from '../../src/server/pg-review-store.js';
import { caseOf } from '../../src/server/review-case.js';
import type { ReviewStore } from '../../src/server/review-store.js';
import { paymentRequest, T0, testService } from '../helpers.js';
import { dropSchema, SHARED_DATABASE_URL, sql, uniqueSchema } from '../pg-servers.js';
import { reviewEvent, reviewQueueContract, reviewResult, SCHEMA } from './review-contract.js';

// The review queue in PostgreSQL (DATABASE_URL): each test has a schema of its own in the machine's
// PostgreSQL, all dropped after. Without PostgreSQL these fail, never skip.

const base = uniqueSchema('review');
let n = 0;
const schemas: string[] = [];
const freshSchema = () => {
  const s = `${base}_${n++}`;
  schemas.push(s);
  return s;
};
const stores: ReviewStore[] = [];
const services: Service[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  await sql('SELECT 1');
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const s of services.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

reviewQueueContract('PostgreSQL', () =>
  createPgReviewStore({ url: SHARED_DATABASE_URL, schema: freshSchema() }),
);

const store = async (schema: string) => {
  const s = await createPgReviewStore({ url: SHARED_DATABASE_URL, schema });
  stores.push(s);
  return s;
};
const caseN = (i: number) =>
  caseOf(reviewEvent(`evt-${i}`), reviewResult(i), new Float64Array([i, Number.NaN, 1]), SCHEMA, T0 + i);

describe('PostgreSQL review store', () => {
  it('lets exactly one of two replicas claim a case they race for', async () => {
    const schema = freshSchema();
    const [a, b] = [await store(schema), await store(schema)] as [ReviewStore, ReviewStore];
    const cases = Array.from({ length: 30 }, (_, i) => caseN(i));
    // Each replica inserts the batch; a case is stored once.
    await Promise.all([a.insert(cases), b.insert(cases)]);
    const holders = new Map<string, string>();
    expect(await sql(`SELECT count(*)::int AS n FROM "${schema}".risk_review_cases`)).toEqual([{ n: 30 }]);
    for (const c of cases) {
      const [ra, rb] = await Promise.all([
        a.claim(c.caseId, 'ana', T0, 60_000),
        b.claim(c.caseId, 'bob', T0, 60_000),
      ]);
      const won = [ra, rb].filter((r) => r !== undefined && 'case' in r);
      const lost = [ra, rb].filter((r) => r !== undefined && 'conflict' in r);
      expect([won.length, lost.length]).toEqual([1, 1]);
      const holder = (won[0] as { case: { claimedBy: string } }).case.claimedBy;
      // The loser is told who holds it.
      expect((lost[0] as { conflict: { claimedBy: string } }).conflict.claimedBy).toBe(holder);
      holders.set(c.caseId, holder);
    }
    // And the table agrees.
    const rows = await sql<{ case_id: string; claimed_by: string }>(
      `SELECT case_id, claimed_by FROM "${schema}".risk_review_cases`,
    );
    expect(new Map(rows.map((r) => [r.case_id, r.claimed_by]))).toEqual(holders);
    // Once the lease runs out the other replica's analyst may take it; before, not.
    const first = cases[0]?.caseId as string;
    const holder = (await a.get(first))?.claimedBy as string;
    const other = holder === 'ana' ? 'bob' : 'ana';
    expect(await b.claim(first, other, T0 + 59_999, 60_000)).toHaveProperty('conflict');
    expect(await b.claim(first, other, T0 + 60_000, 60_000)).toHaveProperty('case.claimedBy', other);
    expect(
      await a.resolve(first, holder, { verdict: 'APPROVE', outcomeId: 'o' }, T0 + 60_001),
    ).toHaveProperty('conflict');
    // The other 29 leases ran out at T0 + 60 s; the one taken over runs to T0 + 120 s.
    expect(await a.counts(T0 + 60_001)).toEqual({ open: 29, claimed: 1, resolved: 0 });
    expect(await a.counts(T0 + 120_001)).toEqual({ open: 30, claimed: 0, resolved: 0 });
  }, 30_000);

  it('forgets resolved cases past the retention', async () => {
    const s = await store(freshSchema());
    await s.insert([caseN(1), caseN(2)]);
    await s.claim('dec-1', 'ana', T0, 60_000);
    await s.resolve('dec-1', 'ana', { verdict: 'DECLINE', note: 'n', outcomeId: 'o1' }, T0);
    expect(await s.prune(T0)).toBe(0);
    expect(await s.prune(T0 + 1)).toBe(1);
    expect((await s.list('all', 10, T0)).map((c) => c.caseId)).toEqual(['dec-2']);
  });

  it('answers 503 RISK_ERR_STORE_UNAVAILABLE when PostgreSQL cannot be reached', async () => {
    const s = await store(freshSchema());
    await s.close();
    stores.splice(stores.indexOf(s), 1);
    const err = await s.get('dec-1').catch((e: unknown) => e as { code: string });
    expect(err).toMatchObject({ code: 'RISK_ERR_STORE_UNAVAILABLE' });
  });
});

describe('review queue shared by replicas (DATABASE_URL)', () => {
  it('serves a case decided on one replica to analysts on another, one claim at a time', async () => {
    const schema = freshSchema();
    const replica = async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'pg-review-'));
      dirs.push(dataDir);
      const s = await testService({
        databaseUrl: SHARED_DATABASE_URL,
        pgSchema: schema,
        bundleWatch: 0,
        dataDir,
        decisionLog: 'file',
      });
      services.push(s);
      return s;
    };
    const a = await replica();
    const b = await replica();
    let review: { decisionId: string; decision: string } | undefined;
    for (let i = 1; i <= 5; i++)
      review = (
        await a.http.inject({ method: 'POST', url: '/v1/decisions', payload: paymentRequest(`pg-rq-${i}`) })
      ).json();
    expect(review?.decision).toBe('REVIEW');
    const id = review?.decisionId as string;
    // Replica A hands its cases to PostgreSQL by group commit; any call on A flushes first.
    expect((await a.http.inject({ method: 'GET', url: '/admin/v1/review/cases' })).json().cases).toHaveLength(
      1,
    );
    const onB = await b.http.inject({ method: 'GET', url: `/admin/v1/review/cases/${id}` });
    expect(onB.statusCode).toBe(200);
    expect(onB.json()).toMatchObject({ caseId: id, eventId: 'pg-rq-5', status: 'open' });
    expect(onB.json().features['card.count_1h']).toBe(4);

    const claim = (s: Service, analyst: string) =>
      s.http.inject({ method: 'POST', url: `/admin/v1/review/cases/${id}/claim`, payload: { analyst } });
    const [ca, cb] = await Promise.all([claim(a, 'ana'), claim(b, 'bob')]);
    expect([ca.statusCode, cb.statusCode].sort()).toEqual([200, 409]);
    const [winner, analyst] = ca.statusCode === 200 ? [b, 'ana'] : [a, 'bob'];
    // The verdict may be given on either replica; here on the other one than the claim's.
    const done = await winner.http.inject({
      method: 'POST',
      url: `/admin/v1/review/cases/${id}/resolve`,
      payload: { analyst, verdict: 'APPROVE', note: 'customer confirmed' },
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'resolved', verdict: 'APPROVE', resolvedBy: analyst });
    const [row] = await sql<{ status: string; outcome_id: string }>(
      `SELECT status, outcome_id FROM "${schema}".risk_review_cases WHERE case_id = $1`,
      [id],
    );
    expect(row).toEqual({ status: 'resolved', outcome_id: done.json().outcomeId });
    expect(await a.metrics.registry.metrics()).toContain('risk_review_cases{state="resolved"} 1');
  }, 30_000);
});
