/**
 * Child process of the callgrind measure (bench/callgrind-bench.ts runs it under
 * `valgrind --tool=callgrind --dump-before=getppid`). Reading `process.ppid` calls libc's
 * getppid(), which nothing else in this process calls, so each read is a marker that closes one
 * part of the profile. The parts, in order:
 *   1 node start-up and imports
 *   2 `trivial` warm-up calls of a trivial async function
 *   3 `trivial` measured calls of it (the floor of the loop itself)
 *   4 service built with the embedded default bundle (as inprocess-child.ts), templates converted
 *     the way the transports convert requests, `warmup` decisions
 *   5 `decide` measured sequential `await engine.decide(event)` calls
 * and the final dump at exit (shutdown). Each measured part holds only its own calls.
 *
 * usage: callgrind-child <templates.json> <warmup> <decide> <trivial>
 * (the file holds at least warmup + decide EventTemplates, as written by pickTemplates).
 */
import { readFileSync } from 'node:fs';
import { createManualClock } from '../src/domain/index.js';
import { buildService, loadConfig } from '../src/server/index.js';
import { domainEvents } from './domain-events.js';
import type { EventTemplate } from './event-pool.js';

const [file, ...counts] = process.argv.slice(2, 6);
const [warmup = Number.NaN, decide = Number.NaN, trivialCalls = Number.NaN] = counts.map(Number);
if (file === undefined || ![warmup, decide, trivialCalls].every((n) => Number.isInteger(n) && n >= 1))
  throw new Error(
    `usage: callgrind-child <templates.json> <warmup> <decide> <trivial>, got ${process.argv.slice(2)}`,
  );

const marker = () => process.ppid;
/** The loop both measures share: sequential awaits, as inprocess-child.ts times them. */
const loop = async <T>(items: readonly T[], fn: (item: T) => Promise<unknown>) => {
  for (const item of items) await fn(item);
};

// The trivial loop runs first, on a small quiet heap: after the decisions, pending garbage
// collection work (incremental marking, sweeping) would land in its few instructions.
const ids = Array.from({ length: trivialCalls }, (_, i) => ({ eventId: `trivial-${i}` }));
const trivial = async (e: { eventId: string }): Promise<string> => e.eventId;
marker();
await loop(ids, trivial);
marker();
await loop(ids, trivial);
marker();

// A manual clock (20 ms per decision from a fixed instant) instead of the wall clock: under
// valgrind time runs ~50× slower, and counter windows that expired by wall time would change which
// code runs from one run to the next.
const clock = createManualClock(Date.UTC(2026, 10, 2, 9));
const service = await buildService(loadConfig(process.env), { logger: false, clock: clock.now });
const templates = JSON.parse(readFileSync(file, 'utf8')) as EventTemplate[];
if (templates.length < warmup + decide)
  throw new Error(`${file}: ${templates.length} templates, need ${warmup + decide}`);
const events = domainEvents(service.tokenizer, templates.slice(0, warmup + decide), 'callgrind');
const decideOne = async (e: (typeof events)[number]) => {
  await service.engine.decide(e);
  clock.advance(20);
};
await loop(events.slice(0, warmup), decideOne);
marker();
await loop(events.slice(warmup), decideOne);
marker();
await service.close();
