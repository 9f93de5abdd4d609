import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDecisionLog } from '../../src/durability/index.js';
import type { Service } from '../../src/server/index.js';
import { paymentRequest, testService } from '../helpers.js';

// The review queue through the service: REVIEW decisions made on POST /v1/decisions become cases on
// the admin API (docs/review-queue.md), worked by analysts, their verdicts recorded as outcomes.

const dirs: string[] = [];
const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'review-api-'));
  dirs.push(d);
  return d;
};
const start = async (overrides: Parameters<typeof testService>[0] = {}) => {
  const s = await testService(overrides);
  services.push(s);
  return s;
};
const stop = async (s: Service) => {
  services.splice(services.indexOf(s), 1);
  await s.close();
};
type Decision = { decisionId: string; eventId: string; decision: string; reasons: { code: string }[] };
/** Charges the acceptance card `n` times: the fifth and later within the hour are REVIEW (card_velocity_1h). */
const charge = async (s: Service, prefix: string, n: number): Promise<Decision[]> => {
  const out: Decision[] = [];
  for (let i = 1; i <= n; i++) {
    const res = await s.http.inject({
      method: 'POST',
      url: '/v1/decisions',
      payload: paymentRequest(`${prefix}-${i}`),
    });
    expect(res.statusCode).toBe(200);
    out.push(res.json() as Decision);
  }
  return out;
};
const admin = (s: Service, method: 'GET' | 'POST', url: string, payload?: object, headers = {}) =>
  s.http.inject({
    method,
    url: `/admin/v1/review${url}`,
    ...(payload !== undefined ? { payload } : {}),
    headers,
  });

describe('review queue over the admin API', () => {
  it('works a review case: a REVIEW decision becomes a case, claimed and declined into the decision log', async () => {
    const dataDir = tempDir();
    const s = await start({ dataDir, decisionLog: 'file' });
    const decisions = await charge(s, 'rq', 5);
    expect(decisions.map((d) => d.decision)).toEqual(['ALLOW', 'ALLOW', 'ALLOW', 'ALLOW', 'REVIEW']);
    const review = decisions[4] as Decision;

    const list = await admin(s, 'GET', '/cases');
    expect(list.statusCode).toBe(200);
    const cases = (list.json() as { cases: Record<string, unknown>[] }).cases;
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({
      caseId: review.decisionId,
      decisionId: review.decisionId,
      eventId: 'rq-5',
      status: 'open',
      topReasons: ['card_velocity_1h'],
    });
    const one = await admin(s, 'GET', `/cases/${review.decisionId}`);
    expect(one.statusCode).toBe(200);
    const c = one.json() as {
      reasons: unknown[];
      features: Record<string, number | null>;
      event: Record<string, unknown>;
    };
    expect(c.reasons).toEqual(review.reasons);
    expect(c.features['card.count_1h']).toBe(4);
    expect(Object.keys(c.features).length).toBeGreaterThan(50);
    expect(c.event).toMatchObject({ eventId: 'rq-5', payment: { bin: '411111', last4: '1111' } });
    // The event is the tokenised one: no card number or email in the case.
    expect(one.body).not.toContain('4111111111111111');
    expect(one.body).not.toContain('ana@example.com');

    // The analyst from x-risk-actor; another analyst is refused while the lease holds.
    const claim = await admin(s, 'POST', `/cases/${review.decisionId}/claim`, undefined, {
      'x-risk-actor': 'ana',
    });
    expect(claim.statusCode).toBe(200);
    expect(claim.json()).toMatchObject({ status: 'claimed', claimedBy: 'ana' });
    const other = await admin(s, 'POST', `/cases/${review.decisionId}/claim`, { analyst: 'bob' });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('RISK_ERR_REVIEW_CONFLICT');
    expect((await admin(s, 'GET', '/cases?status=claimed')).json().cases).toHaveLength(1);
    const bobResolves = await admin(s, 'POST', `/cases/${review.decisionId}/resolve`, {
      analyst: 'bob',
      verdict: 'APPROVE',
    });
    expect(bobResolves.statusCode).toBe(409);

    const resolved = await admin(s, 'POST', `/cases/${review.decisionId}/resolve`, {
      analyst: 'ana',
      verdict: 'DECLINE',
      note: 'cardholder denies the charges',
    });
    expect(resolved.statusCode).toBe(200);
    const done = resolved.json() as {
      status: string;
      verdict: string;
      outcomeId: string;
      resolvedBy: string;
    };
    expect(done).toMatchObject({ status: 'resolved', verdict: 'DECLINE', resolvedBy: 'ana' });

    const log: Record<string, unknown>[] = [];
    for await (const r of readDecisionLog(join(dataDir, 'decisions'))) log.push(r);
    const outcome = log.find((r) => r.kind === 'outcome');
    expect(outcome).toMatchObject({
      kind: 'outcome',
      outcomeId: done.outcomeId,
      decisionId: review.decisionId,
      eventId: 'rq-5',
      type: 'REVIEW_DECLINED',
      decision: 'REVIEW',
      reportedBy: 'ana',
      reason: 'cardholder denies the charges',
    });
    expect(log.filter((r) => r.kind === 'decision')).toHaveLength(5);
    const metrics = await s.metrics.registry.metrics();
    expect(metrics).toContain('risk_review_cases{state="resolved"} 1');
    expect(metrics).toContain('risk_review_cases{state="open"} 0');
    expect(metrics).toContain('risk_review_cases{state="dropped"} 0');
    expect(metrics).toContain('risk_outcomes{type="REVIEW_DECLINED"} 1');
    // The decline is a fraud outcome: the card's outcome counter reads it from the next decision on.
    const next = await s.http.inject({
      method: 'POST',
      url: '/v1/decisions?features=true',
      payload: paymentRequest('rq-6'),
    });
    expect(next.json().features['card.fraud_reports_30d']).toBe(1);

    // rq-6 was REVIEW too: a new open case beside the resolved one.
    expect((await admin(s, 'GET', '/cases?status=all')).json().cases).toHaveLength(2);
    expect((await admin(s, 'GET', '/cases')).json().cases.map((c: { eventId: string }) => c.eventId)).toEqual(
      ['rq-6'],
    );
  }, 30_000);

  it('keeps cases across a restart (DATA_DIR/review) and refuses bad calls naming the field', async () => {
    const dataDir = tempDir();
    const a = await start({ dataDir, decisionLog: 'file', journalMode: 'interval' });
    const decisions = await charge(a, 'rs', 6);
    const [r5, r6] = decisions.slice(4) as [Decision, Decision];
    expect([r5.decision, r6.decision]).toEqual(['REVIEW', 'REVIEW']);
    expect((await admin(a, 'POST', `/cases/${r5.decisionId}/claim`, { analyst: 'ana' })).statusCode).toBe(
      200,
    );
    await stop(a);
    expect(readdirSync(join(dataDir, 'review'))).toContain('cases.ndjson');
    expect(readFileSync(join(dataDir, 'review', 'cases.ndjson'), 'utf8')).not.toContain('4111111111111111');

    const b = await start({ dataDir, decisionLog: 'file', journalMode: 'interval' });
    const cases = (await admin(b, 'GET', '/cases?status=all&limit=10')).json().cases as {
      caseId: string;
      status: string;
      claimedBy?: string;
    }[];
    expect(cases.map((c) => [c.caseId, c.status, c.claimedBy])).toEqual([
      [r6.decisionId, 'open', undefined],
      [r5.decisionId, 'claimed', 'ana'],
    ]);
    // The new process decided nothing: the verdict finds the decision through the case.
    const ok = await admin(b, 'POST', `/cases/${r5.decisionId}/resolve`, {
      analyst: 'ana',
      verdict: 'APPROVE',
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().outcomeId).toBeTypeOf('string');

    const bad: [string, string, object | undefined, string[]][] = [
      ['GET', '/cases?status=pending', undefined, ['status']],
      ['GET', '/cases?limit=0', undefined, ['limit']],
      ['GET', '/cases?limit=2.5&status=x', undefined, ['status', 'limit']],
      ['POST', `/cases/${r6.decisionId}/claim`, {}, ['analyst']],
      ['POST', `/cases/${r6.decisionId}/claim`, { analyst: 'ana', extra: 1 }, ['extra']],
      ['POST', `/cases/${r6.decisionId}/resolve`, { analyst: 'ana', verdict: 'YES' }, ['verdict']],
      ['POST', `/cases/${r6.decisionId}/resolve`, { analyst: 'ana', verdict: 'APPROVE', note: 7 }, ['note']],
      ['POST', '/cases/no%20such/claim', { analyst: 'ana' }, ['caseId']],
    ];
    for (const [method, url, body, fields] of bad) {
      const res = await admin(b, method as 'GET', url, body);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code).toBe('RISK_ERR_INPUT_INVALID');
      expect(res.json().violations.map((v: { field: string }) => v.field)).toEqual(fields);
    }
    const unknown = await admin(b, 'GET', '/cases/nope');
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'RISK_ERR_UNKNOWN_RESOURCE']);
    expect((await admin(b, 'POST', '/cases/nope/claim', { analyst: 'ana' })).statusCode).toBe(404);
  }, 30_000);

  it('sits behind the admin key check', async () => {
    const s = await start({ adminKeys: 'admin-key-0123456789', decideKeys: 'decide-key-0123456789' });
    expect((await admin(s, 'GET', '/cases')).statusCode).toBe(401);
    expect(
      (await admin(s, 'GET', '/cases', undefined, { authorization: 'Bearer decide-key-0123456789' }))
        .statusCode,
    ).toBe(403);
    const ok = await admin(s, 'GET', '/cases', undefined, { authorization: 'Bearer admin-key-0123456789' });
    expect([ok.statusCode, ok.json()]).toEqual([200, { cases: [] }]);
  }, 30_000);

  it('refuses a verdict while the decision log, where outcomes go, is off', async () => {
    const s = await start();
    await charge(s, 'nl', 5);
    const [c] = (await admin(s, 'GET', '/cases')).json().cases as { caseId: string }[];
    expect((await admin(s, 'POST', `/cases/${c?.caseId}/claim`, { analyst: 'ana' })).statusCode).toBe(200);
    const res = await admin(s, 'POST', `/cases/${c?.caseId}/resolve`, { analyst: 'ana', verdict: 'APPROVE' });
    expect([res.statusCode, res.json().code]).toEqual([409, 'RISK_ERR_NO_DECISION_LOG']);
    // Still claimed, not resolved: the verdict can be given once the log is on.
    expect((await admin(s, 'GET', `/cases/${c?.caseId}`)).json().status).toBe('claimed');
  }, 30_000);
});
