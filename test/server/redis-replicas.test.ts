import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/domain/index.js';
import type { Service } from '../../src/server/app.js';
import { paymentRequest, T0, testService } from '../helpers.js';
import {
  deletePrefix,
  type RedisProcess,
  SHARED_REDIS_URL,
  startRedis,
  uniquePrefix,
} from '../redis-servers.js';
import { type ServiceProcess, spawnService } from './spawn-service.js';

interface Answer {
  status: number;
  body: {
    decisionId?: string;
    decision?: string;
    replayed?: boolean;
    degraded?: string[];
    timings?: { stage: string; micros: number }[];
    code?: string;
    reasons?: { code: string; message: string }[];
  };
}

const post = async (port: number, payload: unknown, timeoutMs = 1000): Promise<Answer> => {
  const res = await fetch(`http://127.0.0.1:${port}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-risk-timeout-ms': String(timeoutMs) },
    body: JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
};

/** A charge on one card (the acceptance request's), its own event id. */
const charge = (id: string, patch: Record<string, unknown> = {}) => paymentRequest(id, patch);

describe('two service processes sharing one Redis', () => {
  const prefix = uniquePrefix('replicas');
  let a: ServiceProcess;
  let b: ServiceProcess;
  beforeAll(async () => {
    const env = { REDIS_URL: SHARED_REDIS_URL, RISK_REDIS_PREFIX: prefix, RISK_REDIS_TIMEOUT_MS: '200' };
    [a, b] = await Promise.all([spawnService(env), spawnService(env)]);
  }, 60_000);
  afterAll(async () => {
    a?.child.kill('SIGKILL');
    b?.child.kill('SIGKILL');
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  it('raises velocity on one replica from charges sent to the other', async () => {
    const run = `${process.pid}-${Date.now()}`;
    // A card no other test charges: a fresh number (Luhn-valid) per run.
    const card = { number: '4000056655665556', country: 'DE' };
    const payment = { ...charge('x').event.payment, card };
    for (let i = 0; i < 4; i++) {
      const r = await post(a.httpPort, charge(`vel-a-${run}-${i}`, { payment }));
      expect(r.status).toBe(200);
      expect(r.body.degraded).not.toContain('features');
      expect(r.body.reasons?.map((x) => x.code)).not.toContain('card_velocity_1h');
    }
    // Commits are sent after the answer; give the last one a moment to land.
    await new Promise((r) => setTimeout(r, 100));
    const onB = await post(b.httpPort, charge(`vel-b-${run}`, { payment }));
    expect(onB.status).toBe(200);
    expect(onB.body.degraded).not.toContain('features');
    const velocity = onB.body.reasons?.find((x) => x.code === 'card_velocity_1h');
    expect(velocity?.message).toBe('card charged 4 times in the last hour');
  });

  it('decides an event id once when both replicas get it at the same time', async () => {
    const run = `${process.pid}-${Date.now()}`;
    for (let i = 0; i < 10; i++) {
      const req = charge(`idem-${run}-${i}`);
      const [x, y] = await Promise.all([post(a.httpPort, req), post(b.httpPort, req)]);
      expect(x.status).toBe(200);
      expect(y.status).toBe(200);
      expect(x.body.decisionId).toBe(y.body.decisionId);
      expect([x.body.replayed, y.body.replayed].sort()).toEqual([false, true]);
    }
    // The same id with other content is a conflict on either replica.
    const first = charge(`idem-${run}-0`).event;
    const other = charge(`idem-${run}-0`, { payment: { ...first.payment, amountMinor: 1 } });
    const c = await post(b.httpPort, other);
    expect(c.body.code).toBe('RISK_ERR_IDEMPOTENCY_CONFLICT');
  });
});

describe('Redis stopped mid-load', () => {
  let redis: RedisProcess;
  let service: Service;
  beforeAll(async () => {
    redis = await startRedis();
    service = await testService(
      { redisUrl: redis.url, redisTimeoutMs: 250, redisKeyPrefix: uniquePrefix('outage') },
      createManualClock(T0).now,
    );
    await service.http.listen({ port: 0, host: '127.0.0.1' });
  }, 30_000);
  afterAll(async () => {
    await service?.close();
    await redis?.stop();
  });

  it('answers degraded (never 5xx) within the deadline while Redis is down, and fully once it is back', async () => {
    const address = service.http.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const deadlineMs = 2000;
    const answers: { phase: string; status: number; ms: number; featuresMs: number; degraded: string[] }[] =
      [];
    let phase = 'warm-up';
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const started = performance.now();
        const r = await post(port, charge(`out-${n++}`), deadlineMs);
        answers.push({
          phase,
          status: r.status,
          ms: performance.now() - started,
          featuresMs: (r.body.timings?.find((t) => t.stage === 'features')?.micros ?? 0) / 1000,
          degraded: r.body.degraded ?? [],
        });
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    // The first answers of a fresh process are slow (compilation, first model runs), not Redis.
    await new Promise((r) => setTimeout(r, 1000));
    phase = 'up';
    await new Promise((r) => setTimeout(r, 500));
    phase = 'down';
    await redis.kill();
    await new Promise((r) => setTimeout(r, 800));
    phase = 'restarting';
    await redis.restart();
    // The client reconnects by itself (backoff up to 500 ms).
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const last = answers.slice(-8);
      if (last.length === 8 && last.every((x) => x.phase === 'back' && !x.degraded.includes('features')))
        break;
      if (phase === 'restarting' && answers.at(-1)?.degraded.includes('features') === false) phase = 'back';
      await new Promise((r) => setTimeout(r, 50));
    }
    stop = true;
    await Promise.all(workers);

    const up = answers.filter((x) => x.phase === 'up');
    const down = answers.filter((x) => x.phase === 'down');
    const back = answers.filter((x) => x.phase === 'back');
    const summary = (xs: typeof answers) =>
      JSON.stringify(
        xs.map((x) => [x.status, Math.round(x.ms), Math.round(x.featuresMs), x.degraded.join('+')]),
      );
    expect(
      answers.every((x) => x.status === 200),
      summary(answers),
    ).toBe(true);
    expect(up.length).toBeGreaterThan(10);
    expect(
      up.every((x) => !x.degraded.includes('features')),
      summary(up),
    ).toBe(true);
    // Once the kill has landed every answer is degraded; each within the caller's deadline.
    expect(down.length).toBeGreaterThan(10);
    expect(
      down.slice(8).every((x) => x.degraded.includes('features')),
      summary(down),
    ).toBe(true);
    expect(Math.max(...down.map((x) => x.ms))).toBeLessThan(deadlineMs);
    // The read gives up by RISK_REDIS_TIMEOUT_MS (250): at once here, the connection being refused.
    expect(Math.max(...down.map((x) => x.featuresMs))).toBeLessThan(250 + 250);
    expect(back.length).toBeGreaterThanOrEqual(8);
    expect(
      back.slice(-8).every((x) => !x.degraded.includes('features')),
      summary(back),
    ).toBe(true);
    const metrics = await service.http.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/risk_redis_failures\{kind="hydrate_errors"\} [1-9]/);
  }, 30_000);
});
