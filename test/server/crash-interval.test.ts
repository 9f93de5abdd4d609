import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { acksPerCard, cardCount, loadThenKill, runLoad, startOn } from './crash-load.js';
import type { ServiceProcess } from './spawn-service.js';

// The real service in the default RISK_JOURNAL_MODE=interval (group commit every 20 ms) under REST
// load: SIGKILLed mid-load, it may lose what was answered but not yet written, at most about one
// group-commit window of decisions; then a clean SIGTERM under load loses nothing (the drain
// answers what is in flight, flushes the journal and writes a final snapshot).

const CARDS = 12;
const FLUSH_MS = 20;
/**
 * Answers that may be lost: those of the last flush period, plus the write and fdatasync under way
 * when it ended (the slack, generous for a loaded CI machine).
 */
const LOSS_WINDOW_MS = FLUSH_MS + 250;

let procs: ServiceProcess[] = [];
let dataDir = '';
afterEach(() => {
  for (const p of procs) p.child.kill('SIGKILL');
  procs = [];
  rmSync(dataDir, { recursive: true, force: true });
});

it('interval journal: SIGKILL loses at most one group-commit window, SIGTERM nothing', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'risk-crash-interval-'));
  const env = { RISK_JOURNAL_MODE: 'interval', RISK_JOURNAL_FLUSH_MS: String(FLUSH_MS) };
  const first = await startOn(dataDir, env);
  procs.push(first);
  const run = await loadThenKill(first, { cards: CARDS, clients: 16, prefix: 'a', ms: 1500 });
  expect(run.acks.length).toBeGreaterThan(200);

  const second = await startOn(dataDir, env);
  procs.push(second);
  const acked = acksPerCard(run.acks, CARDS);
  const counts: number[] = [];
  for (let c = 0; c < CARDS; c++) counts.push(await cardCount(second.httpPort, c, `probe-a-${c}`));
  let lost = 0;
  for (let c = 0; c < CARDS; c++) {
    lost += Math.max(0, (acked[c] as number) - (counts[c] as number));
    // Never more than acknowledged plus what was in flight.
    expect(counts[c]).toBeLessThanOrEqual((acked[c] as number) + (run.unanswered[c] as number));
  }
  const window = run.acks.filter((a) => a.at >= run.killedAt - LOSS_WINDOW_MS).length;
  console.log(
    `interval SIGKILL: ${run.acks.length} acknowledged, ${lost} lost; bound: ${window} answered in the last ${LOSS_WINDOW_MS} ms`,
  );
  expect(lost).toBeLessThanOrEqual(window);

  // Clean SIGTERM under load.
  let stop = false;
  const load = runLoad(second.httpPort, { cards: CARDS, clients: 8, prefix: 'b', stop: () => stop });
  await sleep(700);
  second.child.kill('SIGTERM');
  const [code] = await second.exited;
  stop = true;
  const more = await load;
  expect(code).toBe(0);
  expect(more.acks.length).toBeGreaterThan(50);
  expect(second.output()).toContain('snapshot written');

  const third = await startOn(dataDir, env);
  procs.push(third);
  expect(third.output()).toMatch(/"replayedRecords":0[,}]/);
  const moreAcked = acksPerCard(more.acks, CARDS);
  for (let c = 0; c < CARDS; c++) {
    // Everything counted before (the probe included) and everything answered during the drain.
    const expected = (counts[c] as number) + 1 + (moreAcked[c] as number);
    const now = await cardCount(third.httpPort, c, `probe-c-${c}`);
    expect(now).toBeGreaterThanOrEqual(expected);
    expect(now).toBeLessThanOrEqual(expected + (more.unanswered[c] as number));
  }
}, 30_000);
