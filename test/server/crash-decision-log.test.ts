import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type DecisionLogReadStats, readDecisionLog } from '../../src/durability/index.js';
import { cardCount, loadThenKill, startOn } from './crash-load.js';
import type { ServiceProcess } from './spawn-service.js';

// The decision log's acceptance: the real service under REST load, SIGKILLed, then restarted. Every
// decision a client was told about is in the log, except those answered within the last
// group-commit window before the kill (RISK_DECISION_LOG_FLUSH_MS plus the write and fdatasync under
// way); the restarted service appends after whatever the kill tore.

const FLUSH_MS = 50;
/** Answers that may be lost: the last flush period plus the write under way (slack for a loaded machine). */
const LOSS_WINDOW_MS = FLUSH_MS + 250;

let procs: ServiceProcess[] = [];
let dataDir = '';
afterEach(() => {
  for (const p of procs) p.child.kill('SIGKILL');
  procs = [];
  rmSync(dataDir, { recursive: true, force: true });
});

it('SIGKILL under load: every decision answered before the last group-commit window is in the log', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'risk-crash-decision-log-'));
  const env = { RISK_DECISION_LOG: 'file', RISK_DECISION_LOG_FLUSH_MS: String(FLUSH_MS) };
  const first = await startOn(dataDir, env);
  procs.push(first);
  const run = await loadThenKill(first, { cards: 8, clients: 16, prefix: 'k', ms: 2000 });
  expect(run.acks.length).toBeGreaterThan(50);

  // Restart and decide again: the new records land after the torn tail, in a new segment.
  const second = await startOn(dataDir, env);
  procs.push(second);
  for (let c = 0; c < 3; c++) await cardCount(second.httpPort, c, `after-${c}`);
  second.child.kill('SIGTERM');
  expect((await second.exited)[0]).toBe(0);

  const stats: DecisionLogReadStats = { skippedLines: 0 };
  const logged = new Set<string>();
  const loggedEvents = new Set<string>();
  for await (const r of readDecisionLog(join(dataDir, 'decisions'), stats))
    if (r.kind === 'decision') {
      logged.add(String(r.decisionId));
      loggedEvents.add(String(r.eventId));
    }
  // At most one torn line: the kill's.
  expect(stats.skippedLines).toBeLessThanOrEqual(1);
  const missing = run.acks.filter((a) => !logged.has(a.decisionId));
  const late = missing.filter((a) => a.at < run.killedAt - LOSS_WINDOW_MS);
  const window = run.acks.filter((a) => a.at >= run.killedAt - LOSS_WINDOW_MS).length;
  console.log(
    `decision log SIGKILL: ${run.acks.length} answered, ${logged.size} logged, ${missing.length} missing; ${window} answered in the last ${LOSS_WINDOW_MS} ms`,
  );
  // Every answer older than the window is durable...
  expect(late.map((a) => a.eventId)).toEqual([]);
  // ...and the log holds nothing the clients were not told about beyond what was in flight.
  expect(logged.size).toBeLessThanOrEqual(run.acks.length + run.unanswered.reduce((a, b) => a + b, 0) + 3);
  for (let c = 0; c < 3; c++) expect(loggedEvents.has(`after-${c}`)).toBe(true);
}, 30_000);
