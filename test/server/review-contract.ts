import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/domain/clock.js';
import type { DecisionResult, RiskEvent } from '../../src/domain/index.js';
import { createDecisionLog, readDecisionLog } from '../../src/durability/index.js';
import { createFeatureSchema } from '../../src/features/index.js';
import { createOutcomeDesk } from '../../src/server/outcome-desk.js';
import { createReviewQueue, type ReviewQueue } from '../../src/server/review-queue.js';
import type { ReviewStore } from '../../src/server/review-store.js';
import { T0 } from '../helpers.js';

// The review queue's behaviour, the same over every store: run by review-queue.test.ts (memory, files)
// and pg-review-store.test.ts (PostgreSQL).

/** A schema of three features; the middle one is missing in every decision below. */
export const SCHEMA = createFeatureSchema(['card.count_1h', 'device.age_days', 'amount_usd']);
export const LEASE_MS = 15 * 60_000;

/** A tokenised payment event (what the edge hands the engine). */
export function reviewEvent(eventId: string): RiskEvent {
  return {
    eventId,
    type: 'PAYMENT',
    occurredAtMs: T0,
    account: { id: 'user-42', emailToken: 'tok-e', emailDomain: 'example.com' },
    payment: { amountMinor: 12999, currency: 'EUR', cardToken: 'tok-c', bin: '411111', last4: '1111' },
    network: { ip: '203.0.113.7' },
  } as RiskEvent;
}

/** A REVIEW decision of `eventId` with two deciding reasons and one explanation. */
export function reviewResult(n: number): DecisionResult {
  return {
    decisionId: `dec-${n}`,
    eventId: `evt-${n}`,
    decision: 'REVIEW',
    score: 0.31,
    modelScore: 0.21,
    reasons: [
      {
        code: 'card_velocity_1h',
        message: 'card charged 4 times',
        source: 'RULE',
        ruleId: 'v',
        action: 'REVIEW',
      },
      { code: 'new_device', message: 'device first seen', source: 'DEVICE', action: 'CHALLENGE' },
      { code: 'model_feature', message: 'x', source: 'MODEL', feature: 'amount_usd', contribution: 0.5 },
    ],
    bundleVersion: 'default@000000000000',
    modelVersion: 'm',
    degraded: [],
    timings: [],
    replayed: false,
    timeBasis: 'EVENT_TIME',
    windowTime: new Date(T0).toISOString(),
  };
}

export interface Harness {
  readonly queue: ReviewQueue;
  readonly clock: ReturnType<typeof createManualClock>;
  readonly logDir: string;
  readonly store: ReviewStore;
  add(n: number): boolean;
}

/** Makes a fresh store for one test (a new directory, a new schema, ...). */
export type StoreMaker = () => Promise<ReviewStore>;

/** The queue's contract over the stores `make` builds. */
export function reviewQueueContract(kind: string, make: StoreMaker): void {
  const open: { close(): Promise<void> }[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const harness = async (options: { maxQueue?: number; retentionMs?: number } = {}): Promise<Harness> => {
    const logDir = mkdtempSync(join(tmpdir(), 'review-log-'));
    dirs.push(logDir);
    const log = createDecisionLog({
      dir: logDir,
      flushMs: 10,
      maxSegmentBytes: 1 << 20,
      retentionMs: 0,
      maxQueue: 1000,
    });
    open.push(log);
    const desk = createOutcomeDesk({
      append: (r) => log.append(r),
      durable: () => log.flush(),
      logDir,
      recent: 100,
    });
    const clock = createManualClock(T0);
    const store = await make();
    const queue = createReviewQueue({
      store,
      desk,
      now: clock.now,
      leaseMs: LEASE_MS,
      flushMs: 10_000,
      maxQueue: options.maxQueue ?? 100,
      retentionMs: options.retentionMs ?? 0,
    });
    open.push(queue);
    const features = new Float64Array([4, Number.NaN, 140.4]);
    return {
      queue,
      clock,
      logDir,
      store,
      add: (n) => queue.add(reviewEvent(`evt-${n}`), reviewResult(n), features, SCHEMA),
    };
  };
  const code = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; violations: { field: string }[] },
    );
    expect(err, 'the call should have failed').toBeDefined();
    return err as { code: string; message: string; violations: { field: string }[] };
  };

  describe(`review queue over ${kind}`, () => {
    it('turns a REVIEW decision into an open case with its reasons, features and event', async () => {
      const h = await harness();
      expect(h.add(1)).toBe(true);
      h.clock.advance(1000);
      expect(h.add(2)).toBe(true);
      const list = await h.queue.list('all', 10);
      expect(list.map((c) => c.caseId)).toEqual(['dec-2', 'dec-1']);
      expect(list[1]).toEqual({
        caseId: 'dec-1',
        decisionId: 'dec-1',
        eventId: 'evt-1',
        createdAt: new Date(T0).toISOString(),
        status: 'open',
        score: 0.31,
        modelScore: 0.21,
        topReasons: ['card_velocity_1h', 'new_device'],
      });
      const c = await h.queue.get('dec-1');
      expect(c.reasons).toEqual(reviewResult(1).reasons);
      expect(c.features).toEqual({ 'card.count_1h': 4, 'device.age_days': null, amount_usd: 140.4 });
      expect(c.event).toEqual(reviewEvent('evt-1'));
      expect(await h.queue.list('open', 1)).toHaveLength(1);
      expect(await h.queue.stats()).toMatchObject({ open: 2, claimed: 0, resolved: 0, dropped: 0 });
    });

    it('claims by lease: one analyst holds a case, renews it, releases it; another may then claim it', async () => {
      const h = await harness();
      h.add(1);
      const claimed = await h.queue.claim('dec-1', 'ana');
      expect(claimed).toMatchObject({
        status: 'claimed',
        claimedBy: 'ana',
        claimedAt: new Date(T0).toISOString(),
        leaseExpiresAt: new Date(T0 + LEASE_MS).toISOString(),
      });
      const taken = await code(h.queue.claim('dec-1', 'bob'));
      expect(taken.code).toBe('RISK_ERR_REVIEW_CONFLICT');
      expect(taken.message).toContain('ana holds it');
      expect((await code(h.queue.release('dec-1', 'bob'))).code).toBe('RISK_ERR_REVIEW_CONFLICT');
      h.clock.advance(60_000);
      expect((await h.queue.claim('dec-1', 'ana')).leaseExpiresAt).toBe(
        new Date(T0 + 60_000 + LEASE_MS).toISOString(),
      );
      expect(await h.queue.list('claimed', 10)).toHaveLength(1);
      expect(await h.queue.list('open', 10)).toHaveLength(0);
      const released = await h.queue.release('dec-1', 'ana');
      expect(released.status).toBe('open');
      expect(released.claimedBy).toBeUndefined();
      expect((await code(h.queue.release('dec-1', 'ana'))).code).toBe('RISK_ERR_REVIEW_CONFLICT');
      expect((await h.queue.claim('dec-1', 'bob')).claimedBy).toBe('bob');
    });

    it('opens an expired lease to another analyst, and the first can no longer resolve', async () => {
      const h = await harness();
      h.add(1);
      await h.queue.claim('dec-1', 'ana');
      h.clock.advance(LEASE_MS - 1);
      expect((await code(h.queue.claim('dec-1', 'bob'))).code).toBe('RISK_ERR_REVIEW_CONFLICT');
      h.clock.advance(1);
      // Past the lease the case reads as open again.
      expect((await h.queue.get('dec-1')).status).toBe('open');
      expect((await h.queue.list('open', 10)).map((c) => c.caseId)).toEqual(['dec-1']);
      expect(await h.queue.stats()).toMatchObject({ open: 1, claimed: 0 });
      const late = await code(h.queue.resolve('dec-1', 'ana', 'APPROVE'));
      expect(late.code).toBe('RISK_ERR_REVIEW_CONFLICT');
      expect(late.message).toContain('expired');
      expect((await h.queue.claim('dec-1', 'bob')).claimedBy).toBe('bob');
      expect((await code(h.queue.resolve('dec-1', 'ana', 'APPROVE'))).message).toContain('bob holds it');
    });

    it('resolves a held case as an outcome in the decision log, once', async () => {
      const h = await harness();
      h.add(1);
      h.add(2);
      expect((await code(h.queue.resolve('dec-1', 'ana', 'DECLINE'))).message).toContain('has not claimed');
      await h.queue.claim('dec-1', 'ana');
      h.clock.advance(5000);
      const done = await h.queue.resolve('dec-1', 'ana', 'DECLINE', 'stolen card, customer confirmed');
      expect(done).toMatchObject({
        status: 'resolved',
        verdict: 'DECLINE',
        note: 'stolen card, customer confirmed',
        resolvedBy: 'ana',
        resolvedAt: new Date(T0 + 5000).toISOString(),
      });
      expect(done.leaseExpiresAt).toBeUndefined();
      expect(done.outcomeId).toMatch(/^[0-9a-f-]{36}$/);
      await h.queue.claim('dec-2', 'bob');
      const approved = await h.queue.resolve('dec-2', 'bob', 'APPROVE');
      const outcomes: Record<string, unknown>[] = [];
      for await (const r of readDecisionLog(h.logDir)) outcomes.push(r);
      expect(outcomes).toEqual([
        expect.objectContaining({
          kind: 'outcome',
          outcomeId: done.outcomeId,
          decisionId: 'dec-1',
          eventId: 'evt-1',
          type: 'REVIEW_DECLINED',
          decision: 'REVIEW',
          reportedBy: 'ana',
          reason: 'stolen card, customer confirmed',
        }),
        expect.objectContaining({
          outcomeId: approved.outcomeId,
          decisionId: 'dec-2',
          type: 'REVIEW_APPROVED',
        }),
      ]);
      const again = await code(h.queue.resolve('dec-1', 'ana', 'APPROVE'));
      expect([again.code, again.message]).toEqual([
        'RISK_ERR_REVIEW_CONFLICT',
        'cannot resolve case dec-1: it is resolved (DECLINE by ana)',
      ]);
      expect((await code(h.queue.claim('dec-1', 'bob'))).code).toBe('RISK_ERR_REVIEW_CONFLICT');
      expect((await h.queue.list('resolved', 10)).map((c) => [c.caseId, c.verdict])).toEqual([
        ['dec-2', 'APPROVE'],
        ['dec-1', 'DECLINE'],
      ]);
      expect(await h.queue.stats()).toMatchObject({ open: 0, claimed: 0, resolved: 2 });
    });

    it('records one outcome when the same verdict is sent twice at once', async () => {
      const h = await harness();
      h.add(1);
      await h.queue.claim('dec-1', 'ana');
      const both = await Promise.allSettled([
        h.queue.resolve('dec-1', 'ana', 'APPROVE'),
        h.queue.resolve('dec-1', 'ana', 'APPROVE'),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      let n = 0;
      for await (const r of readDecisionLog(h.logDir)) if (r.kind === 'outcome') n++;
      expect(n).toBe(1);
    });

    it('answers unknown cases with 404 and bad input with the field named', async () => {
      const h = await harness();
      h.add(1);
      const missing = await code(h.queue.get('dec-9'));
      expect([missing.code, missing.message]).toEqual(['RISK_ERR_UNKNOWN_RESOURCE', 'no review case dec-9']);
      expect((await code(h.queue.claim('dec-9', 'ana'))).code).toBe('RISK_ERR_UNKNOWN_RESOURCE');
      const table: [Promise<unknown>, string[]][] = [
        [h.queue.get('dec/1'), ['caseId']],
        [h.queue.claim('dec-1', ''), ['analyst']],
        [h.queue.claim('dec-1', 'x'.repeat(65)), ['analyst']],
        [h.queue.release('dec-1', 'ana\n'), ['analyst']],
        [h.queue.resolve('dec-1', 'ana', 'MAYBE' as 'APPROVE'), ['verdict']],
        [h.queue.resolve('dec-1', '', 'APPROVE', 'n'.repeat(501)), ['analyst', 'note']],
      ];
      for (const [p, fields] of table) {
        const e = await code(p);
        expect(e.code).toBe('RISK_ERR_INPUT_INVALID');
        expect(e.violations.map((v) => v.field)).toEqual(fields);
      }
      // Nothing changed.
      expect((await h.queue.get('dec-1')).status).toBe('open');
    });

    it('forgets resolved cases past the retention, checked hourly', async () => {
      const h = await harness({ retentionMs: 60_000 });
      h.add(1);
      h.add(2);
      await h.queue.claim('dec-1', 'ana');
      await h.queue.resolve('dec-1', 'ana', 'APPROVE');
      h.clock.advance(120_000);
      // Past the retention, but the hourly check has not come round yet.
      expect(await h.queue.list('all', 10)).toHaveLength(2);
      h.clock.advance(3_600_000);
      expect((await h.queue.list('all', 10)).map((c) => c.caseId)).toEqual(['dec-2']);
      expect(await h.queue.stats()).toMatchObject({ open: 1, resolved: 0 });
    });

    it('never makes the decision wait: cases queue in memory, bounded, and reach the store on flush', async () => {
      const h = await harness({ maxQueue: 2 });
      expect([h.add(1), h.add(2), h.add(3)]).toEqual([true, true, false]);
      expect(await h.store.list('all', 10, T0)).toEqual([]);
      expect(await h.queue.stats()).toMatchObject({ queued: 2, dropped: 1, open: 0 });
      await h.queue.flush();
      expect((await h.store.list('all', 10, T0)).map((c) => c.caseId)).toEqual(['dec-2', 'dec-1']);
      expect(await h.queue.stats()).toMatchObject({ queued: 0, dropped: 1, open: 2 });
      // A case added twice (a retried flush) is stored once.
      h.add(1);
      await h.queue.flush();
      expect(await h.store.list('all', 10, T0)).toHaveLength(2);
    });
  });
}
