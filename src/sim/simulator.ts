/** The simulator: builds the world, runs every actor's stream and merges them in time order. */
import { session, userStream } from './legit.js';
import { Rng } from './rng.js';
import { SCENARIO_BUILDERS } from './scenarios.js';
import {
  DEFAULT_MIX,
  FRAUD_SCENARIOS,
  type FraudScenario,
  type LabelledEvent,
  type SimulatorOptions,
} from './types.js';
import {
  buildMerchants,
  DAY,
  indexMerchants,
  type Merchant,
  makeUser,
  type User,
  type Wake,
  type World,
} from './world.js';

/** Options with every default applied. */
export interface ResolvedOptions {
  seed: number;
  users: number;
  start: number;
  durationMs: number | undefined;
  fraudRate: number;
  mix: Record<FraudScenario, number>;
}

/** Default simulated start time. */
export const DEFAULT_START = '2026-11-01T00:00:00Z';

/** Applies defaults and validates options; throws RangeError on a bad value. */
export function resolveOptions(o: SimulatorOptions = {}): ResolvedOptions {
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
  }
  const users = o.users ?? 2000;
  if (!Number.isInteger(users) || users < 1 || users > 1_000_000) {
    throw new RangeError(`users must be an integer in [1, 1000000], got ${users}`);
  }
  const startRaw = o.start ?? DEFAULT_START;
  const start = typeof startRaw === 'number' ? startRaw : new Date(startRaw).getTime();
  if (!Number.isFinite(start) || start < Date.UTC(1980, 0, 1) || start > Date.UTC(9000, 0, 1)) {
    throw new RangeError(`start must be a valid time after 1980, got ${String(startRaw)}`);
  }
  const durationMs = o.durationMs;
  if (durationMs !== undefined && (!Number.isFinite(durationMs) || durationMs <= 0)) {
    throw new RangeError(`durationMs must be positive, got ${durationMs}`);
  }
  const fraudRate = o.fraudRate ?? 0.02;
  if (!(fraudRate >= 0 && fraudRate < 1))
    throw new RangeError(`fraudRate must be in [0, 1), got ${fraudRate}`);
  const mix: Record<FraudScenario, number> = { ...DEFAULT_MIX };
  if (o.mix !== undefined) {
    for (const s of FRAUD_SCENARIOS) mix[s] = 0;
    for (const [k, v] of Object.entries(o.mix)) {
      if (!(FRAUD_SCENARIOS as readonly string[]).includes(k))
        throw new RangeError(`unknown scenario in mix: ${k}`);
      if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
        throw new RangeError(`mix weight for ${k} must be a non-negative number, got ${String(v)}`);
      }
      mix[k as FraudScenario] = v;
    }
    if (fraudRate > 0 && FRAUD_SCENARIOS.every((s) => mix[s] === 0)) {
      throw new RangeError('mix gives every scenario weight 0 while fraudRate > 0');
    }
  }
  return { seed, users, start: Math.round(start), durationMs, fraudRate, mix };
}

/** Builds the world (merchants and population) for a run; deterministic in the options. */
export function buildWorld(opts: ResolvedOptions): World {
  const mrng = new Rng(opts.seed, 'merchants');
  const merchants = buildMerchants(mrng);
  const byKey = indexMerchants(merchants);
  const year = new Date(opts.start).getUTCFullYear();
  const end = opts.durationMs === undefined ? Number.POSITIVE_INFINITY : opts.start + opts.durationMs;
  const horizon = opts.durationMs ?? 7 * DAY;
  const urng = new Rng(opts.seed, 'users');
  const users: User[] = [];
  const pools = new Map<string, readonly Merchant[]>();
  const base = { start: opts.start, byKey, pools };
  for (let i = 0; i < opts.users; i++) {
    const prev = users[users.length - 1];
    const household = prev !== undefined && !prev.joiner && urng.chance(0.1) ? prev : undefined;
    const joinAt = urng.chance(0.04) ? Math.round(opts.start + urng.uniform(0, horizon)) : undefined;
    users.push(
      makeUser(urng, base, {
        ...(joinAt !== undefined ? { joinAt } : {}),
        ...(household ? { household } : {}),
      }),
    );
  }
  return {
    seed: opts.seed,
    start: opts.start,
    end,
    year,
    merchants,
    users,
    sellers: users.filter((u) => u.seller !== undefined),
    byKey,
    pools,
  };
}

/** Estimated legit events per ms, from sample sessions of throwaway users (the real ones are untouched). */
function legitEventsPerMs(w: World, seed: number): number {
  const rng = new Rng(seed, 'calibrate-legit');
  const n = 400;
  let events = 0;
  for (let i = 0; i < n; i++) {
    const u = makeUser(rng, w, {});
    events += session(u, rng, w, w.start + i * 1000).length;
  }
  let sessionsPerDay = 0;
  for (const u of w.users) sessionsPerDay += u.sessionsPerDay;
  return ((events / n) * sessionsPerDay) / DAY;
}

/** Mean events per incident of a scenario, from sample incidents. */
function meanIncidentEvents(w: World, seed: number, s: FraudScenario): number {
  const rng = new Rng(seed, `calibrate-${s}`);
  const n = 60;
  let events = 0;
  for (let i = 0; i < n; i++) events += SCENARIO_BUILDERS[s](w, rng, w.start, 'calibration').length;
  return events / n;
}

/** A stream item: an event, or a new stream to start at time `at`. */
interface Spawn {
  at: number;
  spawn: Iterator<Item>;
}
type Item = LabelledEvent | Spawn | Wake;

function* scheduler(w: World, rng: Rng, s: FraudScenario, incidentsPerMs: number): Generator<Item> {
  const build = SCENARIO_BUILDERS[s];
  let t = w.start;
  for (let n = 1; ; n++) {
    t += Math.max(1, Math.round(rng.exp(1 / incidentsPerMs)));
    if (t >= w.end) return;
    const irng = new Rng(w.seed, `${s}-${n}`);
    const events = build(w, irng, t, `${s}-${n}`);
    yield { at: t, spawn: events[Symbol.iterator]() };
  }
}

interface Entry {
  at: number;
  seq: number;
  item: Item;
  it: Iterator<Item>;
}

/** Min-heap of stream heads ordered by (time, insertion sequence). */
class Heap {
  private readonly a: Entry[] = [];
  get size(): number {
    return this.a.length;
  }
  private less(x: Entry, y: Entry): boolean {
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
  push(e: Entry): void {
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = a[p] as Entry;
      if (!this.less(e, pe)) break;
      a[i] = pe;
      i = p;
    }
    a[i] = e;
  }
  pop(): Entry | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(a[r] as Entry, a[l] as Entry)) c = r;
      const ce = a[c] as Entry;
      if (!this.less(ce, last)) break;
      a[i] = ce;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/** A configured simulator; each call to events() replays the same run from the start. */
export interface Simulator {
  readonly options: ResolvedOptions;
  /** Labelled events in non-decreasing time order; infinite unless durationMs is set. */
  events(): Generator<LabelledEvent>;
}

/** Creates a seeded, deterministic traffic simulator. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const opts = resolveOptions(options);
  return {
    options: opts,
    events: () => run(opts),
  };
}

function* run(opts: ResolvedOptions): Generator<LabelledEvent> {
  const w = buildWorld(opts);
  const heap = new Heap();
  let seq = 0;
  const add = (it: Iterator<Item>) => {
    const r = it.next();
    if (r.done !== true) heap.push({ at: r.value.at, seq: seq++, item: r.value, it });
  };
  for (let i = 0; i < w.users.length; i++) {
    add(userStream(w.users[i] as User, new Rng(opts.seed, `user-${i}`), w));
  }
  if (opts.fraudRate > 0) {
    const legit = legitEventsPerMs(w, opts.seed);
    const fraudPerMs = (legit * opts.fraudRate) / (1 - opts.fraudRate);
    let totalMix = 0;
    for (const s of FRAUD_SCENARIOS) totalMix += opts.mix[s];
    for (const s of FRAUD_SCENARIOS) {
      if (opts.mix[s] <= 0) continue;
      const rate = (fraudPerMs * (opts.mix[s] / totalMix)) / meanIncidentEvents(w, opts.seed, s);
      add(scheduler(w, new Rng(opts.seed, `sched-${s}`), s, rate));
    }
  }
  let n = 0;
  const prefix = `sim-${opts.seed}-`;
  for (;;) {
    const e = heap.pop();
    if (e === undefined || e.at >= w.end) return;
    const item = e.item;
    add(e.it);
    if ('wake' in item) continue;
    if ('spawn' in item) {
      add(item.spawn);
      continue;
    }
    n++;
    item.request.event.eventId = prefix + n;
    yield item;
  }
}
