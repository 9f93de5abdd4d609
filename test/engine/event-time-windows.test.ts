import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/domain/index.js';
import type { Service } from '../../src/server/index.js';
import { paymentRequest, T0, testService } from '../helpers.js';

interface Body {
  decisionId: string;
  replayed: boolean;
  timeBasis: string;
  windowTime: string;
  features?: Record<string, number>;
}

const post = async (service: Service, payload: unknown, url = '/v1/decisions') => {
  const res = await service.http.inject({ method: 'POST', url, payload: payload as object });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Body;
};

const MIN = 60_000;
const ago = (minutes: number) => new Date(T0 - minutes * MIN).toISOString();

/**
 * Sends one charge of the acceptance card per entry (occurred_at that many minutes before T0, in
 * the order given), all arriving at T0, then asks a charge at T0 what the card's counters hold.
 */
async function cardCountsAfter(minutesAgo: number[], overrides = { maxEventSkewMs: 2 * 3_600_000 }) {
  const clock = createManualClock(T0);
  const service = await testService(overrides, clock.now);
  try {
    const sent: Body[] = [];
    for (const m of minutesAgo)
      sent.push(await post(service, paymentRequest(`late-${m}`, { occurredAt: ago(m) })));
    const probe = await post(service, paymentRequest('probe'), '/v1/decisions?features=true');
    const f = probe.features ?? {};
    return { sent, count1h: f['card.count_1h'], count24h: f['card.count_24h'] };
  } finally {
    await service.close();
  }
}

describe('events counted at their own time', () => {
  // The 1 h window at 10:15 holds the 5-minute buckets from 09:20 on: 50 minutes ago is inside,
  // 70 minutes ago is not, whatever order the two arrive in.
  it.each([
    ['the older first', [70, 50], 1, 2],
    ['the newer first', [50, 70], 1, 2],
    ['after a newer event moved the window on', [10, 70, 50], 2, 3],
  ])('puts late events in their own buckets, %s', async (_name, minutesAgo, in1h, in24h) => {
    const { sent, count1h, count24h } = await cardCountsAfter(minutesAgo);
    expect(count1h).toBe(in1h);
    expect(count24h).toBe(in24h);
    for (const [i, m] of minutesAgo.entries()) {
      expect(sent[i]?.timeBasis).toBe('EVENT_TIME');
      expect(sent[i]?.windowTime).toBe(new Date(T0 - m * MIN).toISOString());
    }
  });

  it('counts the same events at arrival time, both in the hour, beyond the skew bound', async () => {
    const { sent, count1h } = await cardCountsAfter([70, 50], { maxEventSkewMs: 5 * MIN });
    expect(count1h).toBe(2);
    expect(sent.map((b) => [b.timeBasis, b.windowTime])).toEqual([
      ['ARRIVAL_TIME', new Date(T0).toISOString()],
      ['ARRIVAL_TIME', new Date(T0).toISOString()],
    ]);
  });

  it('replays the time basis and window time stored with the decision', async () => {
    const clock = createManualClock(T0);
    const service = await testService({}, clock.now);
    try {
      const first = await post(service, paymentRequest('tb-replay', { occurredAt: ago(1) }));
      expect([first.timeBasis, first.windowTime]).toEqual(['EVENT_TIME', ago(1)]);
      // Ten minutes on, occurred_at is beyond the default 5-minute skew: a fresh decision would
      // use arrival time, the retry answers what was decided.
      clock.set(T0 + 10 * MIN);
      const again = await post(service, paymentRequest('tb-replay', { occurredAt: ago(1) }));
      expect([again.replayed, again.decisionId]).toEqual([true, first.decisionId]);
      expect([again.timeBasis, again.windowTime]).toEqual(['EVENT_TIME', ago(1)]);
      const fresh = await post(service, paymentRequest('tb-fresh', { occurredAt: ago(1) }));
      expect([fresh.timeBasis, fresh.windowTime]).toEqual([
        'ARRIVAL_TIME',
        new Date(T0 + 10 * MIN).toISOString(),
      ]);
    } finally {
      await service.close();
    }
  });
});
