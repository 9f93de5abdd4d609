import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action, RiskEvent } from '../../src/domain/index.js';
import {
  captureSnapshot,
  type JournalRecord,
  readNewestSnapshot,
  writeSnapshot,
} from '../../src/durability/index.js';
import {
  createIdempotencyStore,
  type IdempotencyStore,
  replayStateEntries,
} from '../../src/engine/idempotency-store.js';
import { openPersistence } from '../../src/engine/persistence.js';
import { dataPaths, recoverState } from '../../src/engine/recover.js';
import {
  type CounterStore,
  createCounterStore,
  type MemoryCounterStore,
  type StoreState,
} from '../../src/features/index.js';
import { defaultFeaturePlan, featurePlan } from '../helpers.js';

const PLAN = defaultFeaturePlan();

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'risk-recovery-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T = Date.parse('2026-11-21T00:00:00Z');
const quiet = { info: () => {}, error: () => {} };
/** Small enough that the later events evict earlier entities, so the CLOCK state matters too. */
const newStore = (): MemoryCounterStore => createCounterStore({ plan: PLAN, maxEntities: 300 });

/** Event i: 150 cards, 40 devices, 60 accounts, so entities repeat and distinct sets fill. */
const event = (i: number): RiskEvent => ({
  eventId: `evt-${i}`,
  type: i % 7 === 0 ? 'LOGIN' : 'PAYMENT',
  occurredAtMs: T + i * 37_000,
  account: { id: `acct-${i % 60}`, emailToken: `em-${i % 60}`, emailDomain: 'example.com' },
  payment: {
    amountMinor: 100 + i,
    currency: 'USD',
    cardToken: `card-${i % 150}`,
    bin: `4${i % 9}0000`,
    merchantId: `m-${i % 11}`,
  },
  ...(i % 7 === 0 ? { login: { success: i % 2 === 0 } } : {}),
  network: { ip: `10.0.${i % 5}.${i % 200}`, ipPrefix: `10.0.${i % 5}.0/24`, isProxy: false },
  device: { id: `dev-${i % 40}`, emulator: false, rooted: false, bot: false, incognito: false },
  attributes: {},
});
const decisionOf = (i: number): Action => (i % 13 === 0 ? 'BLOCK' : 'ALLOW');
const t = (i: number) => T + i * 37_000;
const json = (i: number) =>
  JSON.stringify({ decisionId: `d-${i}`, eventId: `evt-${i}`, decision: decisionOf(i) });

/**
 * Decides event i as the engine does: commits it to `store`, journals it through `onCommit`, waits
 * until it is durable if asked to, then records the decision in `replay`.
 */
async function decide(
  store: CounterStore,
  i: number,
  onCommit?: (r: JournalRecord) => void | Promise<void>,
  replay?: IdempotencyStore,
): Promise<void> {
  store.commit(event(i), t(i), { decision: decisionOf(i) });
  await onCommit?.({
    event: event(i),
    t: t(i),
    decision: decisionOf(i),
    createdMs: Date.now(),
    fingerprint: `fp-${i}`,
    json: json(i),
  });
  replay?.set(`evt-${i}`, { fingerprint: `fp-${i}`, json: json(i) });
}

/** Decides events from .. to-1 in one turn, as concurrent requests do: they share group commits. */
async function decideAll(
  store: CounterStore,
  from: number,
  to: number,
  onCommit: (r: JournalRecord) => void | Promise<void>,
  replay: IdempotencyStore,
): Promise<void> {
  const all: Promise<void>[] = [];
  for (let i = from; i < to; i++) all.push(decide(store, i, onCommit, replay));
  await Promise.all(all);
}

/** Every byte of a state, for comparing two stores exactly. */
const bytesOf = (s: StoreState) => ({
  header: s.header,
  parts: s.parts.map((p) => Buffer.from(p).toString('base64')),
});

describe('counter store state', () => {
  it('export then import into a fresh store gives the same bytes and the same features', async () => {
    const a = newStore();
    for (let i = 0; i < 3000; i++) await decide(a, i);
    expect(a.stats().evictions).toBeGreaterThan(0);
    const b = newStore();
    b.importState(a.exportState());
    expect(bytesOf(b.exportState())).toEqual(bytesOf(a.exportState()));
    // And the two go on identically.
    for (let i = 3000; i < 3500; i++) {
      await decide(a, i);
      await decide(b, i);
    }
    const out = (s: MemoryCounterStore) => {
      const o = new Float64Array(PLAN.schema.size);
      s.hydrate(event(1234), t(3600), o, PLAN.entityOffset);
      return Array.from(o);
    };
    expect(out(b)).toEqual(out(a));
    expect(bytesOf(b.exportState())).toEqual(bytesOf(a.exportState()));
  });

  it('carries a state of another layout over what the layouts share, and refuses a store already in use', async () => {
    const a = newStore();
    await decide(a, 1);
    await decide(a, 2);
    const section = PLAN.source as { entities: { name: string }[] };
    const other = createCounterStore({
      plan: featurePlan({ ...section, entities: section.entities.filter((e) => e.name !== 'user') }),
      maxEntities: 1000,
    });
    other.importState(a.exportState());
    const read = (s: MemoryCounterStore) => {
      const o = new Float64Array(s.plan.schema.size);
      s.hydrate(event(1), t(3), o, s.plan.entityOffset);
      return o[s.plan.schema.indexOf('card.count_24h') as number];
    };
    expect(read(other)).toBe(read(a));
    expect(other.plan.schema.indexOf('user.count_24h')).toBeUndefined();
    expect(() => a.importState(a.exportState())).toThrow(/in use/);
  });
});

describe('idempotency store state', () => {
  it('exports live entries oldest first and imports them with their age; expired ones stay out', () => {
    let now = 10_000;
    const a = createIdempotencyStore(3, 1000, { now: () => now });
    for (const id of ['a', 'b', 'c', 'd']) {
      a.set(id, {
        fingerprint: `fp-${id}`,
        json: `{"id":"${id}","long":"${'é'.repeat(id === 'c' ? 2000 : 1)}"}`,
      });
      now += 100;
    }
    const exported = a.exportState();
    const state = replayStateEntries(exported);
    expect(state.map((e) => [e.id, e.createdMs])).toEqual([
      ['b', 10_100],
      ['c', 10_200],
      ['d', 10_300],
    ]);
    now = 11_150; // b is 1050 ms old: past the 1000 ms time to live
    const b = createIdempotencyStore(3, 1000, { now: () => now });
    b.importState(exported);
    expect(b.get('b')).toBeUndefined();
    expect(b.get('c')).toEqual({ fingerprint: 'fp-c', json: (state[1] as { json: string }).json });
    expect(b.get('d')).toEqual({ fingerprint: 'fp-d', json: (state[2] as { json: string }).json });
    now = 11_250;
    expect(b.get('c')).toBeUndefined();
  });
});

describe('recovery', () => {
  it('snapshot + journal tail equals replaying the whole journal, counters and replay store alike', async () => {
    const dir = tempDir();
    const live = newStore();
    const liveReplay = createIdempotencyStore(10_000, 86_400_000);
    const p = openPersistence({
      dataDir: dir,
      mode: 'sync',
      flushMs: 20,
      snapshotIntervalMs: 0,
      store: live,
      replay: liveReplay,
      log: quiet,
    });
    await decideAll(live, 0, 1500, p.onCommit, liveReplay);
    const snap = await p.snapshot();
    expect(snap.journalSeq).toBe(1500);
    await decideAll(live, 1500, 2500, p.onCommit, liveReplay);
    // A crash: no close, no final snapshot. Everything acknowledged is in the journal.
    const recovered = newStore();
    const replay = createIdempotencyStore(10_000, 86_400_000);
    const report = recoverState(dir, recovered, replay);
    expect(report).toMatchObject({
      snapshotSeq: 1500,
      replayedRecords: 1000,
      skippedFrames: 0,
      missingRecords: 0,
      lastSeq: 2500,
    });
    // The whole history from an empty store, for reference.
    const full = newStore();
    for (let i = 0; i < 2500; i++) await decide(full, i);
    expect(bytesOf(recovered.exportState())).toEqual(bytesOf(full.exportState()));
    expect(bytesOf(recovered.exportState())).toEqual(bytesOf(live.exportState()));
    for (const i of [0, 1499, 1500, 2499])
      expect(replay.get(`evt-${i}`)).toEqual({ fingerprint: `fp-${i}`, json: json(i) });
    await p.close();
  });

  it('a clean close leaves one snapshot that holds everything; the journal adds nothing', async () => {
    const dir = tempDir();
    const live = newStore();
    const liveReplay = createIdempotencyStore(100, 86_400_000);
    const p = openPersistence({
      dataDir: dir,
      mode: 'interval',
      flushMs: 5,
      snapshotIntervalMs: 0,
      store: live,
      replay: liveReplay,
      log: quiet,
    });
    for (let i = 0; i < 300; i++) await decide(live, i, p.onCommit, liveReplay);
    await p.close();
    expect(readdirSync(dataPaths(dir).snapshots)).toHaveLength(1);
    const recovered = newStore();
    const replay = createIdempotencyStore(100, 86_400_000);
    expect(recoverState(dir, recovered, replay)).toMatchObject({ snapshotSeq: 300, replayedRecords: 0 });
    expect(bytesOf(recovered.exportState())).toEqual(bytesOf(live.exportState()));
    expect(replay.get('evt-299')?.fingerprint).toBe('fp-299');
  });

  it('a snapshot taken while a sync decision awaits its fdatasync still carries its replay record', async () => {
    const dir = tempDir();
    const live = newStore();
    const liveReplay = createIdempotencyStore(100, 86_400_000);
    const options = { dataDir: dir, mode: 'sync', flushMs: 20, snapshotIntervalMs: 0, log: quiet } as const;
    const p = openPersistence({ ...options, store: live, replay: liveReplay });
    await decideAll(live, 0, 10, p.onCommit, liveReplay);
    // Committed and journaled, not yet durable nor in the replay store, when the snapshot is taken:
    // the snapshot covers its journal record, so only the snapshot can bring its decision back.
    const pending = decide(live, 10, p.onCommit, liveReplay);
    expect(liveReplay.get('evt-10')).toBeUndefined();
    const snap = p.snapshot();
    await Promise.all([pending, snap]);
    expect((await snap).journalSeq).toBe(11);
    const replay = createIdempotencyStore(100, 86_400_000);
    const report = recoverState(dir, newStore(), replay);
    expect(report).toMatchObject({ snapshotSeq: 11, replayedRecords: 0 });
    expect(replay.get('evt-10')).toEqual({ fingerprint: 'fp-10', json: json(10) });
    await p.close();
  });

  it('one process per DATA_DIR: a live holder of the lock is refused, a dead one taken over', async () => {
    const dir = tempDir();
    const options = {
      dataDir: dir,
      mode: 'interval',
      flushMs: 20,
      snapshotIntervalMs: 0,
      log: quiet,
    } as const;
    const stores = () => ({ store: newStore(), replay: createIdempotencyStore(10, 1000) });
    // The parent of this test process is alive: a lock naming it is held.
    writeFileSync(join(dir, 'LOCK'), String(process.ppid));
    expect(() => openPersistence({ ...options, ...stores() })).toThrow(/in use by process/);
    // A process id that does not exist (above the kernel's pid_max) is a crashed holder.
    writeFileSync(join(dir, 'LOCK'), '2147483647');
    const p = openPersistence({ ...options, ...stores() });
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(String(process.pid));
    await p.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  });

  it('a crash mid-snapshot leaves the previous snapshot and the journal, which recover everything', async () => {
    const dir = tempDir();
    const live = newStore();
    const liveReplay = createIdempotencyStore(100, 86_400_000);
    const options = { dataDir: dir, mode: 'sync', flushMs: 20, snapshotIntervalMs: 0, log: quiet } as const;
    const p = openPersistence({ ...options, store: live, replay: liveReplay });
    await decideAll(live, 0, 200, p.onCommit, liveReplay);
    await p.snapshot();
    await decideAll(live, 200, 400, p.onCommit, liveReplay);
    // The next snapshot's temporary file is written but the crash comes before it is synced and
    // renamed; and, worse than a crash can do, a torn copy of it sits under the final name.
    const { snapshots } = dataPaths(dir);
    const elsewhere = tempDir();
    const whole = await writeSnapshot(
      elsewhere,
      captureSnapshot({
        journalSeq: 400,
        createdMs: 0,
        sections: { counters: live.exportState(), replay: liveReplay.exportState() },
      }),
    );
    const name = join(snapshots, basename(whole.file));
    copyFileSync(whole.file, `${name}.tmp`);
    copyFileSync(whole.file, name);
    truncateSync(name, statSync(name).size - 100);
    expect(readNewestSnapshot(snapshots).invalid).toHaveLength(1);
    const recovered = newStore();
    const replay = createIdempotencyStore(100, 86_400_000);
    const q = openPersistence({ ...options, store: recovered, replay });
    expect(q.recovery).toMatchObject({
      snapshotSeq: 200,
      replayedRecords: 200,
      skippedFrames: 0,
      lastSeq: 400,
    });
    expect(q.recovery.invalidSnapshots).toHaveLength(1);
    expect(bytesOf(recovered.exportState())).toEqual(bytesOf(live.exportState()));
    expect(replay.get('evt-399')?.fingerprint).toBe('fp-399');
    expect(readdirSync(snapshots).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await q.close();
  });
});
