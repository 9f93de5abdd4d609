import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/domain/index.js';
import { loggedUnary } from '../../src/server/access-log.js';
import { buildService, loadConfig } from '../../src/server/index.js';
import { ACCEPTANCE_REQUEST, T0 } from '../helpers.js';

const PAN = '4111111111111111';

/** A service whose log lines are captured (JSON, as in production). */
async function logged(accessLog: 0 | 1) {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk)
        .split('\n')
        .filter((x) => x !== '')) {
        raw.push(l);
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      done();
    },
  });
  const config = loadConfig(
    {},
    {
      httpPort: 0,
      grpcPort: 0,
      journalMode: 'off',
      decisionLog: 'off',
      accessLog,
      adminKeys: 'admin-key-0123456789abcdef',
    },
  );
  const s = await buildService(config, {
    clock: createManualClock(T0).now,
    logger: { level: 'info', stream, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] },
  });
  s.setReady(true);
  return { s, lines, raw };
}

describe('access log (RISK_ACCESS_LOG)', () => {
  it('writes one structured line per response with route, status and time, and nothing personal', async () => {
    const { s, lines, raw } = await logged(1);
    try {
      const ok = await s.http.inject({
        method: 'POST',
        url: '/v1/decisions?features=true',
        payload: ACCEPTANCE_REQUEST,
      });
      expect(ok.statusCode).toBe(200);
      const bad = await s.http.inject({
        method: 'POST',
        url: '/v1/decisions',
        payload: { event: { ...ACCEPTANCE_REQUEST.event, eventId: 'x2', payment: { amountMinor: 'lots' } } },
      });
      expect(bad.statusCode).toBe(400);
      const admin = await s.http.inject({
        method: 'GET',
        url: '/admin/v1/bundle',
        headers: { authorization: 'Bearer admin-key-0123456789abcdef' },
      });
      expect(admin.statusCode).toBe(200);
      const access = lines.filter((l) => l.msg === 'access');
      expect(access.map((l) => [l.transport, l.method, l.route, l.status])).toEqual([
        ['http', 'POST', '/v1/decisions', 200],
        ['http', 'POST', '/v1/decisions', 400],
        ['http', 'GET', '/admin/v1/bundle', 200],
      ]);
      for (const l of access) expect(typeof l.ms).toBe('number');
      const all = raw.join('\n');
      expect(all).not.toContain(PAN);
      expect(all).not.toContain('ana@example.com');
      expect(all).not.toContain('admin-key-0123456789abcdef');
    } finally {
      await s.close();
    }
  });

  it('is off by default: no line per request', async () => {
    const { s, lines } = await logged(0);
    try {
      await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: ACCEPTANCE_REQUEST });
      expect(lines.filter((l) => l.msg === 'access')).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('logs a gRPC call’s method, status code and time', async () => {
    const logs: unknown[] = [];
    const h = loggedUnary<number, number>(
      'Decide',
      (call, cb) => (call.request > 0 ? cb(null, call.request) : cb({ code: 3, details: 'bad' })),
      { info: (o) => logs.push(o) },
    );
    const results: unknown[] = [];
    h({ request: 1 } as never, (err, v) => results.push(err ?? v));
    h({ request: 0 } as never, (err, v) => results.push(err ?? v));
    expect(results).toEqual([1, { code: 3, details: 'bad' }]);
    expect(logs).toMatchObject([
      { transport: 'grpc', method: 'Decide', code: 0 },
      { transport: 'grpc', method: 'Decide', code: 3 },
    ]);
  });
});
