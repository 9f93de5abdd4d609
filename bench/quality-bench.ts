/**
 * `npm run bench:quality [-- --events N --rounds R]`: what data quality costs per decided event.
 * Converts simulator events the way the transports do, then times (CPU time of the process, the machine may be shared) `observe()` (source lookup, bucket
 * rotation, the field checks and counters) over them in rounds, the clock stepping 10 ms per event so
 * buckets rotate as they would at 100 decisions/s, beside an empty loop over the same events as the
 * baseline. Also times one `snapshot()` and one `evaluate()` (the scrape and the timer's work). Prints
 * a table; information, no gate.
 */
import { parseArgs } from 'node:util';
import { createTokenizer } from '../src/domain/index.js';
import { createDataQuality, defaultBundleDir, loadBundleDir } from '../src/engine/index.js';
import { domainEvents } from './domain-events.js';
import { createEventPool } from './event-pool.js';
import { percentile } from './percentile.js';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '16384' }, rounds: { type: 'string', default: '15' } },
});
const N = Number(values.events);
const ROUNDS = Number(values.rounds);

const tokenizer = createTokenizer(Buffer.alloc(32));
const bundle = await loadBundleDir(defaultBundleDir(), { tokenizer, now: Date.now, skipModel: true });
const events = domainEvents(tokenizer, createEventPool({ size: N }), 'q');

/** CPU time (user + system) of this process in nanoseconds. */
const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

const rows: [string, string][] = [];
for (const source of ['type', 'merchant'] as const) {
  const quality = createDataQuality({
    bucketMs: 60_000,
    windowMs: 300_000,
    baselineMs: 3_600_000,
    maxSources: 64,
    source,
    threshold: 0.2,
    minEvents: 50,
    plan: () => bundle.features,
  });
  let t = Date.parse('2026-12-02T00:00:00Z');
  const perEvent: number[] = [];
  const empty: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // CPU time of this process, not wall time: the machine may be shared.
    const t0 = cpuNs();
    for (const e of events) {
      quality.observe(e, t);
      t += 10;
    }
    const t1 = cpuNs();
    for (const e of events) {
      sink += e.eventId.length;
      t += 10;
    }
    const t2 = cpuNs();
    // The first rounds warm the JIT.
    if (r >= 3) {
      perEvent.push((t1 - t0) / events.length);
      empty.push((t2 - t1) / events.length);
    }
  }
  perEvent.sort((a, b) => a - b);
  empty.sort((a, b) => a - b);
  const s0 = cpuNs();
  const snap = quality.snapshot(t);
  const s1 = cpuNs();
  quality.evaluate(t);
  const s2 = cpuNs();
  rows.push(
    [
      `observe() ns/event, source=${source} (median of ${perEvent.length} rounds)`,
      percentile(perEvent, 50).toFixed(0),
    ],
    [`  slowest round ns/event`, (perEvent[perEvent.length - 1] as number).toFixed(0)],
    [`  empty loop ns/event`, percentile(empty, 50).toFixed(1)],
    [`  sources tracked`, String(snap.sources.length)],
    [`  snapshot() µs`, ((s1 - s0) / 1000).toFixed(0)],
    [`  evaluate() µs`, ((s2 - s1) / 1000).toFixed(0)],
  );
  if (sink < 0) console.log(sink);
}
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`data quality over ${events.length} simulator events, ${ROUNDS} rounds\n`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v.padStart(8)}`);
