import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Service } from '../../src/server/app.js';
import { paymentRequest, testService } from '../helpers.js';

// The service built in process on a DATA_DIR: what recovery finds reaches the metrics, and the
// replay store comes back with the counters.

const services: Service[] = [];
let dataDir = '';
afterEach(async () => {
  for (const s of services.splice(0).reverse()) await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = async () => {
  const s = await testService({ journalMode: 'sync', dataDir, snapshotIntervalMs: 0 });
  services.push(s);
  return s;
};
const decide = (s: Service, id: string, query = '') =>
  s.http.inject({ method: 'POST', url: `/v1/decisions${query}`, payload: paymentRequest(id) });
const cardCount = async (s: Service, probe: string) =>
  (JSON.parse((await decide(s, probe, '?features=true')).body) as { features: Record<string, number> })
    .features['card.count_24h'];

it('a torn journal tail is skipped, logged as a count and exported as risk_journal_skipped_frames', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'risk-durable-'));
  const a = await start();
  const first = JSON.parse((await decide(a, 'evt-1')).body) as { decisionId: string };
  await decide(a, 'evt-2');
  await decide(a, 'evt-3');
  // A crash tore the last record's write: cut the segment's last 5 bytes.
  const journal = join(dataDir, 'journal');
  const [segment] = readdirSync(journal);
  const file = join(journal, segment as string);
  truncateSync(file, statSync(file).size - 5);

  const b = await start();
  expect(b.persistence?.recovery).toMatchObject({ replayedRecords: 2, skippedFrames: 1 });
  expect((await b.http.inject('/metrics')).body).toContain('risk_journal_skipped_frames 1');
  // evt-1 and evt-2 are counted, the torn evt-3 is not; a retry of evt-1 replays it uncounted.
  const retry = JSON.parse((await decide(b, 'evt-1')).body) as { decisionId: string; replayed: boolean };
  expect(retry).toMatchObject({ decisionId: first.decisionId, replayed: true });
  expect(await cardCount(b, 'probe-1')).toBe(2);
  expect(JSON.parse((await decide(b, 'evt-3')).body)).toMatchObject({ replayed: false });
});
