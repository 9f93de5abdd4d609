import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/domain/index.js';
import type { Service } from '../../src/server/index.js';
import { paymentRequest, T0, testService } from '../helpers.js';

const decide = async (service: Service, payload: unknown) => {
  const res = await service.http.inject({ method: 'POST', url: '/v1/decisions', payload: payload as object });
  expect(res.statusCode).toBe(200);
  return res.json() as {
    decision: string;
    score: number;
    reasons: { code: string; message: string; ruleId?: string; action: string }[];
  };
};

describe('velocity through the whole service', () => {
  it('scores a card charged repeatedly within minutes differently from its first charge', async () => {
    const clock = createManualClock(T0);
    const service = await testService({}, clock.now);
    try {
      const at = (i: number) => new Date(T0 + i * 60_000).toISOString();
      const first = await decide(service, paymentRequest('v-0', { occurredAt: at(0) }));
      expect(first.reasons.map((r) => r.code)).not.toContain('card_velocity_1h');
      let later = first;
      for (let i = 1; i <= 5; i++) {
        clock.set(T0 + i * 60_000);
        later = await decide(service, paymentRequest(`v-${i}`, { occurredAt: at(i) }));
      }
      expect(later.score).toBeGreaterThan(first.score);
      const velocity = later.reasons.find((r) => r.code === 'card_velocity_1h');
      expect(velocity?.message).toBe('card charged 5 times in the last hour');
      expect(later.decision).not.toBe('ALLOW');

      // Two hours later the 1 h window has emptied again.
      clock.set(T0 + 2 * 3_600_000);
      const afterWindow = await decide(
        service,
        paymentRequest('v-late', { occurredAt: new Date(T0 + 2 * 3_600_000).toISOString() }),
      );
      expect(afterWindow.reasons.map((r) => r.code)).not.toContain('card_velocity_1h');
    } finally {
      await service.close();
    }
  });

  it('reviews the fifth charge of a card in an hour (4 before it) and blocks the eleventh with one reason', async () => {
    // The README's REST example quotes the first review; this pins its numbers.
    const clock = createManualClock(T0);
    const service = await testService({}, clock.now);
    try {
      const results = [];
      for (let i = 0; i < 11; i++) {
        clock.set(T0 + i * 60_000);
        const at = new Date(T0 + i * 60_000).toISOString();
        results.push(await decide(service, paymentRequest(`n-${i}`, { occurredAt: at })));
      }
      const decisions = results.map((r) => r.decision);
      expect(decisions.indexOf('REVIEW') + 1).toBe(5);
      expect(decisions.indexOf('BLOCK') + 1).toBe(11);
      const review = results[4];
      expect(review?.score).toBeCloseTo(0.15, 2);
      expect(review?.reasons).toEqual([
        {
          code: 'card_velocity_1h',
          message: 'card charged 4 times in the last hour',
          source: 'RULE',
          ruleId: 'card_velocity_1h',
          action: 'REVIEW',
        },
      ]);
      // Both velocity tiers fire at 10; they share the code, so only the BLOCK tier's reason is left.
      expect(results[10]?.reasons).toEqual([
        {
          code: 'card_velocity_1h',
          message: 'card charged 10 times in the last hour',
          source: 'RULE',
          ruleId: 'card_velocity_1h_block',
          action: 'BLOCK',
        },
      ]);
    } finally {
      await service.close();
    }
  });

  it('blocks a listed IP and lets an allowlisted card through', async () => {
    const service = await testService();
    try {
      const blocked = await decide(
        service,
        paymentRequest('l-1', { network: { ip: '198.51.100.66', ipCountry: 'DE' } }),
      );
      expect(blocked.decision).toBe('BLOCK');
      expect(blocked.reasons[0]?.code).toBe('ip_blocklisted');
      const allowed = await decide(
        service,
        paymentRequest('l-2', {
          network: { ip: '198.51.100.66', ipCountry: 'DE' },
          payment: { amountMinor: 100, currency: 'EUR', card: { number: '4242424242424242', country: 'DE' } },
        }),
      );
      expect(allowed.decision).toBe('ALLOW');
      expect(allowed.reasons.map((r) => r.code)).toEqual(['card_allowlisted', 'ip_blocklisted']);
    } finally {
      await service.close();
    }
  });

  it('follows an account takeover: failures, a success on a new device, then a payout', async () => {
    const clock = createManualClock(T0);
    const service = await testService({}, clock.now);
    try {
      const base = { account: { id: 'victim-1' }, network: { ip: '185.220.101.4', ipCountry: 'NL' } };
      for (let i = 0; i < 5; i++) {
        clock.advance(20_000);
        await decide(service, {
          event: {
            eventId: `ato-f${i}`,
            type: 'LOGIN',
            ...base,
            device: { id: 'dev-attacker' },
            login: { success: false, failureReason: 'bad_password' },
          },
        });
      }
      clock.advance(20_000);
      const login = await decide(service, {
        event: {
          eventId: 'ato-ok',
          type: 'LOGIN',
          ...base,
          device: { id: 'dev-attacker' },
          login: { success: true },
        },
      });
      expect(login.decision).toBe('REVIEW');
      expect(login.reasons.map((r) => r.code)).toContain('ato_login_new_device');
      clock.advance(60_000);
      const payout = await decide(service, {
        event: {
          eventId: 'ato-po',
          type: 'PAYOUT',
          ...base,
          device: { id: 'dev-attacker' },
          payment: { amountMinor: 90_000, currency: 'EUR', payoutDestination: 'iban-x' },
        },
      });
      expect(payout.decision).toBe('BLOCK');
      expect(payout.reasons.map((r) => r.code)).toContain('ato_payout');
    } finally {
      await service.close();
    }
  });
});
