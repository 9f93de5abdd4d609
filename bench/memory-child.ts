/**
 * Child process of the memory bench (bench/memory-bench.ts starts one per variant, for a fresh
 * heap): `node --expose-gc memory-child <entities> <default|7d> <repeat events>`. Creates the
 * counter store with the default entities and windows (plus a 7-day window for `7d`) and a ceiling
 * that fits the population, fills it through hydrate + commit, as the engine does, with one event
 * per user of bench/population-event.ts until it holds at least `entities` distinct entities, then
 * optionally commits `repeat events` more over the same users. Prints one MemoryVariant as JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultBundleDir } from '../src/engine/index.js';
import { compileFeaturePlan, createCounterStore } from '../src/features/index.js';
import type { MemorySample, MemoryVariant } from './memory-result.js';
import { populationEntities, populationEvent, usersForEntities } from './population-event.js';

const target = Number(process.argv[2]);
const variant = process.argv[3];
const repeatEvents = Number(process.argv[4] ?? '0');
if (!Number.isInteger(target) || target < 1) throw new Error(`bad entity count ${process.argv[2]}`);
if (variant !== 'default' && variant !== '7d') throw new Error(`bad variant ${variant}`);
if (!Number.isInteger(repeatEvents) || repeatEvents < 0)
  throw new Error(`bad repeat count ${process.argv[4]}`);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

/** Memory after full collections, so garbage of the loop is not counted as the store's. */
function sample(): MemorySample {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/**
 * The default bundle's features section; for `7d`, every entity with 1h, 24h and 7d windows (the
 * features issue's target), where the default gives 7d to user, card and device only.
 */
const section = JSON.parse(readFileSync(join(defaultBundleDir(), 'features.json'), 'utf8')) as {
  entities: { windows: string[] }[];
};
if (variant === '7d') for (const e of section.entities) e.windows = ['1h', '24h', '7d'];
const compiled = compileFeaturePlan(section);
if ('errors' in compiled) throw new Error(compiled.errors.join('; '));
const plan = compiled.value;
const windows = [...new Set(plan.entities.flatMap((e) => e.windows))];
const users = usersForEntities(target);
const maxEntities = populationEntities(users);
const before = sample();
const store = createCounterStore({ plan, maxEntities });
const out = new Float64Array(plan.schema.size);

// The fill and the repeat span half an hour each, so every entity stays active in every window.
const start = Date.UTC(2026, 10, 29);
const step = 1_800_000 / Math.max(users, repeatEvents);
const commit = (u: number, i: number, t: number): void => {
  const event = populationEvent(u, `mem-${i}`, t);
  const touched = store.hydrate(event, t, out, plan.entityOffset);
  store.commit(event, t, { decision: 'ALLOW' }, touched);
};

let t0 = performance.now();
for (let u = 0; u < users; u++) commit(u, u, start + u * step);
const fillMs = performance.now() - t0;
const filled = sample();
const peakRss = process.resourceUsage().maxRSS * 1024;
const { entities, evictions } = store.stats();
if (entities !== maxEntities)
  throw new Error(`store holds ${entities} entities, the population names ${maxEntities}`);

let repeat: MemoryVariant['repeat'];
if (repeatEvents > 0) {
  t0 = performance.now();
  const from = start + 1_800_000;
  for (let i = 0; i < repeatEvents; i++) commit(i % users, users + i, from + i * step);
  const ms = performance.now() - t0;
  repeat = { events: repeatEvents, ms, memory: sample(), evictions: store.stats().evictions };
}

const result: MemoryVariant = {
  label: variant === '7d' ? 'all at 1h, 24h, 7d' : 'default bundle',
  windows: windows.map((w) => `${w.label} = ${w.buckets} × ${w.bucketMs / 60_000} min`),
  target,
  entities,
  maxEntities,
  evictions,
  users,
  events: users,
  fillMs,
  before,
  filled,
  peakRss,
  ...(repeat !== undefined ? { repeat } : {}),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
