import { describe, expect, it } from 'vitest';
import type { RiskEvent } from '../../src/domain/index.js';
import { ISO_COUNTRY_COUNT } from '../../src/domain/iso-countries.js';
import {
  validCountry,
  validDeviceId,
  validEmailDomain,
  validIp,
  validUserAgent,
} from '../../src/domain/quality-checks.js';
import { createDataQuality, type DataQualityOptions } from '../../src/engine/index.js';
import { featurePlan } from '../helpers.js';

const plan = featurePlan({
  attributes: { gateway: 'string', tier: 'string', risk_hint: 'number' },
  categories: { tier: ['gold', 'silver'] },
});

const event = (patch: {
  device?: string;
  ip?: string;
  attrs?: Record<string, string>;
  typed?: Record<string, number>;
  channel?: string;
}): RiskEvent => ({
  eventId: 'e',
  type: 'PAYMENT',
  account: { id: 'u', emailToken: 'tok', emailDomain: 'example.com' },
  payment: { amountMinor: 100, currency: 'EUR', cardToken: 'c', cardCountry: 'DE', channel: patch.channel },
  network: { ip: patch.ip ?? '203.0.113.7', userAgent: 'Mozilla/5.0', isProxy: false },
  device: { id: patch.device, emulator: false, rooted: false, bot: false, incognito: false },
  attributes: patch.attrs ?? {},
  typed: patch.typed,
});

const options = (patch: Partial<DataQualityOptions> = {}): DataQualityOptions => ({
  bucketMs: 60_000,
  windowMs: 300_000,
  baselineMs: 3_600_000,
  maxSources: 8,
  source: 'type',
  threshold: 0.2,
  minEvents: 20,
  plan: () => plan,
  ...patch,
});
const T = Date.parse('2026-12-02T00:00:00Z');

describe('field checks', () => {
  it.each([
    ['dev-9f2c', true],
    ['a1b2c3d4-e5f6', true],
    ['unknown', false],
    ['NULL', false],
    ['00000000-0000-0000-0000-000000000000', false],
    ['abc', false],
    ['dev\u0001x', false],
  ])('device id %j -> %s', (v, ok) => expect(validDeviceId(v)).toBe(ok));
  it.each([
    ['203.0.113.7', true],
    ['8.8.8.8', true],
    ['10.0.0.1', false],
    ['192.168.1.1', false],
    ['172.20.0.1', false],
    ['172.32.0.1', true],
    ['127.0.0.1', false],
    ['0.0.0.0', false],
    ['100.64.0.1', false],
    ['224.0.0.1', false],
    ['2001:db8::1', true],
    ['::1', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['ff02::1', false],
  ])('ip %s -> %s', (v, ok) => expect(validIp(v)).toBe(ok));
  it('countries: the assigned ISO 3166-1 codes only', () => {
    expect(ISO_COUNTRY_COUNT).toBe(249);
    expect(validCountry('DE')).toBe(true);
    expect(validCountry('XX')).toBe(false);
    expect(validCountry('UK')).toBe(false);
  });
  it.each([
    ['example.com', true],
    ['mail.co.uk', true],
    ['xn--bcher-kva.example.xn--p1ai', true],
    ['localhost', false],
    ['foo.invalid', false],
    ['-bad.com', false],
    ['a..com', false],
    ['bad_domain.com', false],
    ['x.c', false],
  ])('email domain %s -> %s', (v, ok) => expect(validEmailDomain(v)).toBe(ok));
  it.each([
    ['Mozilla/5.0', true],
    ['okhttp/4.9.0', true],
    ['-', false],
    ['unknown', false],
    ['12345', false],
  ])('user agent %j -> %s', (v, ok) => expect(validUserAgent(v)).toBe(ok));
});

describe('data quality windows', () => {
  it('rates declared attributes by their type and categories', () => {
    const q = createDataQuality(options());
    q.observe(
      event({
        device: 'dev-1',
        attrs: { gateway: 'gw-a', tier: 'gold', risk_hint: '3' },
        typed: { risk_hint: 3 },
      }),
      T,
    );
    q.observe(event({ device: 'dev-1', attrs: { gateway: 'null', tier: 'bronze' } }), T);
    const f = q.snapshot(T).sources[0]?.fields ?? [];
    const by = (n: string) => f.find((x) => x.field === n);
    expect(by('attr.gateway')).toMatchObject({ present: 1, valid: 0.5 });
    expect(by('attr.tier')).toMatchObject({ present: 1, valid: 0.5 });
    expect(by('attr.risk_hint')).toMatchObject({ present: 0.5, valid: 1 });
  });

  it('needs minEvents in both windows, fires once, and resolves within half the threshold', () => {
    const q = createDataQuality(options());
    let t = T;
    for (let i = 0; i < 60; i++, t += 60_000) q.observe(event({ device: 'dev-1' }), t);
    t += 5 * 60_000;
    // A drop on too few events is not judged.
    for (let i = 0; i < 5; i++) q.observe(event({}), t);
    expect(q.evaluate(t)).toEqual([]);
    for (let i = 0; i < 20; i++) q.observe(event({}), t);
    const fired = q.evaluate(t);
    expect(fired).toEqual([
      expect.objectContaining({
        source: 'PAYMENT',
        field: 'device.id',
        metric: 'present',
        state: 'firing',
        direction: 'down',
        current: 0,
        baseline: 1,
      }),
    ]);
    expect(q.evaluate(t)).toEqual([]);
    // Partly back: the baseline now holds 54 of 79 present (0.68); 8 of 20 (0.4) is still far
    // below it: still alerting, nothing new.
    t += 5 * 60_000;
    for (let i = 0; i < 8; i++) q.observe(event({ device: 'dev-1' }), t);
    for (let i = 0; i < 12; i++) q.observe(event({}), t);
    expect(q.evaluate(t)).toEqual([]);
    expect(q.snapshot(t).sources[0]?.fields.find((f) => f.field === 'device.id')?.alerting).toBe(true);
    // Fully back: above a baseline that holds the fall; resolved, and no rise reported.
    for (let i = 0; i < 40; i++) q.observe(event({ device: 'dev-1' }), t);
    expect(q.evaluate(t)).toEqual([
      expect.objectContaining({ field: 'device.id', state: 'resolved', direction: 'down' }),
    ]);
    expect(q.evaluate(t)).toEqual([]);
  });

  it('names sources by type and channel, bounded, the rest under (other)', () => {
    const q = createDataQuality(options({ maxSources: 2 }));
    q.observe(event({ channel: 'ECOMMERCE' }), T);
    q.observe(event({ channel: 'IN_APP' }), T);
    q.observe(event({ channel: 'MOTO' }), T);
    q.observe(event({}), T);
    expect(q.snapshot(T).sources.map((s) => [s.source, s.events])).toEqual([
      ['(other)', 2],
      ['PAYMENT/ECOMMERCE', 1],
      ['PAYMENT/IN_APP', 1],
    ]);
    const byAttr = createDataQuality(options({ source: 'attr.gateway' }));
    byAttr.observe(event({ attrs: { gateway: 'adyen' } }), T);
    byAttr.observe(event({}), T);
    expect(
      byAttr
        .snapshot(T)
        .sources.map((s) => s.source)
        .sort(),
    ).toEqual(['(none)', 'adyen']);
  });

  it('forgets buckets older than window plus baseline', () => {
    const q = createDataQuality(options());
    q.observe(event({ device: 'dev-1' }), T);
    expect(q.snapshot(T + 4 * 60_000).sources[0]?.events).toBe(1);
    expect(q.snapshot(T + 5 * 60_000).sources[0]?.events).toBe(0);
    expect(q.snapshot(T + 5 * 60_000).sources[0]?.fields[0]?.baselinePresent).toBe(1);
    expect(q.snapshot(T + 65 * 60_000).sources[0]?.fields).toEqual([]);
  });
});
