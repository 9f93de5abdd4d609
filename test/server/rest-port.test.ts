import { afterEach, expect, it } from 'vitest';
import type { Service } from '../../src/server/app.js';
import { ACCEPTANCE_REQUEST, testService } from '../helpers.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.close();
});

it('serves the acceptance request on a real port', async () => {
  service = await testService();
  const address = await service.http.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`${address}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ACCEPTANCE_REQUEST),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.eventId).toBe('evt-0001');
  expect(body.bundleVersion).toMatch(/^default@/);
  const bad = await fetch(`${address}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"event":',
  });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { code: string }).code).toBe('RISK_ERR_INPUT_MALFORMED');
});
