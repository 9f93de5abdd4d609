/**
 * `npm run bench:review [-- --cases N --ops M]`: what the review queue costs. The decision path's
 * share (ReviewQueue.add: a copy of the feature vector and a push) beside the decision log's append
 * of the same decision, both per call; then, per store, how fast a batch of N queued cases is
 * stored (built, named by the default bundle's schema, written: one journal write and fdatasync, or
 * one PostgreSQL INSERT) and how long a claim + release round trip takes (M sequential ones, each
 * synced or committed). PostgreSQL is DATABASE_URL (default: the test database), in a schema of its
 * own, dropped after. Information, no gate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { DecisionResult, RiskEvent } from '../src/domain/index.js';
import { createTokenizer } from '../src/domain/index.js';
import { createDecisionLog, decisionRecord, defaultBundleDir, loadBundleDir } from '../src/engine/index.js';
import {
  createFileReviewStore,
  createPgReviewStore,
  createReviewQueue,
  type ReviewStore,
} from '../src/server/index.js';
import { percentile } from './percentile.js';

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '20000' }, ops: { type: 'string', default: '500' } },
});
const N = Number(values.cases);
const M = Number(values.ops);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const bundle = await loadBundleDir(defaultBundleDir(), {
  tokenizer: createTokenizer(Buffer.alloc(32)),
  now: Date.now,
  skipModel: true,
});
const schema = bundle.features.schema;
const features = Float64Array.from({ length: schema.size }, (_, i) => (i % 7 === 0 ? Number.NaN : i * 1.5));
const event = (i: number): RiskEvent =>
  ({
    eventId: `bench-${i}`,
    type: 'PAYMENT',
    occurredAtMs: Date.now(),
    account: { id: `user-${i % 1000}`, emailToken: 'tok', emailDomain: 'example.com' },
    payment: { amountMinor: 12999, currency: 'EUR', cardToken: 'tok', bin: '411111', last4: '1111' },
    network: { ip: '203.0.113.7' },
  }) as RiskEvent;
const result = (i: number): DecisionResult => ({
  decisionId: `dec-${i}`,
  eventId: `bench-${i}`,
  decision: 'REVIEW',
  score: 0.31,
  modelScore: 0.21,
  reasons: [
    {
      code: 'card_velocity_1h',
      message: 'card charged 4 times in the last hour',
      source: 'RULE',
      action: 'REVIEW',
    },
  ],
  bundleVersion: 'default@000000000000',
  modelVersion: 'm',
  degraded: [],
  timings: [],
  replayed: false,
  timeBasis: 'ARRIVAL_TIME',
  windowTime: new Date().toISOString(),
});
const events = Array.from({ length: N }, (_, i) => event(i));
const results = Array.from({ length: N }, (_, i) => result(i));
const noDesk = {
  report: async () => {
    throw new Error('no verdicts in this bench');
  },
};
const queueOver = (store: ReviewStore) =>
  createReviewQueue({
    store,
    desk: noDesk,
    now: Date.now,
    leaseMs: 900_000,
    flushMs: 3_600_000,
    maxQueue: N,
    retentionMs: 0,
  });

const rows: string[][] = [];
const ns = (ms: number, n: number) => `${((ms * 1e6) / n).toFixed(0)} ns`;

// 1. The decision path: add vs. the decision log's append (both defer the work to a writer).
{
  const dir = mkdtempSync(join(tmpdir(), 'review-bench-log-'));
  const log = createDecisionLog({
    dir,
    flushMs: 3_600_000,
    maxSegmentBytes: 1 << 30,
    retentionMs: 0,
    maxQueue: N,
  });
  // Two rounds: the first warms the JIT up.
  for (let round = 0; round < 2; round++) {
    const q = queueOver(await createFileReviewStore({ dir: undefined, flushMs: 1000 }));
    let t = performance.now();
    for (let i = 0; i < N; i++) q.add(events[i] as RiskEvent, results[i] as DecisionResult, features, schema);
    const addMs = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < N; i++)
      log.append(
        decisionRecord(
          events[i] as RiskEvent,
          results[i] as DecisionResult,
          features,
          schema,
          [],
          [],
          undefined,
          0,
        ),
      );
    const logMs = performance.now() - t;
    if (round === 1) {
      rows.push(['decision path: ReviewQueue.add', ns(addMs, N), `${N} calls`]);
      rows.push(['decision path: decision log append (baseline)', ns(logMs, N), `${N} calls`]);
    }
    await q.close();
    await log.flush();
  }
  await log.close();
  rmSync(dir, { recursive: true, force: true });
}

// 2. Per store: a batch of N cases stored; M claim + release round trips.
const schemaName = `risk_bench_review_${process.pid}`;
for (const kind of ['embedded journal', 'PostgreSQL'] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'review-bench-'));
  const store =
    kind === 'PostgreSQL'
      ? await createPgReviewStore({ url, schema: schemaName })
      : await createFileReviewStore({ dir, flushMs: 1000 });
  const q = queueOver(store);
  for (let i = 0; i < N; i++) q.add(events[i] as RiskEvent, results[i] as DecisionResult, features, schema);
  let t = performance.now();
  await q.flush();
  const flushMs = performance.now() - t;
  rows.push([
    `${kind}: store ${N} queued cases`,
    `${((N / flushMs) * 1000).toFixed(0)} cases/s`,
    `${flushMs.toFixed(0)} ms`,
  ]);
  const lat: number[] = [];
  for (let i = 0; i < M; i++) {
    t = performance.now();
    await q.claim(`dec-${i}`, 'ana');
    await q.release(`dec-${i}`, 'ana');
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  rows.push([
    `${kind}: claim + release`,
    `p50 ${percentile(lat, 50).toFixed(2)} ms`,
    `p99 ${percentile(lat, 99).toFixed(2)} ms`,
  ]);
  await q.close();
  rmSync(dir, { recursive: true, force: true });
}
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS "${schemaName}" CASCADE`);
await admin.end();

const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length), 8));
console.log(`review queue, ${schema.size} features per case`);
for (const r of rows) console.log(`| ${r.map((v, c) => v.padEnd(width[c] as number)).join(' | ')} |`);
