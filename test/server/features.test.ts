import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { afterEach, describe, expect, it } from 'vitest';
import { DecideRequestSchema, DecideResponseSchema, TimeBasis } from '../../src/gen/risk/v1/risk_pb.js';
import type { Service } from '../../src/server/app.js';
import type { Config } from '../../src/server/config.js';
import { bindGrpc } from '../../src/server/grpc.js';
import { ACCEPTANCE_REQUEST, paymentRequest, T0, testService } from '../helpers.js';
import { decideClient } from './grpc-client.js';

// Feature values in the response: only when asked (body field on both transports, query flag on
// REST), never on a replay, missing values left out.

let service: Service | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});
const start = async (overrides: Partial<Config> = {}) => {
  service = await testService(overrides);
  return service;
};

const post = (s: Service, payload: unknown, url = '/v1/decisions') =>
  s.http.inject({ method: 'POST', url, payload: payload as object });
const withFlag = (id: string) => ({ ...paymentRequest(id), includeFeatures: true });

/** What any response with features must hold for the acceptance card's second charge. */
function expectFeatures(features: Record<string, number>, modelScore: number | undefined): void {
  expect(features['card.count_1h']).toBe(1);
  expect(features['model.score']).toBe(modelScore);
  expect(features.amount_usd).toBeGreaterThan(100);
  // No payout destination: its counters are missing, so they are left out.
  expect(features).not.toHaveProperty(['payout_dest.count_1h']);
  for (const v of Object.values(features)) expect(Number.isFinite(v)).toBe(true);
}

describe('features over REST', () => {
  it('leaves them out by default and adds them, last, to the fresh body when asked by field or query flag', async () => {
    const s = await start();
    const plain = await post(s, ACCEPTANCE_REQUEST);
    expect(plain.json()).not.toHaveProperty('features');
    const viaBody = await post(s, withFlag('evt-body'));
    const viaQuery = await post(s, paymentRequest('evt-query'), '/v1/decisions?features=true');
    const off = await post(s, paymentRequest('evt-off'), '/v1/decisions?features=false');
    expect(off.json()).not.toHaveProperty('features');
    for (const res of [viaBody, viaQuery]) {
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(Object.keys(body)).toEqual([...Object.keys(plain.json()), 'features']);
      expect(() => fromJson(DecideResponseSchema, body as JsonValue)).not.toThrow();
    }
    expectFeatures(viaBody.json().features, viaBody.json().modelScore);
    // The second charge after evt-body: the card was seen twice before it.
    expect(viaQuery.json().features['card.count_1h']).toBe(2);
  });

  it('refuses a query flag that is not true or false', async () => {
    const s = await start();
    // Also when the body asks for features: the flag is checked first.
    for (const body of [ACCEPTANCE_REQUEST, withFlag('evt-both')]) {
      const res = await post(s, body, '/v1/decisions?features=yes');
      expect(res.statusCode).toBe(400);
      expect(res.json().violations).toEqual([
        { field: 'query features', description: 'must be true or false' },
      ]);
    }
  });

  it('answers a replay with the stored decision and no features, even when asked', async () => {
    const s = await start();
    await post(s, ACCEPTANCE_REQUEST);
    const first = (await post(s, withFlag('evt-r'))).json();
    expect(first.features).toBeDefined();
    // The flag is not part of the event: asking or not is no conflict.
    for (const retry of [withFlag('evt-r'), paymentRequest('evt-r')]) {
      const res = await post(s, retry, '/v1/decisions?features=true');
      expect(res.statusCode, res.body).toBe(200);
      const again = res.json();
      expect([again.replayed, again.decisionId]).toEqual([true, first.decisionId]);
      expect(again).not.toHaveProperty('features');
    }
  });

  it('sends them through the response serializer when replay is off (no record to reuse)', async () => {
    const s = await start({ idempotencyMax: 0 });
    await post(s, ACCEPTANCE_REQUEST);
    const res = await post(s, withFlag('evt-noreplay'));
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expectFeatures(body.features, body.modelScore);
    expect(body.timeBasis).toBe('EVENT_TIME');
    expect((await post(s, paymentRequest('evt-noreplay-2'))).json()).not.toHaveProperty('features');
  });
});

describe('features over gRPC', () => {
  it('returns them only when include_features is set, and never on a replay', async () => {
    const s = await start();
    const port = await bindGrpc(s.grpc.server, '127.0.0.1', 0);
    const client = decideClient(port);
    try {
      const request = (json: object) => fromJson(DecideRequestSchema, json as JsonValue);
      const plain = await client.decide(request(ACCEPTANCE_REQUEST));
      expect(plain.features).toEqual({});
      expect(plain.timeBasis).toBe(TimeBasis.EVENT_TIME);
      expect(plain.windowTime && timestampMs(plain.windowTime)).toBe(T0);

      const asked = await client.decide(request(withFlag('evt-g')));
      expectFeatures(asked.features, asked.modelScore);
      // The same names as REST sends.
      const viaRest = (await post(s, withFlag('evt-g-rest'))).json();
      expect(Object.keys(asked.features).sort()).toEqual(Object.keys(viaRest.features).sort());

      const replay = await client.decide(request(withFlag('evt-g')));
      expect([replay.replayed, replay.decisionId]).toEqual([true, asked.decisionId]);
      expect(replay.features).toEqual({});
      expect(replay.timeBasis).toBe(TimeBasis.EVENT_TIME);
    } finally {
      client.close();
    }
  });
});
