/**
 * Child process of the in-process benchmark (bench/inprocess-bench.ts starts it pinned to one CPU):
 * builds the service with the embedded default bundle (no listen; configuration from the
 * environment the bench sets: LOG_LEVEL, RISK_TOKEN_KEY, RISK_BUNDLE_DIR), turns a pool of varied requests
 * into domain events exactly as the transports do, warms up, then times sequential
 * `await engine.decide(event)` calls and the same loop around a trivial async function.
 * Prints one InprocessResult as JSON on stdout.
 */
import type { RiskEvent } from '../src/domain/index.js';
import { compileFeaturePlan, createCounterStore } from '../src/features/index.js';
import { buildService, loadConfig } from '../src/server/index.js';
import { domainEvents } from './domain-events.js';
import type { InprocessResult } from './inprocess-result.js';
import { pickTemplates } from './pick-templates.js';
import { blockP99s, loopStats, timeLoop } from './time-loop.js';

const iterations = Number(process.argv[2] ?? '20000');
const warmup = Math.max(2000, Math.floor(iterations / 2));
if (!Number.isInteger(iterations) || iterations < 1)
  throw new Error(`bad iteration count ${process.argv[2]}`);

const service = await buildService(loadConfig(process.env), {
  logger: false,
});
const { engine, tokenizer } = service;

const events = domainEvents(tokenizer, pickTemplates(warmup + iterations), 'inproc');
const warmEvents = events.slice(0, warmup);
const timedEvents = events.slice(warmup);

const trivial = async (e: RiskEvent): Promise<string> => e.eventId;
await timeLoop(warmEvents, (e) => engine.decide(e));
await timeLoop(warmEvents, trivial);

const stageTotals = new Map<string, number>();
const decisions: Record<string, number> = {};
const reasons = new Map<string, number>();
const decideUs = await timeLoop(timedEvents, async (e) => {
  const r = await engine.decide(e);
  for (const t of r.timings) stageTotals.set(t.stage, (stageTotals.get(t.stage) ?? 0) + t.micros);
  decisions[r.decision] = (decisions[r.decision] ?? 0) + 1;
  for (const reason of r.reasons) reasons.set(reason.code, (reasons.get(reason.code) ?? 0) + 1);
});
const baselineUs = await timeLoop(timedEvents, trivial);

/**
 * The features issue's counter figure: hydrate plus commit on the in-memory store for a payment
 * touching 6 entities with 1h, 24h and 7d windows each (the default bundle's four metrics, no
 * distinct sets), events 50 ms apart so windows cross bucket boundaries as in service.
 */
const sixKinds = compileFeaturePlan({
  entities: [
    ['card', 'card.token'],
    ['user', 'user.id'],
    ['device', 'device.id'],
    ['ip', 'ip'],
    ['email', 'email'],
    ['merchant', 'merchant.id'],
  ].map(([name, key]) => ({
    name,
    key,
    windows: ['1h', '24h', '7d'],
    metrics: {
      count: 'count',
      sum_usd: { op: 'sum', of: 'amount_usd_cents' },
      blocked: 'blocked',
      failed_logins: { op: 'sum', of: 'login.failed' },
    },
  })),
});
if ('errors' in sixKinds) throw new Error(sixKinds.errors.join('; '));
const plan = sixKinds.value;
const payments = events.filter((e) => plan.entities.every((k) => k.keyOf(e) !== undefined));
if (payments.length < 1000) throw new Error(`only ${payments.length} events name all six entities`);
const store = createCounterStore({ plan, maxEntities: 1_000_000 });
const vector = new Float64Array(plan.schema.size);
const at0 = Date.now();
let n = 0;
const counterCall = async (e: RiskEvent) => {
  const t = at0 + 50 * n++;
  store.commit(e, t, { decision: 'ALLOW' }, store.hydrate(e, t, vector, plan.entityOffset));
};
await timeLoop(payments, counterCall);
const countersUs = await timeLoop(
  Array.from({ length: iterations }, (_, i) => payments[i % payments.length] as RiskEvent),
  counterCall,
);

const decide = loopStats(decideUs);
const result: InprocessResult = {
  iterations,
  warmup,
  bundleVersion: engine.bundle.version,
  modelVersion: engine.bundle.model?.version ?? 'none',
  decide,
  decideP99ByBlockUs: blockP99s(decideUs),
  baseline: loopStats(baselineUs),
  counters: loopStats(countersUs),
  counterEvents: payments.length,
  stageMeanUs: Object.fromEntries(
    [...stageTotals].map(([stage, us]) => [stage, Math.round((us / iterations) * 10) / 10]),
  ),
  decisions,
  topReasons: Object.fromEntries(
    [...reasons]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([code, n]) => [code, Math.round((n / iterations) * 1000) / 1000]),
  ),
};
await service.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
