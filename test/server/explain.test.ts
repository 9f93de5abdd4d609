import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { DecideRequestSchema, Decision, ReasonSource } from '../../src/gen/risk/v1/risk_pb.js';
import type { Service } from '../../src/server/app.js';
import type { Config } from '../../src/server/config.js';
import { bindGrpc } from '../../src/server/grpc.js';
import { paymentRequest, testService } from '../helpers.js';
import { decideClient } from './grpc-client.js';

// Explanations on the wire: only when asked (explain in the body on both transports, ?explain= on
// REST), as MODEL reasons with feature, value and contribution and no action, after the deciding
// reasons, the decision unchanged.

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

interface JsonReason {
  code: string;
  source: string;
  action?: string;
  feature?: string;
  value?: number;
  contribution?: number;
}

function expectExplanations(reasons: JsonReason[], k: number): JsonReason[] {
  const ex = reasons.filter((r) => r.code === 'model_feature');
  expect(ex.length).toBe(k);
  // After every deciding reason.
  expect(reasons.slice(reasons.length - ex.length)).toEqual(ex);
  for (const r of ex) {
    expect(r.source).toBe('MODEL');
    expect(r).not.toHaveProperty('action');
    expect(typeof r.feature).toBe('string');
    expect(typeof r.contribution).toBe('number');
  }
  return ex;
}

describe('explanations over REST', () => {
  it('adds them for explain in the body or ?explain=true, with the decision of a twin service without', async () => {
    // A generous model budget: on a busy machine a late batch would degrade one side only.
    const twin = await testService({ modelTimeoutMs: 5000 });
    try {
      const s = await start({ explainTopK: 4, modelTimeoutMs: 5000 });
      const cases: [Record<string, unknown>, string][] = [
        [{ explain: true }, '/v1/decisions'],
        [{}, '/v1/decisions?explain=true'],
      ];
      for (const [i, [body, url]] of cases.entries()) {
        const req = { ...paymentRequest(`evt-x${i}`), ...body };
        const res = await post(s, req, url);
        expect(res.statusCode, res.body).toBe(200);
        const got = res.json();
        const plain = (await post(twin, paymentRequest(`evt-x${i}`))).json();
        expect(got.degraded).toEqual([]);
        expect([got.decision, got.score, got.modelScore]).toEqual([
          plain.decision,
          plain.score,
          plain.modelScore,
        ]);
        expect(got.reasons.filter((r: JsonReason) => r.code !== 'model_feature')).toEqual(plain.reasons);
        expectExplanations(got.reasons, 4);
        expect(plain.reasons.some((r: JsonReason) => r.code === 'model_feature')).toBe(false);
      }
    } finally {
      await twin.close();
    }
  });

  it('sends them through the response serializer too (replay off), and rejects a bad flag', async () => {
    const s = await start({ idempotencyMax: 0 });
    const res = await post(s, { ...paymentRequest('evt-s'), explain: true });
    expect(res.statusCode, res.body).toBe(200);
    expectExplanations(res.json().reasons, 3);
    const bad = await post(s, paymentRequest('evt-bad'), '/v1/decisions?explain=yes');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().violations).toEqual([{ field: 'query explain', description: 'must be true or false' }]);
  });
});

describe('explanations over gRPC', () => {
  it('carries feature, value and contribution when explain is set, as REST does', async () => {
    const s = await start({ modelTimeoutMs: 5000 });
    const port = await bindGrpc(s.grpc.server, '127.0.0.1', 0);
    const client = decideClient(port);
    try {
      const request = (json: object) => fromJson(DecideRequestSchema, json as JsonValue);
      const plain = await client.decide(request(paymentRequest('evt-g0')));
      expect(plain.reasons.some((r) => r.code === 'model_feature')).toBe(false);
      const asked = await client.decide(request({ ...paymentRequest('evt-g1'), explain: true }));
      const ex = asked.reasons.filter((r) => r.code === 'model_feature');
      expect(ex.length).toBe(3);
      for (const r of ex) {
        expect(r.source).toBe(ReasonSource.MODEL);
        expect(r.action).toBe(Decision.DECISION_UNSPECIFIED);
        expect(r.feature).not.toBe('');
        expect(Number.isFinite(r.contribution)).toBe(true);
      }
      // The same decision over REST (a replay of its record) carries the same explanation.
      const viaRest = (await post(s, { ...paymentRequest('evt-g1'), explain: true })).json();
      expect(viaRest.replayed).toBe(true);
      const rest = expectExplanations(viaRest.reasons, 3);
      expect(ex.map((r) => [r.feature, r.value, r.contribution])).toEqual(
        rest.map((r) => [r.feature, r.value, r.contribution]),
      );
    } finally {
      client.close();
    }
  });
});
