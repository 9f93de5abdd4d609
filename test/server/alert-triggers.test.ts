import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, type DecisionResult, type RiskEvent } from '../../src/domain/index.js';
import { createDataQuality } from '../../src/engine/index.js';
import { createAlertDelivery } from '../../src/server/alert-delivery.js';
import { type Alerts, createAlerts } from '../../src/server/alerts.js';
import { parseAlertsConfig } from '../../src/server/alerts-config.js';
import { featurePlan } from '../helpers.js';
import { type Receiver, startReceiver } from './alert-receiver.js';

const T = Date.parse('2026-12-02T00:00:00Z');
let receiver: Receiver | undefined;
let alerts: Alerts | undefined;
afterEach(async () => {
  await alerts?.close();
  await receiver?.close();
  alerts = undefined;
  receiver = undefined;
});

const event: RiskEvent = {
  eventId: 'e',
  type: 'LOGIN',
  account: { id: 'u' },
  login: { success: true },
  network: { isProxy: false },
  device: { emulator: false, rooted: false, bot: false, incognito: false },
  attributes: {},
};
const result = (degraded: string[]): DecisionResult => ({
  decisionId: 'd',
  eventId: 'e',
  decision: 'ALLOW',
  score: 0.1,
  reasons: [],
  bundleVersion: 'b',
  modelVersion: 'm',
  degraded,
  timings: [],
  replayed: false,
  timeBasis: 'ARRIVAL_TIME',
  windowTime: '2026-12-02T00:00:00.000Z',
});

/** The alert service with one webhook to a live receiver holding `triggers`. */
async function setup(triggers: unknown[], dropped?: () => number) {
  receiver = await startReceiver();
  const clock = createManualClock(T);
  const config = parseAlertsConfig(
    JSON.stringify({
      webhooks: [{ id: 'sre', url: receiver.url, secret: 'whsec-0123456789abcdef', triggers }],
    }),
    'alerts.json',
  );
  alerts = createAlerts({
    config,
    delivery: await createAlertDelivery({ maxQueue: 100 }),
    quality: createDataQuality({
      bucketMs: 60_000,
      windowMs: 300_000,
      baselineMs: 3_600_000,
      maxSources: 4,
      source: 'type',
      threshold: 0.2,
      minEvents: 50,
      plan: () => featurePlan({}),
    }),
    clock: clock.now,
    decisionLog: dropped === undefined ? undefined : () => ({ dropped: dropped() }),
  });
  return { clock, alerts, receiver };
}
const sent = async (a: Alerts, r: Receiver) => {
  await a.idle();
  return r.received.map(
    (x) => JSON.parse(x.body) as { type: string; state: string; details: Record<string, unknown> },
  );
};

describe('windowed triggers', () => {
  it('degraded: fires when the share of degraded decisions (a stage filter) reaches minRate, once', async () => {
    const {
      clock,
      alerts: a,
      receiver: r,
    } = await setup([{ type: 'degraded', stages: ['model'], windowMs: 60_000, minRate: 0.1, minCount: 5 }]);
    for (let i = 0; i < 100; i++) a.observe(event, result(i < 5 ? ['features'] : []), []);
    a.evaluate();
    expect(await sent(a, r)).toEqual([]);
    for (let i = 0; i < 20; i++) a.observe(event, result(['model']), []);
    a.evaluate();
    a.evaluate();
    expect(await sent(a, r)).toEqual([
      expect.objectContaining({
        type: 'degraded',
        state: 'firing',
        details: expect.objectContaining({ degraded: 20, decisions: 120 }),
      }),
    ]);
    // The next minute is clean: resolved.
    clock.advance(60_000);
    for (let i = 0; i < 50; i++) a.observe(event, result([]), []);
    a.evaluate();
    expect((await sent(a, r)).map((b) => b.state)).toEqual(['firing', 'resolved']);
  });

  it('decision_log_drops: fires when the dropped counter grows by minDrops within the window', async () => {
    let dropped = 0;
    const {
      clock,
      alerts: a,
      receiver: r,
    } = await setup(
      [{ type: 'decision_log_drops', windowMs: 60_000, minDrops: 10, notifyResolved: false }],
      () => dropped,
    );
    a.evaluate();
    dropped = 5;
    clock.advance(10_000);
    a.evaluate();
    expect(await sent(a, r)).toEqual([]);
    dropped = 40;
    clock.advance(10_000);
    a.evaluate();
    dropped = 45;
    clock.advance(10_000);
    a.evaluate();
    const got = await sent(a, r);
    expect(got).toEqual([
      expect.objectContaining({
        type: 'decision_log_drops',
        state: 'firing',
        details: expect.objectContaining({ dropped: 40 }),
      }),
    ]);
    // No growth for a whole window: quiet again (not sent: notifyResolved false); a new burst fires anew.
    clock.advance(70_000);
    a.evaluate();
    clock.advance(10_000);
    a.evaluate();
    dropped = 100;
    clock.advance(10_000);
    a.evaluate();
    expect((await sent(a, r)).map((b) => b.state)).toEqual(['firing', 'firing']);
  });
});
