import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { readDecisionLog } from '../../src/durability/index.js';
import type { Service } from '../../src/server/index.js';
import { paymentRequest, testService } from '../helpers.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../redis-servers.js';

const dirs: string[] = [];
const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const start = async (overrides: Parameters<typeof testService>[0] = {}) => {
  const s = await testService(overrides);
  services.push(s);
  return s;
};
const decide = async (s: Service, id: string) => {
  const res = await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: paymentRequest(id) });
  expect(res.statusCode).toBe(200);
  return res.json() as { decisionId: string; eventId: string; decision: string };
};
const report = (s: Service, body: unknown, headers: Record<string, string> = {}) =>
  s.http.inject({ method: 'POST', url: '/v1/outcomes', payload: body as object, headers });

describe('POST /v1/outcomes', () => {
  it('labels a decision by decisionId or eventId, durably in the decision log, also after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-outcomes-'));
    dirs.push(dataDir);
    const a = await start({ dataDir, decisionLog: 'file' });
    const d1 = await decide(a, 'out-1');
    const d2 = await decide(a, 'out-2');
    const r1 = await report(a, {
      decisionId: d1.decisionId,
      type: 'CHARGEBACK',
      amountMinor: 12999,
      currency: 'EUR',
      reason: '10.4',
    });
    expect(r1.statusCode).toBe(201);
    expect(r1.json()).toMatchObject({
      kind: 'outcome',
      decisionId: d1.decisionId,
      eventId: 'out-1',
      type: 'CHARGEBACK',
      decision: d1.decision,
      amountMinor: 12999,
    });
    const r2 = await report(a, {
      eventId: 'out-2',
      type: 'FALSE_POSITIVE',
      occurredAt: '2026-12-01T10:00:00Z',
    });
    expect(r2.statusCode).toBe(201);
    expect(r2.json()).toMatchObject({ decisionId: d2.decisionId, occurredAt: '2026-12-01T10:00:00.000Z' });
    expect(await a.metrics.registry.metrics()).toContain('risk_outcomes{type="CHARGEBACK"} 1');
    await a.close();
    services.length = 0;
    // A new process remembers nothing: the decision is found in the log.
    const b = await start({ dataDir, decisionLog: 'file' });
    const r3 = await report(b, { eventId: 'out-1', type: 'CONFIRMED_FRAUD', reportedBy: 'analyst 7' });
    expect(r3.statusCode).toBe(201);
    expect(r3.json()).toMatchObject({ decisionId: d1.decisionId });
    await b.close();
    services.length = 0;
    const kinds: string[] = [];
    for await (const r of readDecisionLog(join(dataDir, 'decisions')))
      kinds.push(r.kind === 'outcome' ? `${r.type}:${r.eventId}` : `decision:${r.eventId}`);
    expect(kinds).toEqual([
      'decision:out-1',
      'decision:out-2',
      'CHARGEBACK:out-1',
      'FALSE_POSITIVE:out-2',
      'CONFIRMED_FRAUD:out-1',
    ]);
  });

  it.each([
    [{ type: 'CHARGEBACK' }, 400, 'decisionId'],
    [{ eventId: 'x', type: 'STOLEN' }, 400, 'type'],
    [{ eventId: 'x', type: 'REFUND', amountMinor: -1 }, 400, 'amountMinor'],
    [{ eventId: 'x', type: 'REFUND', occurredAt: 'yesterday' }, 400, 'occurredAt'],
    [{ eventId: 'x', type: 'REFUND', colour: 'red' }, 400, 'colour'],
    [{ eventId: 'never-decided', type: 'REFUND' }, 404, undefined],
    [{ decisionId: 'no-such-decision', type: 'REFUND' }, 404, undefined],
  ])('%j → %i naming %s', async (body, status, field) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-outcomes-'));
    dirs.push(dataDir);
    const s = await start({ dataDir, decisionLog: 'file' });
    const res = await report(s, body);
    expect(res.statusCode).toBe(status);
    if (field !== undefined)
      expect(res.json().violations.map((v: { field: string }) => v.field)).toContain(field);
    else expect(res.json().code).toBe('RISK_ERR_UNKNOWN_RESOURCE');
  });

  it('an eventId that does not belong to the decisionId is not found', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-outcomes-'));
    dirs.push(dataDir);
    const s = await start({ dataDir, decisionLog: 'file' });
    const d = await decide(s, 'own-1');
    await decide(s, 'own-2');
    expect((await report(s, { decisionId: d.decisionId, eventId: 'own-2', type: 'REFUND' })).statusCode).toBe(
      404,
    );
  });

  it('needs the decision log, and a decide key, never an admin key', async () => {
    const off = await start();
    const res = await report(off, { eventId: 'x', type: 'REFUND' });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('RISK_ERR_NO_DECISION_LOG');
    const keyed = await start({ adminKeys: 'admin-key-0123456789', decideKeys: 'decide-key-0123456789' });
    expect((await report(keyed, { eventId: 'x', type: 'REFUND' })).statusCode).toBe(401);
    expect(
      (
        await report(
          keyed,
          { eventId: 'x', type: 'REFUND' },
          { authorization: 'Bearer admin-key-0123456789' },
        )
      ).statusCode,
    ).toBe(403);
  });
});

describe('gRPC ReportOutcome', () => {
  it('records an outcome like REST, and answers INVALID_ARGUMENT naming the proto field, NOT_FOUND for an unknown decision', async () => {
    const { fromBinary, toBinary, create } = await import('@bufbuild/protobuf');
    const pb = await import('../../src/gen/risk/v1/risk_pb.js');
    const { bindGrpc } = await import('../../src/server/grpc.js');
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-outcomes-grpc-'));
    dirs.push(dataDir);
    const s = await start({ dataDir, decisionLog: 'file' });
    const d = await decide(s, 'grpc-out-1');
    const port = await bindGrpc(s.grpc.server, '127.0.0.1', 0);
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = (req: Parameters<typeof create<typeof pb.ReportOutcomeRequestSchema>>[1]) =>
      new Promise<{ err: grpc.ServiceError | null; res?: InstanceType<typeof Object> }>((resolve) =>
        client.makeUnaryRequest(
          '/risk.v1.DecisionService/ReportOutcome',
          (m: typeof req) =>
            Buffer.from(toBinary(pb.ReportOutcomeRequestSchema, create(pb.ReportOutcomeRequestSchema, m))),
          (b: Buffer) => fromBinary(pb.ReportOutcomeResponseSchema, b),
          req,
          (err, res) => resolve({ err, res: res as object }),
        ),
      );
    try {
      const ok = await call({
        eventId: 'grpc-out-1',
        type: pb.OutcomeType.CHARGEBACK,
        amountMinor: 500n,
      });
      expect(ok.err).toBeNull();
      expect(ok.res).toMatchObject({
        decisionId: d.decisionId,
        eventId: 'grpc-out-1',
        type: pb.OutcomeType.CHARGEBACK,
        decision: pb.Decision[d.decision as keyof typeof pb.Decision],
      });
      const bad = await call({ eventId: 'grpc-out-1' });
      expect(bad.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(bad.err?.metadata.get('risk-field-violation').join()).toContain('type:');
      const missing = await call({ decisionId: 'nope', type: pb.OutcomeType.REFUND });
      expect(missing.err?.code).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });
});

describe('POST /admin/v1/backtest', () => {
  it('runs a candidate (the serving bundle with files replaced) over the decision log, read-only', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-admin-backtest-'));
    dirs.push(dataDir);
    const s = await start({ dataDir, decisionLog: 'file' });
    for (let i = 0; i < 6; i++) await decide(s, `bt-${i}`);
    const admin = (payload: object) =>
      s.http.inject({ method: 'POST', url: '/admin/v1/backtest', remoteAddress: '127.0.0.1', payload });
    // A rule that reviews every payment of the acceptance card: it changes every decision.
    const res = await admin({
      files: { 'rules.txt': "@id review_all\n@reason all: every payment\nreview if type == 'PAYMENT'\n" },
      sample: 3,
    });
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r.events).toBe(6);
    expect(r.recordedDiffers).toBe(0);
    expect(r.mix.candidate.REVIEW + r.mix.candidate.BLOCK).toBe(6);
    expect(r.changedSample.length).toBeLessThanOrEqual(3);
    expect(r.rules.find((x: { id: string }) => x.id === 'review_all')).toMatchObject({
      live: 0,
      candidate: 6,
    });
    // Nothing was served: the bundle is unchanged.
    expect(s.engine.bundle.rules.some((x) => x.id === 'review_all')).toBe(false);
    expect((await admin({ from: 'soon' })).statusCode).toBe(400);
    expect((await admin({ files: { 'rules.txt': 'review if nope >' } })).statusCode).toBe(422);
  });
});

describe('outcome counters', () => {
  type Features = Record<string, number | null>;
  const decideWith = async (s: Service, id: string) => {
    const res = await s.http.inject({
      method: 'POST',
      url: '/v1/decisions?features=true',
      payload: paymentRequest(id),
    });
    expect(res.statusCode).toBe(200);
    return res.json() as { decisionId: string; features: Features; reasons: { code: string }[] };
  };

  const run = async (overrides: Parameters<typeof testService>[0], restart: boolean) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-outcome-counters-'));
    dirs.push(dataDir);
    const a = await start({ dataDir, decisionLog: 'file', ...overrides });
    const first = await decideWith(a, 'oc-1');
    expect(first.features['card.disputes_30d']).toBe(0);
    expect(first.features['card.fraud_reports_30d']).toBe(0);
    // A refund is not a dispute nor fraud: nothing changes.
    expect((await report(a, { decisionId: first.decisionId, type: 'REFUND' })).statusCode).toBe(201);
    const second = await decideWith(a, 'oc-2');
    expect(second.features['card.disputes_30d']).toBe(0);
    // A chargeback counts at once: the next decision on the same card reads it, and a rule acts on it.
    expect((await report(a, { decisionId: first.decisionId, type: 'CHARGEBACK' })).statusCode).toBe(201);
    const third = await decideWith(a, 'oc-3');
    expect(third.features).toMatchObject({
      'card.disputes_30d': 1,
      'card.fraud_reports_30d': 1,
      'user.fraud_reports_30d': 1,
      'device.fraud_reports_30d': 1,
    });
    expect(third.reasons.map((r) => r.code)).toContain('card_disputed');
    // The outcome is not an event: the card's count is the three decisions.
    expect(third.features['card.count_1h']).toBe(2);
    expect((await report(a, { eventId: 'oc-2', type: 'CONFIRMED_FRAUD' })).statusCode).toBe(201);
    const fourth = await decideWith(a, 'oc-4');
    expect(fourth.features).toMatchObject({ 'card.disputes_30d': 1, 'card.fraud_reports_30d': 2 });
    expect(fourth.reasons.map((r) => r.code)).toContain('reported_fraud');
    if (!restart) return;
    await a.close();
    services.length = 0;
    // The journal kept the outcomes: a restarted process reads the same counters.
    const b = await start({ dataDir, decisionLog: 'file', ...overrides });
    const fifth = await decideWith(b, 'oc-5');
    expect(fifth.features).toMatchObject({ 'card.disputes_30d': 1, 'card.fraud_reports_30d': 2 });
  };

  it('count an outcome at once for the event’s card, account and device; the journal keeps them over a restart', async () => {
    await run({ journalMode: 'sync' }, true);
  });

  it('count in Redis too (REDIS_URL)', async () => {
    await run({ redisUrl: SHARED_REDIS_URL, redisKeyPrefix: uniquePrefix('outcomes') }, false);
  });
});
