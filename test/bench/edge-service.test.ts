import { afterEach, describe, expect, it } from 'vitest';
import { constantEngine } from '../../bench/constant-engine.js';
import type { RiskEvent } from '../../src/domain/index.js';
import { buildService, loadConfig, type Service } from '../../src/server/index.js';
import { ACCEPTANCE_REQUEST, paymentRequest } from '../helpers.js';

/**
 * The bench's edge server is the real service with a constant engine: it must still run the
 * transport's validation and tokenisation (what it measures), and never decide.
 */
describe('edge service (buildService with wrapEngine: constantEngine)', () => {
  let service: Service | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  const build = async (seen: RiskEvent[]) => {
    const config = loadConfig(
      { LOG_LEVEL: 'silent' },
      { httpPort: 0, grpcPort: 0, host: '127.0.0.1', journalMode: 'off', decisionLog: 'off' },
    );
    service = await buildService(config, {
      logger: false,
      wrapEngine: (engine) => {
        const inner = constantEngine(engine);
        return {
          ...inner,
          get bundle() {
            return inner.bundle;
          },
          decide: (event, deadline, options) => {
            seen.push(event);
            return inner.decide(event, deadline, options);
          },
        };
      },
    });
    service.setReady(true);
    return service;
  };

  it('answers a constant ALLOW with the real versions, from a validated and tokenised event', async () => {
    const seen: RiskEvent[] = [];
    const s = await build(seen);
    const res = await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: ACCEPTANCE_REQUEST });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ eventId: 'evt-0001', decision: 'ALLOW', score: 0, reasons: [] });
    expect(body.bundleVersion).toBe(s.engine.bundle.version);
    expect(body.modelVersion).toBe(s.engine.bundle.model?.version);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.payment?.cardToken).toMatch(/^ca_/);
    expect(JSON.stringify(seen[0])).not.toContain('4111111111111111');
    expect(JSON.stringify(seen[0])).not.toContain('ana@example.com');
  });

  it('rejects bad input as the real service does, without reaching the engine', async () => {
    const seen: RiskEvent[] = [];
    const s = await build(seen);
    const bad = paymentRequest('evt-bad', { payment: { amountMinor: 'lots', currency: 'EUR' } });
    const res = await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: bad });
    expect(res.statusCode).toBe(400);
    expect(res.json().violations[0].field).toBe('event.payment.amountMinor');
    const luhn = paymentRequest('evt-luhn', {
      payment: { ...ACCEPTANCE_REQUEST.event.payment, card: { number: '4111111111111112' } },
    });
    const res2 = await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: luhn });
    expect(res2.statusCode).toBe(400);
    expect(res2.json().violations[0]).toMatchObject({ field: 'event.payment.card.number' });
    expect(seen).toHaveLength(0);
  });
});
