import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { acksPerCard, cardCount, loadThenKill, paymentBody, post, startOn } from './crash-load.js';
import type { ServiceProcess } from './spawn-service.js';

// The real service (src/main.ts) in RISK_JOURNAL_MODE=sync under REST load, SIGKILLed mid-load and
// restarted on the same DATA_DIR: every decision a client was told about must be counted (sync
// promises it is on disk before the answer), and a retry of one is answered from the restored
// replay store without counting it again. (crash-interval.test.ts: the default mode, and SIGTERM.)

const CARDS = 12;
let procs: ServiceProcess[] = [];
let dataDir = '';
afterEach(() => {
  for (const p of procs) p.child.kill('SIGKILL');
  procs = [];
  rmSync(dataDir, { recursive: true, force: true });
});

it('sync journal: nothing acknowledged is lost to SIGKILL, and a retry after the restart replays', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'risk-crash-sync-'));
  const env = { RISK_JOURNAL_MODE: 'sync', RISK_SNAPSHOT_INTERVAL_MS: '700' };
  const first = await startOn(dataDir, env);
  procs.push(first);
  // Periodic snapshots (700 ms) run during the load: recovery is snapshot + journal tail.
  const run = await loadThenKill(first, { cards: CARDS, clients: 16, prefix: 'a', ms: 1800 });
  expect(run.acks.length).toBeGreaterThan(200);

  const second = await startOn(dataDir, env);
  procs.push(second);
  // Recovery was a snapshot taken under load plus the journal after it.
  const recovered = JSON.parse(
    second
      .output()
      .split('\n')
      .find((l) => l.includes('"state recovered"')) ?? '{}',
  ) as { snapshotSeq?: number; replayedRecords?: number };
  expect(recovered.snapshotSeq).toBeGreaterThan(0);
  expect(recovered.replayedRecords).toBeGreaterThan(0);
  const acked = acksPerCard(run.acks, CARDS);
  const counts: number[] = [];
  for (let c = 0; c < CARDS; c++) counts.push(await cardCount(second.httpPort, c, `probe-a-${c}`));
  const inFlight = run.unanswered.reduce((a, b) => a + b, 0);
  console.log(
    `sync SIGKILL: ${run.acks.length} acknowledged, ${inFlight} in flight at the kill, counted ${counts.reduce((a, b) => a + b, 0)}`,
  );
  for (let c = 0; c < CARDS; c++) {
    // Nothing acknowledged lost; more only by events journaled but never answered.
    expect(counts[c]).toBeGreaterThanOrEqual(acked[c] as number);
    expect(counts[c]).toBeLessThanOrEqual((acked[c] as number) + (run.unanswered[c] as number));
  }

  // A retry of acknowledged events after the restart: the stored decision, replayed, not counted.
  const retried = [run.acks[0], run.acks[run.acks.length - 1]];
  for (const a of retried) {
    if (a === undefined) throw new Error('no ack');
    const res = await post(second.httpPort, paymentBody(a.eventId, a.card));
    expect(res.status).toBe(200);
    const r = JSON.parse(res.body) as { decisionId: string; replayed: boolean };
    expect(r).toMatchObject({ decisionId: a.decisionId, replayed: true });
    // The probe before counted once; the retry must not have.
    expect(await cardCount(second.httpPort, a.card, `probe-b-${a.eventId}`)).toBe(
      (counts[a.card] as number) + 1,
    );
    counts[a.card] = (counts[a.card] as number) + 1;
  }

  second.child.kill('SIGTERM');
  expect((await second.exited)[0]).toBe(0);
}, 30_000);
