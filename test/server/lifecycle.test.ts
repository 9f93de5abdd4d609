import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/server/app.js';
import { ACCEPTANCE_REQUEST, paymentRequest, testService } from '../helpers.js';

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
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        HTTP_PORT: '0',
        GRPC_PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        // The drain itself is tested under load in drain-load.test.ts; here it only has to end.
        RISK_DRAIN_GRACE_MS: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line in: ${out}`)), 30_000);
      const onData = () => {
        const line = out.split('\n').find((l) => l.includes('risk decision service ready'));
        const m = line ? /"httpPort":(\d+)/.exec(line) : null;
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child?.stdout?.on('data', onData);
    });
    expect(port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ACCEPTANCE_REQUEST),
    });
    expect(res.status).toBe(200);
    expect(out).not.toContain('4111111111111111');
    expect(out).not.toContain('ana@example.com');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(out).toContain('draining');
  }, 40_000);
});
