/**
 * Child process of the snapshot bench (bench/snapshot-bench.ts runs it twice, for fresh heaps):
 * `snapshot-child write <entities> <dir> <tail records>` fills a counter store with the default
 * entities and windows through hydrate + commit (bench/population-event.ts, as the memory bench)
 * and a replay store with 100,000 decisions, writes one snapshot with the service's persistence,
 * journals `tail records` more decisions and stops without a final snapshot, as a crash would;
 * `snapshot-child restore <entities> <dir>` reads and imports the snapshot, then runs the start-up
 * recovery (snapshot + journal tail) into fresh stores. Each prints one JSON line.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNewestSnapshot } from '../src/durability/index.js';
import {
  createIdempotencyStore,
  dataPaths,
  defaultBundleDir,
  openPersistence,
  recoverState,
} from '../src/engine/index.js';
import { compileFeaturePlan, createCounterStore } from '../src/features/index.js';
import { populationEntities, populationEvent, usersForEntities } from './population-event.js';
import type { SnapshotRestore, SnapshotWrite } from './snapshot-result.js';

const [mode, entitiesArg, dir, tailArg] = process.argv.slice(2);
const target = Number(entitiesArg);
if (dir === undefined || !Number.isInteger(target) || target < 1)
  throw new Error('usage: write|restore <entities> <dir> [tail]');
const users = usersForEntities(target);
const maxEntities = populationEntities(users);
const REPLAY = 100_000;
const TTL = 86_400_000;
const start = Date.UTC(2026, 10, 29);
const step = 1_800_000 / users;
const quiet = { info: () => {}, error: () => {} };
/** The default bundle's features section, as the service lays its counters out. */
const compiled = compileFeaturePlan(
  JSON.parse(readFileSync(join(defaultBundleDir(), 'features.json'), 'utf8')),
);
if ('errors' in compiled) throw new Error(compiled.errors.join('; '));
const plan = compiled.value;
const newStores = () => ({
  store: createCounterStore({ plan, maxEntities }),
  replay: createIdempotencyStore(REPLAY, TTL),
});

/** A decision record of the usual size (700–900 bytes of JSON). */
const decisionJson = (i: number) =>
  JSON.stringify({
    decisionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    eventId: `bench-${i}`,
    decision: 'ALLOW',
    score: 0.0123,
    modelScore: 0.0123,
    reasons: [
      {
        code: 'velocity_card',
        message: 'card used 3 times in the last hour',
        source: 'RULE',
        ruleId: 'r-velocity',
        action: 'REVIEW',
      },
    ],
    bundleVersion: 'default@97d2a8d1c5c6',
    modelVersion: 'gbdt-sim-s7-fe91c34f84',
    degraded: [],
    timings: ['features', 'lists', 'device', 'model', 'rules', 'combine', 'commit'].map((stage) => ({
      stage,
      micros: 12,
    })),
    replayed: false,
    timeBasis: 'EVENT_TIME',
    windowTime: '2026-11-29T00:00:00.000Z',
  });

/** Sum of features over a sample of users: equal for two stores with the same state. */
function checksum(store: ReturnType<typeof createCounterStore>): number {
  const out = new Float64Array(plan.schema.size);
  let sum = 0;
  const t = start + 1_900_000;
  for (let u = 0; u < users; u += Math.max(1, Math.floor(users / 1000))) {
    store.hydrate(populationEvent(u, 'probe', t), t, out, plan.entityOffset);
    for (const v of out) if (!Number.isNaN(v)) sum += v;
  }
  return sum;
}

if (mode === 'write') {
  const tail = Number(tailArg ?? '0');
  const { store, replay } = newStores();
  const out = new Float64Array(plan.schema.size);
  let t0 = performance.now();
  for (let u = 0; u < users; u++) {
    const t = start + u * step;
    const event = populationEvent(u, `fill-${u}`, t);
    const touched = store.hydrate(event, t, out, plan.entityOffset);
    store.commit(event, t, { decision: 'ALLOW' }, touched);
  }
  for (let i = 0; i < REPLAY; i++)
    replay.set(`bench-${i}`, { fingerprint: `fp-${i}`, json: decisionJson(i) });
  const fillMs = performance.now() - t0;
  const p = openPersistence({
    dataDir: dir,
    mode: 'interval',
    flushMs: 20,
    snapshotIntervalMs: 0,
    store,
    replay,
    log: quiet,
  });
  const snap = await p.snapshot();
  // The tail: decisions after the snapshot, journaled as the engine does, never snapshotted.
  t0 = performance.now();
  for (let i = 0; i < tail; i++) {
    const u = i % users;
    const t = start + 1_800_000 + i;
    const event = populationEvent(u, `tail-${i}`, t);
    store.commit(event, t, { decision: 'ALLOW' });
    p.onCommit({
      event,
      t,
      decision: 'ALLOW',
      createdMs: Date.now(),
      fingerprint: `fp-t${i}`,
      json: decisionJson(REPLAY + i),
    });
  }
  await p.flush();
  const result: SnapshotWrite & { checksum: number } = {
    entities: store.stats().entities,
    replayEntries: REPLAY,
    fillMs,
    bytes: snap.bytes,
    prepareMs: snap.prepareMs,
    captureMs: snap.captureMs,
    totalMs: snap.totalMs,
    tailRecords: tail,
    tailBytes: p.stats().journal.bytes,
    checksum: checksum(store),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else if (mode === 'restore') {
  let a: ReturnType<typeof newStores> | undefined = newStores();
  let t0 = performance.now();
  const { snapshot } = readNewestSnapshot(dataPaths(dir).snapshots);
  if (snapshot === undefined) throw new Error(`no snapshot in ${dir}`);
  const readMs = performance.now() - t0;
  t0 = performance.now();
  a.store.importState(snapshot.sections.counters as NonNullable<typeof snapshot.sections.counters>);
  const importMs = performance.now() - t0;
  a = undefined;
  const b = newStores();
  const report = recoverState(dir, b.store, b.replay);
  const result: SnapshotRestore = {
    readMs,
    importMs,
    recoverMs: report.ms,
    replayedRecords: report.replayedRecords,
    entities: b.store.stats().entities,
    checksum: checksum(b.store),
    peakRss: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  throw new Error(`unknown mode ${mode}`);
}
