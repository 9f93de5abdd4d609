import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/server/app.js';
import { ACCEPTANCE_REQUEST, paymentRequest, testService } from '../helpers.js';
import { rawConnection } from './raw-http.js';
import { spawnService } from './spawn-service.js';

let service: Service | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  child?.kill('SIGKILL');
  child = undefined;
});

describe('load shedding', () => {
  it('sheds decisions past RISK_MAX_IN_FLIGHT with 503 RISK_ERR_OVERLOADED and recovers', async () => {
    service = await testService({ maxInFlight: 1 });
    const s = service;
    const send = (id: string) =>
      s.http.inject({ method: 'POST', url: '/v1/decisions', payload: paymentRequest(id) });
    const results = await Promise.all([send('o-1'), send('o-2'), send('o-3')]);
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes[0]).toBe(200);
    expect(codes).toContain(503);
    const shed = results.find((r) => r.statusCode === 503);
    expect(shed?.json().code).toBe('RISK_ERR_OVERLOADED');
    expect((await send('o-4')).statusCode).toBe(200);
  });
});

describe('process lifecycle', () => {
  it('starts from src/main.ts on embedded defaults, serves, and drains on SIGTERM with exit 0', async () => {
    // The drain itself is tested under load in drain-load.test.ts; here it only has to end.
    const svc = await spawnService({ RISK_DRAIN_GRACE_MS: '100' });
    child = svc.child;
    const port = svc.httpPort;
    expect(port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ACCEPTANCE_REQUEST),
    });
    expect(res.status).toBe(200);
    svc.child.kill('SIGTERM');
    const [code] = await svc.exited;
    expect(code).toBe(0);
    const out = svc.output();
    expect(out).not.toContain('4111111111111111');
    expect(out).not.toContain('ana@example.com');
    expect(out).toContain('draining');
  }, 40_000);
});

describe('shutdown deadline', () => {
  it('forces connections closed and exits 1 with a log line when the drain overruns RISK_SHUTDOWN_TIMEOUT_MS', async () => {
    const svc = await spawnService({ RISK_DRAIN_GRACE_MS: '100', RISK_SHUTDOWN_TIMEOUT_MS: '1000' });
    child = svc.child;
    // A request whose body never finishes arriving keeps its connection busy: closing waits for it.
    const stuck = await rawConnection(svc.httpPort);
    const answer = stuck.request('POST', '/v1/decisions', paymentRequest('d-stuck'), {
      bodyBytesMissing: 10,
    });
    answer.catch(() => {});
    await sleep(100);
    const signalAt = Date.now();
    svc.child.kill('SIGTERM');
    const [code] = await svc.exited;
    expect(code).toBe(1);
    expect(Date.now() - signalAt).toBeGreaterThanOrEqual(900);
    expect(svc.output()).toContain('shutdown deadline passed; forcing the remaining connections closed');
    expect((await stuck.closed).pendingRequests).toBe(1);
  }, 40_000);
});
