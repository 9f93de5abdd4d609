import { fromJson } from '@bufbuild/protobuf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecideResponseSchema } from '../../src/gen/risk/v1/risk_pb.js';
import type { Service } from '../../src/server/app.js';
import { ACCEPTANCE_REQUEST, paymentRequest, testService } from '../helpers.js';

let service: Service;
beforeEach(async () => {
  service = await testService();
});
afterEach(async () => {
  await service.close();
});

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  service.http.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

describe('POST /v1/decisions', () => {
  it('accepts the acceptance request exactly as written and answers a full decision', async () => {
    const res = await post(ACCEPTANCE_REQUEST);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(['ALLOW', 'REVIEW', 'BLOCK', 'CHALLENGE']).toContain(body.decision);
    expect(typeof body.score).toBe('number');
    expect(Array.isArray(body.reasons)).toBe(true);
    expect(body.bundleVersion).toMatch(/^default@[0-9a-f]{12}$/);
    expect(body.modelVersion).not.toBe('');
    expect(body.degraded).toEqual([]);
    expect(body.eventId).toBe('evt-0001');
    expect(body.timings.map((t: { stage: string }) => t.stage)).toEqual([
      'features',
      'lists',
      'device',
      'model',
      'sequences',
      'rules',
      'combine',
      'commit',
    ]);
    // The response is valid proto3 JSON of the contract.
    expect(() => fromJson(DecideResponseSchema, body)).not.toThrow();
  });

  it('never echoes the raw card number or email', async () => {
    const res = await post(ACCEPTANCE_REQUEST);
    expect(res.body).not.toContain('4111111111111111');
    expect(res.body).not.toContain('ana@example.com');
  });

  it('never echoes a card number or email sent in the wrong field, in the 400 that names it', async () => {
    const cases: [object, string, string][] = [
      [
        { payment: { card: { expMonth: '4111111111111111' } } },
        'event.payment.card.expMonth',
        '4111111111111111',
      ],
      [
        { payment: { card: { expYear: 4111111111111111 } } },
        'event.payment.card.expYear',
        '4111111111111111',
      ],
      [{ payment: { amountMinor: 'ana@example.com' } }, 'event.payment.amountMinor', 'ana@example.com'],
      [{ device: { confidence: 'ana@example.com' } }, 'event.device.confidence', 'ana@example.com'],
      [{ type: 'ana@example.com' }, 'event.type', 'ana@example.com'],
    ];
    for (const [part, field, secret] of cases) {
      const res = await post({ event: { eventId: 'e-leak', type: 'PAYMENT', ...part } });
      expect(res.statusCode, field).toBe(400);
      expect(res.json().violations[0].field).toBe(field);
      expect(res.body).not.toContain(secret);
    }
  });

  it('accepts proto field names, int64 as string and enum numbers, as proto3 JSON allows', async () => {
    const req = paymentRequest('evt-snake');
    const e = req.event as unknown as Record<string, unknown>;
    const payment = e.payment as Record<string, unknown>;
    e.event_id = e.eventId;
    delete e.eventId;
    e.type = 1;
    payment.amount_minor = '12999';
    delete payment.amountMinor;
    const res = await post(req);
    expect(res.statusCode).toBe(200);
    expect(res.json().eventId).toBe('evt-snake');
  });

  it('replays the stored decision for a retried event_id and counts nothing twice', async () => {
    const firstRes = await post(ACCEPTANCE_REQUEST);
    const first = firstRes.json();
    const againRes = await post(ACCEPTANCE_REQUEST);
    const again = againRes.json();
    expect(again.decisionId).toBe(first.decisionId);
    expect(again.replayed).toBe(true);
    // The fresh answer is sent as its replay record, the replay through the response serializer:
    // the same fields either way, and nothing internal leaks.
    for (const res of [firstRes, againRes]) expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect({ ...again, replayed: false }).toEqual(first);
    expect(Object.keys(first)).toEqual([
      'decisionId',
      'eventId',
      'decision',
      'score',
      'modelScore',
      'reasons',
      'bundleVersion',
      'modelVersion',
      'degraded',
      'timings',
      'replayed',
      'timeBasis',
      'windowTime',
    ]);
    const next = (await post(paymentRequest('evt-0002'))).json();
    const ids = [first, next].map((b) => b.eventId);
    expect(ids).toEqual(['evt-0001', 'evt-0002']);
  });

  it('answers 409 when an event_id is reused with different content', async () => {
    await post(ACCEPTANCE_REQUEST);
    const changed = structuredClone(ACCEPTANCE_REQUEST);
    changed.event.payment.amountMinor = 1;
    const res = await post(changed);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('RISK_ERR_IDEMPOTENCY_CONFLICT');
  });

  const bad: [string, unknown, string, string][] = [
    ['malformed JSON', '{"event": {"eventId": "x",', 'RISK_ERR_INPUT_MALFORMED', 'not valid JSON'],
    ['an empty body', '', 'RISK_ERR_INPUT_MALFORMED', 'empty'],
    [
      'a string amount that is not a number',
      paymentRequest('e1', { payment: { amountMinor: 'lots', currency: 'EUR' } }),
      'RISK_ERR_INPUT_INVALID',
      'event.payment.amountMinor',
    ],
    [
      'a number for a string field',
      { event: { eventId: 5, type: 'PAYMENT' } },
      'RISK_ERR_INPUT_INVALID',
      'event.eventId',
    ],
    [
      'an unknown enum value',
      { event: { eventId: 'e1', type: 'PAYMENTX' } },
      'RISK_ERR_INPUT_INVALID',
      'event.type',
    ],
    [
      'a missing event_id',
      { event: { type: 'LOGIN', login: { success: true } } },
      'RISK_ERR_INPUT_INVALID',
      'event.eventId',
    ],
    ['a missing event', {}, 'RISK_ERR_INPUT_INVALID', 'event'],
    [
      'an unknown field',
      { event: { eventId: 'e1', type: 'LOGIN', colour: 'red' } },
      'RISK_ERR_INPUT_INVALID',
      'event.colour',
    ],
    [
      'a bad timestamp',
      { event: { eventId: 'e1', type: 'SIGNUP', occurredAt: 'yesterday' } },
      'RISK_ERR_INPUT_INVALID',
      'event.occurredAt',
    ],
    [
      'a bad IP',
      { event: { eventId: 'e1', type: 'SIGNUP', network: { ip: '999.1.1.1' } } },
      'RISK_ERR_INPUT_INVALID',
      'event.network.ip',
    ],
    [
      'a PAN failing Luhn',
      paymentRequest('e1', {
        payment: { amountMinor: 100, currency: 'EUR', card: { number: '4111111111111112' } },
      }),
      'RISK_ERR_INPUT_INVALID',
      'event.payment.card.number',
    ],
    [
      'a lower-case currency',
      paymentRequest('e1', { payment: { amountMinor: 100, currency: 'eur' } }),
      'RISK_ERR_INPUT_INVALID',
      'event.payment.currency',
    ],
    ['a JSON array body', '[1,2]', 'RISK_ERR_INPUT_INVALID', 'body'],
    [
      'an unknown nested field',
      { event: { eventId: 'e1', type: 'PAYMENT', payment: { foo: 1 } } },
      'RISK_ERR_INPUT_INVALID',
      'event.payment.foo',
    ],
    [
      'a too long attribute, named by its key as sent',
      paymentRequest('e1', { attributes: { promo_code: 'x'.repeat(600) } }),
      'RISK_ERR_INPUT_INVALID',
      'event.attributes.promo_code',
    ],
    // A "__proto__" key is not a parse error (it used to be "not valid JSON"): in a message it is an
    // unknown field; as an attribute it is refused by name rather than dropped, since it cannot be
    // an ordinary key of the attributes object.
    [
      'a __proto__ attribute key',
      '{"event":{"eventId":"e1","type":"LOGIN","attributes":{"__proto__":"x"}}}',
      'RISK_ERR_INPUT_INVALID',
      'event.attributes.__proto__: is not allowed as a map key',
    ],
    [
      'a __proto__ field',
      '{"event":{"eventId":"e1","type":"LOGIN","__proto__":{"isAdmin":true}}}',
      'RISK_ERR_INPUT_INVALID',
      'event.__proto__',
    ],
    [
      'a constructor.prototype attribute',
      '{"event":{"eventId":"e1","type":"LOGIN","attributes":{"constructor":{"prototype":{"x":1}}}}}',
      'RISK_ERR_INPUT_INVALID',
      'event.attributes.constructor',
    ],
    [
      'a shorthand IPv4 address',
      { event: { eventId: 'e1', type: 'SIGNUP', network: { ip: '127.1' } } },
      'RISK_ERR_INPUT_INVALID',
      'event.network.ip',
    ],
  ];

  it.each(bad)('rejects %s with a 400 naming the problem', async (_name, payload, code, mention) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe(code);
    expect(`${body.message} ${JSON.stringify(body.violations ?? [])}`).toContain(mention);
  });

  it('accepts constructor and prototype as ordinary attribute keys', async () => {
    const res = await post(
      paymentRequest('e-ctor', { attributes: { constructor: 'c', prototype: 'p', toString: 't' } }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('accepts IPv6 addresses', async () => {
    const res = await post(paymentRequest('e-v6', { network: { ip: '2001:db8::1', ipCountry: 'DE' } }));
    expect(res.statusCode).toBe(200);
  });

  it('rejects an oversized body with a 400 naming the limit', async () => {
    const big = paymentRequest('e-big', { attributes: { blob: 'x'.repeat(70_000) } });
    const res = await post(big);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('RISK_ERR_INPUT_TOO_LARGE');
    expect(res.json().message).toContain('65536');
  });

  it('rejects a non-JSON content type with 415', async () => {
    const res = await post('event=1', { 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('RISK_ERR_INPUT_MEDIA_TYPE');
  });

  it('keeps serving after every kind of bad input', async () => {
    for (const [, payload] of bad) await post(payload);
    expect((await post(paymentRequest('after-bad'))).statusCode).toBe(200);
  });

  it('names a bad timeout header', async () => {
    const res = await post(paymentRequest('e-t'), { 'x-risk-timeout-ms': 'soon' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('x-risk-timeout-ms');
  });

  it('answers 404 with a catalogued code for unknown routes', async () => {
    const res = await service.http.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('RISK_ERR_NOT_FOUND');
  });
});

describe('probes and metrics', () => {
  it('serves /healthz, /readyz and /metrics', async () => {
    expect((await service.http.inject('/healthz')).statusCode).toBe(200);
    const ready = await service.http.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().bundleVersion).toMatch(/^default@/);
    await post(ACCEPTANCE_REQUEST);
    const metrics = await service.http.inject('/metrics');
    expect(metrics.body).toContain('risk_requests_total{transport="rest",code="OK"} 1');
    expect(metrics.body).toMatch(/risk_decisions_total\{decision="\w+"\} 1/);
  });

  it('reports not ready with 503 once draining', async () => {
    service.setReady(false);
    const res = await service.http.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('RISK_ERR_NOT_READY');
  });
});
