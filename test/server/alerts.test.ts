import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/domain/index.js';
import { SIGNATURE_HEADER, verifyAlertSignature } from '../../src/server/alert-delivery.js';
import type { Service } from '../../src/server/app.js';
import { buildService } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { paymentRequest, T0, testService } from '../helpers.js';
import { type Receiver, startReceiver } from './alert-receiver.js';

const SECRET = 'whsec-test-0123456789abcdef';
let service: Service | undefined;
let receiver: Receiver | undefined;
let dir: string | undefined;
afterEach(async () => {
  await service?.close();
  await receiver?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  service = undefined;
  receiver = undefined;
  dir = undefined;
});

/** Writes an alerts file with one webhook to the receiver holding `triggers`; returns its path. */
async function alertsFile(url: string, triggers: unknown[]): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'alerts-'));
  const file = join(dir, 'alerts.json');
  await writeFile(
    file,
    JSON.stringify({ webhooks: [{ id: 'ops', url, secret: SECRET, backoffMs: 5, triggers }] }, null, 2),
  );
  return file;
}

const decide = async (s: Service, req: unknown) => {
  const res = await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: req as object });
  return res;
};
/** A payment on card token `card`, with optional changes to the event. */
const payment = (id: string, card: string, patch: Record<string, unknown> = {}) => {
  const r = paymentRequest(id, patch);
  (r.event.payment as { card: unknown }).card = { token: card, country: 'DE' };
  return r;
};
/** Alerts the receiver got, parsed, after the service's delivery is idle. */
const bodies = (r: Receiver) => r.received.map((x) => JSON.parse(x.body) as Record<string, unknown>);

describe('decision alerts', () => {
  it('sends REVIEW decisions matching the filters, signed, and lists them on the admin API', async () => {
    receiver = await startReceiver();
    const file = await alertsFile(receiver.url, [
      { type: 'decision', decisions: ['REVIEW'], ruleIds: ['card_velocity_1h'], eventTypes: ['PAYMENT'] },
      // Never matches: no decision scores that high here.
      { type: 'decision', decisions: ['REVIEW', 'BLOCK'], minScore: 0.99 },
      // Never matches: only LOGIN events.
      { type: 'decision', decisions: ['REVIEW'], eventTypes: ['LOGIN'] },
    ]);
    service = await testService({ alertsFile: file });
    // The fifth and sixth charge of a card in an hour are REVIEW (card_velocity_1h).
    const decisions: string[] = [];
    for (let i = 0; i < 6; i++)
      decisions.push((await decide(service, payment(`p${i}`, 'tok-1'))).json().decision);
    expect(decisions).toEqual(['ALLOW', 'ALLOW', 'ALLOW', 'ALLOW', 'REVIEW', 'REVIEW']);
    await receiver.count(2);
    await service.alerts.idle();
    const got = bodies(receiver);
    expect(got).toHaveLength(2);
    expect(got.map((b) => (b.details as { eventId: string }).eventId)).toEqual(['p4', 'p5']);
    expect(got[0]).toMatchObject({
      webhook: 'ops',
      type: 'decision',
      details: { decision: 'REVIEW', eventType: 'PAYMENT', liveHits: ['card_velocity_1h'] },
    });
    for (const r of receiver.received)
      expect(
        verifyAlertSignature(SECRET, r.headers[SIGNATURE_HEADER] as string, r.body, (Date.now() / 1000) | 0),
      ).toBe(true);
    const admin = (await service.http.inject({ method: 'GET', url: '/admin/v1/alerts' })).json();
    expect(admin.webhooks).toEqual([
      {
        id: 'ops',
        url: receiver.url,
        triggers: expect.arrayContaining([expect.objectContaining({ type: 'decision' })]),
      },
    ]);
    expect(admin.stats).toMatchObject({
      sent: 2,
      retried: 0,
      failed: 0,
      deadLettered: 0,
      dropped: 0,
      fired: 2,
    });
    expect(admin.recent.map((r: { delivery: string }) => r.delivery)).toEqual(['sent', 'sent']);
    expect(admin.recent[0].summary).toContain('REVIEW PAYMENT p5');
    const metrics = (await service.http.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('risk_alerts_total{state="sent"} 2');
    expect(metrics).toContain('risk_alerts_total{state="dead_lettered"} 0');
  });

  it('rate-limits a trigger (maxPerMinute) and counts the rest as suppressed', async () => {
    receiver = await startReceiver();
    const file = await alertsFile(receiver.url, [
      { type: 'decision', decisions: ['ALLOW'], maxPerMinute: 2 },
    ]);
    service = await testService({ alertsFile: file });
    for (let i = 0; i < 4; i++) await decide(service, payment(`r${i}`, `tok-r${i}`));
    await receiver.count(2);
    expect(service.alerts.stats()).toMatchObject({ fired: 2, suppressed: 2 });
  });

  it('dead-letters after the limit and lists it on the admin API', async () => {
    receiver = await startReceiver(() => 500);
    const file = await alertsFile(receiver.url, [{ type: 'decision', decisions: ['ALLOW'] }]);
    service = await testService({ alertsFile: file });
    await decide(service, payment('d0', 'tok-d'));
    await receiver.count(6);
    // The sixth failure dead-letters; wait for it through the admin API.
    let dead: { alert: { details: { eventId: string } }; attempts: number }[] = [];
    while (dead.length === 0) {
      await new Promise((r) => setImmediate(r));
      dead = (await service.http.inject({ method: 'GET', url: '/admin/v1/alerts/dead-letters' })).json()
        .deadLetters;
    }
    expect(dead[0]).toMatchObject({
      alert: { details: { eventId: 'd0' } },
      attempts: 6,
      lastError: 'HTTP 500',
    });
  });
});

describe('rule hit rate alerts', () => {
  it('fires once when a rule’s hit rate jumps against its trailing baseline', async () => {
    receiver = await startReceiver();
    const file = await alertsFile(receiver.url, [
      {
        type: 'rule_hit_rate',
        ruleIds: ['card_velocity_1h'],
        windowMs: 300_000,
        baselineMs: 3_600_000,
        factor: 3,
        minHits: 5,
      },
    ]);
    const clock = createManualClock(T0);
    service = await testService({ alertsFile: file }, clock.now);
    // Baseline: 100 charges on 100 cards over 50 minutes, no velocity hits.
    for (let i = 0; i < 100; i++) {
      await decide(service, payment(`b${i}`, `tok-b${i}`));
      clock.advance(30_000);
    }
    service.alerts.evaluate();
    clock.advance(10 * 60_000);
    // Now one card charged ten times within a minute: the velocity rule fires from the fifth on.
    for (let i = 0; i < 10; i++) {
      await decide(service, payment(`v${i}`, 'tok-hot'));
      clock.advance(1000);
    }
    service.alerts.evaluate();
    service.alerts.evaluate();
    await receiver.count(1);
    const got = bodies(receiver);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      type: 'rule_hit_rate',
      state: 'firing',
      details: {
        ruleId: 'card_velocity_1h',
        hits: 6,
        decisions: 10,
        baselineHits: 0,
        baselineDecisions: 100,
      },
    });
    // When the burst leaves the window the alert resolves, once.
    clock.advance(6 * 60_000);
    await decide(service, payment('after', 'tok-after'));
    service.alerts.evaluate();
    service.alerts.evaluate();
    await receiver.count(2);
    expect(bodies(receiver).map((b) => b.state)).toEqual(['firing', 'resolved']);
  });
});

describe('data quality', () => {
  const qualityConfig = { qualityMinEvents: 20 };
  const quality = async (s: Service) =>
    (await s.http.inject({ method: 'GET', url: '/admin/v1/quality' })).json() as {
      windowMs: number;
      baselineMs: number;
      sources: {
        source: string;
        events: number;
        fields: {
          field: string;
          present: number;
          valid: number;
          baselinePresent: number;
          alerting: boolean;
        }[];
      }[];
    };
  const field = (q: Awaited<ReturnType<typeof quality>>, source: string, name: string) =>
    q.sources.find((s) => s.source === source)?.fields.find((f) => f.field === name);

  it('a source that stops sending device ids: the present ratio falls and an alert fires once', async () => {
    receiver = await startReceiver();
    const file = await alertsFile(receiver.url, [
      { type: 'data_quality', fields: ['device.id'], notifyResolved: false },
    ]);
    const clock: ManualClock = createManualClock(T0);
    service = await testService({ alertsFile: file, ...qualityConfig }, clock.now);
    for (let i = 0; i < 40; i++) {
      await decide(service, payment(`q${i}`, `tok-q${i}`));
      clock.advance(60_000);
    }
    service.alerts.evaluate();
    let q = await quality(service);
    expect(q.windowMs).toBe(300_000);
    expect(q.baselineMs).toBe(3_600_000);
    expect(field(q, 'PAYMENT', 'device.id')).toMatchObject({
      present: 1,
      valid: 1,
      baselinePresent: 1,
      alerting: false,
    });
    // The gateway stops sending device ids (from a bucket the current window starts with).
    clock.advance(5 * 60_000);
    for (let i = 0; i < 30; i++) {
      const r = payment(`n${i}`, `tok-n${i}`);
      delete (r.event as { device?: unknown }).device;
      await decide(service, r);
      clock.advance(5_000);
    }
    service.alerts.evaluate();
    service.alerts.evaluate();
    q = await quality(service);
    expect(field(q, 'PAYMENT', 'device.id')).toMatchObject({
      present: 0,
      baselinePresent: 1,
      alerting: true,
    });
    // Other fields did not move.
    expect(field(q, 'PAYMENT', 'ip')).toMatchObject({ present: 1, alerting: false });
    await receiver.count(1);
    const got = bodies(receiver);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      type: 'data_quality',
      state: 'firing',
      details: { source: 'PAYMENT', field: 'device.id', metric: 'present', current: 0, baseline: 1 },
    });
    const metrics = (await service.http.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('risk_data_quality_present_ratio{source="PAYMENT",field="device.id"} 0');
    expect(metrics).toContain('risk_data_quality_present_ratio{source="PAYMENT",field="ip"} 1');
    expect(metrics).toContain('risk_data_quality_valid_ratio{source="PAYMENT",field="card.country"} 1');
  });

  it('malformed values lower validity; intake rejections count against their field', async () => {
    service = await testService(qualityConfig);
    const bad = [
      { device: { id: 'unknown' } },
      { device: { id: '00000000-0000-0000-0000-000000000000' } },
      { network: { ip: '10.1.2.3', userAgent: 'Mozilla/5.0' } },
      { network: { ip: '203.0.113.9', userAgent: '-' } },
    ];
    for (let i = 0; i < 4; i++)
      expect((await decide(service, payment(`m${i}`, `tok-m${i}`, bad[i]))).statusCode).toBe(200);
    const xx = payment('m-xx', 'tok-xx');
    (xx.event.payment as { card: { country: string } }).card.country = 'XX';
    expect((await decide(service, xx)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) await decide(service, payment(`g${i}`, `tok-g${i}`));
    // An IP that does not parse is refused by the intake (400) and counted against `ip`.
    const res = await decide(service, payment('bad-ip', 'tok-bad', { network: { ip: '999.1.1.1' } }));
    expect(res.statusCode).toBe(400);
    const q = await quality(service);
    const src = q.sources.find((s) => s.source === 'PAYMENT');
    expect(src).toMatchObject({ events: 10, rejected: 1 });
    expect(field(q, 'PAYMENT', 'device.id')).toMatchObject({ present: 1, valid: 8 / 10 });
    // 10 decided (one private IP) + 1 refused: 9 of 11 well formed.
    expect(field(q, 'PAYMENT', 'ip')).toMatchObject({ present: 1, valid: 9 / 11, rejected: 1 });
    expect(field(q, 'PAYMENT', 'user_agent')).toMatchObject({ valid: 9 / 10 });
    expect(field(q, 'PAYMENT', 'card.country')).toMatchObject({ present: 1, valid: 9 / 10 });
    expect(field(q, 'PAYMENT', 'email')).toMatchObject({ present: 1, valid: 1 });
    expect(field(q, 'PAYMENT', 'phone')).toMatchObject({ present: 0 });
    // The default bundle declares account_country (string).
    expect(field(q, 'PAYMENT', 'attr.account_country')).toMatchObject({ present: 0 });
  });
});

describe('alerts file', () => {
  const build = (file: string) =>
    buildService(
      loadConfig({ LOG_LEVEL: 'silent' }, { journalMode: 'off', decisionLog: 'off', alertsFile: file }),
      {
        logger: false,
      },
    );

  it('bad JSON stops the start with its line:column', async () => {
    dir = await mkdtemp(join(tmpdir(), 'alerts-'));
    const file = join(dir, 'alerts.json');
    await writeFile(file, '{\n  "webhooks": [\n    {"id": "x",}\n  ]\n}\n');
    await expect(build(file)).rejects.toThrow(`${file}:3:16: not valid JSON`);
  });

  it('every problem is named by its path', async () => {
    dir = await mkdtemp(join(tmpdir(), 'alerts-'));
    const file = join(dir, 'alerts.json');
    await writeFile(
      file,
      JSON.stringify({
        webhooks: [
          {
            id: 'a',
            url: 'ftp://x',
            secretEnv: 'RISK_TEST_UNSET_SECRET',
            triggers: [
              { type: 'decision', decisions: ['MAYBE'] },
              { type: 'rule_hit_rate', factor: 0.5, windowMs: 90_000 },
              { type: 'nope' },
            ],
          },
          { id: 'a', url: 'https://x.example/h', secret: 'short', triggers: [] },
        ],
      }),
    );
    const err = await build(file).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(err).toContain('webhooks[0].url: must be http or https');
    expect(err).toContain('webhooks[0].secretEnv: environment variable RISK_TEST_UNSET_SECRET is not set');
    expect(err).toContain(
      'webhooks[0].triggers[0].decisions[0]: must be one of ALLOW, CHALLENGE, REVIEW, BLOCK',
    );
    expect(err).toContain('webhooks[0].triggers[1].factor: must be a number from 1.01');
    expect(err).toContain('webhooks[0].triggers[1].windowMs: must be a multiple of bucketMs (60000)');
    expect(err).toContain('webhooks[0].triggers[2].type: must be one of decision');
    expect(err).toContain('webhooks[1].secret: the secret must be at least 16 characters');
    expect(err).toContain('webhooks[1].triggers: must be a non-empty array');
  });
});
