import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALERT_ID_HEADER,
  type Alert,
  type AlertDelivery,
  createAlertDelivery,
  type DeliveryState,
  SIGNATURE_HEADER,
  verifyAlertSignature,
} from '../../src/server/alert-delivery.js';
import type { WebhookConfig } from '../../src/server/alerts-config.js';
import { type Receiver, startReceiver } from './alert-receiver.js';

const SECRET = 'whsec-test-0123456789abcdef';
let receiver: Receiver | undefined;
let delivery: AlertDelivery | undefined;
let dir: string | undefined;
afterEach(async () => {
  await delivery?.close();
  await receiver?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  delivery = undefined;
  receiver = undefined;
  dir = undefined;
});

const hook = (url: string, patch: Partial<WebhookConfig> = {}): WebhookConfig => ({
  id: 'ops',
  url,
  secret: SECRET,
  timeoutMs: 2000,
  maxAttempts: 4,
  backoffMs: 5,
  maxBackoffMs: 20,
  triggers: [],
  ...patch,
});
const alert = (id: string): Alert => ({
  id,
  webhook: 'ops',
  type: 'decision',
  at: '2026-12-02T05:00:00.000Z',
  summary: 'BLOCK PAYMENT evt-1 score 0.950',
  details: { decisionId: 'd-1', eventId: 'evt-1', decision: 'BLOCK' },
});

/** Sends one alert and resolves with its final delivery state (sent or dead_lettered). */
function deliver(d: AlertDelivery, a: Alert, h: WebhookConfig): Promise<DeliveryState> {
  return new Promise((done) => {
    d.send(a, h, (s) => {
      if (s === 'sent' || s === 'dead_lettered' || s === 'dropped') done(s);
    });
  });
}

describe('alert delivery', () => {
  it('signs the body with the secret (t=…,v1=HMAC-SHA256 of "t.body") and sends the alert id', async () => {
    receiver = await startReceiver();
    delivery = await createAlertDelivery({ maxQueue: 10 });
    expect(await deliver(delivery, alert('a-1'), hook(receiver.url))).toBe('sent');
    const [got] = receiver.received;
    const sig = got?.headers[SIGNATURE_HEADER] as string;
    const body = got?.body as string;
    expect(JSON.parse(body)).toEqual(alert('a-1'));
    expect(got?.headers[ALERT_ID_HEADER]).toBe('a-1');
    expect(got?.headers['content-type']).toBe('application/json');
    // A receiver's check, written out: HMAC over "<t>.<raw body>" with the shared secret.
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
    expect(m).not.toBeNull();
    const [, t, mac] = m as RegExpExecArray;
    expect(createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')).toBe(mac);
    const nowS = Math.floor(Date.now() / 1000);
    expect(verifyAlertSignature(SECRET, sig, body, nowS)).toBe(true);
    expect(verifyAlertSignature('another-secret-0123456', sig, body, nowS)).toBe(false);
    expect(verifyAlertSignature(SECRET, sig, `${body} `, nowS)).toBe(false);
    // Too old a timestamp is a replay.
    expect(verifyAlertSignature(SECRET, sig, body, nowS + 3600)).toBe(false);
    expect(delivery.stats()).toEqual({ sent: 1, retried: 0, failed: 0, deadLettered: 0, dropped: 0 });
  });

  it('retries after 500s with the same id, then succeeds', async () => {
    receiver = await startReceiver((i) => (i < 2 ? 500 : 200));
    delivery = await createAlertDelivery({ maxQueue: 10 });
    expect(await deliver(delivery, alert('a-2'), hook(receiver.url))).toBe('sent');
    expect(receiver.received.map((r) => r.headers[ALERT_ID_HEADER])).toEqual(['a-2', 'a-2', 'a-2']);
    // Each attempt is signed afresh and verifies.
    for (const r of receiver.received)
      expect(
        verifyAlertSignature(SECRET, r.headers[SIGNATURE_HEADER] as string, r.body, (Date.now() / 1000) | 0),
      ).toBe(true);
    expect(delivery.stats()).toEqual({ sent: 1, retried: 2, failed: 2, deadLettered: 0, dropped: 0 });
  });

  it('retries a 429 and a refused connection too', async () => {
    receiver = await startReceiver((i) => (i === 0 ? 429 : 200));
    delivery = await createAlertDelivery({ maxQueue: 10 });
    expect(await deliver(delivery, alert('a-3'), hook(receiver.url))).toBe('sent');
    expect(receiver.received).toHaveLength(2);
    // Nothing listens on the closed receiver's port: every attempt is a network error.
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    expect(await deliver(delivery, alert('a-4'), hook(url, { maxAttempts: 2 }))).toBe('dead_lettered');
    expect(delivery.deadLetters()[0]?.lastError).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('dead-letters after maxAttempts, to the NDJSON file and memory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'alerts-'));
    const file = join(dir, 'alerts', 'dead-letter.ndjson');
    receiver = await startReceiver(() => 503);
    delivery = await createAlertDelivery({ maxQueue: 10, deadLetterFile: file });
    expect(await deliver(delivery, alert('a-5'), hook(receiver.url, { maxAttempts: 3 }))).toBe(
      'dead_lettered',
    );
    expect(receiver.received).toHaveLength(3);
    expect(delivery.stats()).toEqual({ sent: 0, retried: 2, failed: 3, deadLettered: 1, dropped: 0 });
    await delivery.close();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const dl = JSON.parse(lines[0] as string);
    expect(dl).toMatchObject({ alert: { id: 'a-5' }, attempts: 3, lastError: 'HTTP 503', url: receiver.url });
    // A restart lists the dead letters of the run before.
    delivery = await createAlertDelivery({ maxQueue: 10, deadLetterFile: file });
    expect(delivery.deadLetters().map((d) => d.alert.id)).toEqual(['a-5']);
  });

  it('does not retry a 4xx other than 408/429', async () => {
    receiver = await startReceiver(() => 400);
    delivery = await createAlertDelivery({ maxQueue: 10 });
    expect(await deliver(delivery, alert('a-6'), hook(receiver.url))).toBe('dead_lettered');
    expect(receiver.received).toHaveLength(1);
    expect(delivery.deadLetters()[0]?.lastError).toBe('HTTP 400 (not retried)');
  });

  it('drops alerts past the queue bound and counts them', async () => {
    receiver = await startReceiver(() => 500);
    delivery = await createAlertDelivery({ maxQueue: 2, concurrency: 1 });
    const h = hook(receiver.url, { backoffMs: 60_000, maxBackoffMs: 60_000 });
    expect(delivery.send(alert('q-1'), h)).toBe(true);
    expect(delivery.send(alert('q-2'), h)).toBe(true);
    expect(delivery.send(alert('q-3'), h)).toBe(false);
    expect(delivery.stats().dropped).toBe(1);
    expect(delivery.pending()).toBe(2);
    // Closing dead-letters what still waits for a retry: nothing is lost silently.
    await receiver.count(2);
    await delivery.close();
    expect(
      delivery
        .deadLetters()
        .map((d) => d.alert.id)
        .sort(),
    ).toEqual(['q-1', 'q-2']);
    delivery = undefined;
  });
});
