import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createManualClock,
  createTokenizer,
  eventFromProto,
  type RiskEvent,
} from '../../src/domain/index.js';
import {
  createDecisionEngine,
  createIdempotencyStore,
  defaultBundleDir,
  loadBundleDir,
  openPersistence,
  recoverState,
} from '../../src/engine/index.js';
import { createCounterStore } from '../../src/features/index.js';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { createSequenceState } from '../../src/policies/index.js';
import { createSimulator } from '../../src/sim/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const quiet = { info: () => {}, error: () => {} };

describe('sequence state durability', () => {
  it('a crash after a snapshot recovers the partial matches exactly: snapshot plus journaled condition bits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'risk-seq-'));
    dirs.push(dir);
    const tokenizer = createTokenizer(Buffer.alloc(32, 7));
    const clock = createManualClock(0);
    const bundle = await loadBundleDir(defaultBundleDir(), { tokenizer, now: clock.now, skipModel: true });
    expect(bundle.sequences.map((s) => s.id)).toEqual(['account_takeover']);
    const fresh = () => ({
      store: createCounterStore({ plan: bundle.features, maxEntities: 50_000 }),
      replay: createIdempotencyStore(100_000, 86_400_000),
      sequences: createSequenceState(bundle.sequences),
    });
    const live = fresh();
    const p = openPersistence({
      dataDir: dir,
      mode: 'sync',
      flushMs: 20,
      snapshotIntervalMs: 0,
      ...live,
      log: quiet,
    });
    const engine = createDecisionEngine({
      bundle,
      store: live.store,
      clock: clock.now,
      maxSkewMs: 20 * 365 * 86_400_000,
      replayStore: live.replay,
      sequences: live.sequences,
      onCommit: p.onCommit,
    });
    const events: RiskEvent[] = [];
    for (const rec of createSimulator({
      seed: 5,
      users: 300,
      fraudRate: 0.05,
      mix: { account_takeover: 1 },
    }).events()) {
      if (events.length >= 4000) break;
      const ev = eventFromProto(fromJson(DecideRequestSchema, rec.request), tokenizer);
      if ('errors' in ev) throw new Error(JSON.stringify(ev.errors));
      events.push(ev.value);
    }
    let matched = 0;
    for (const [i, ev] of events.entries()) {
      clock.set(ev.occurredAtMs ?? 0);
      const d = await engine.decide(ev);
      if (d.reasons.some((r) => r.source === 'SEQUENCE')) matched++;
      if (i === 2000) await p.snapshot();
    }
    expect(matched).toBeGreaterThan(0);
    expect(live.sequences.stats().keys).toBeGreaterThan(0);
    // A crash: no close. The snapshot holds the first 2001 decisions, the journal the rest.
    const back = fresh();
    const report = recoverState(dir, back.store, back.replay, back.sequences);
    expect(report).toMatchObject({ snapshotSeq: 2001, replayedRecords: events.length - 2001 });
    expect(back.sequences.exportState()).toEqual(live.sequences.exportState());
    await p.close();
  }, 60_000);
});
