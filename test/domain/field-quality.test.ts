import { describe, expect, it } from 'vitest';
import { fieldQuality, QUALITY_FIELDS, qualitySource, type RiskEvent } from '../../src/domain/index.js';

const base: RiskEvent = {
  eventId: 'e1',
  type: 'PAYMENT',
  account: { id: 'u1', emailToken: 'tok-e', emailDomain: 'example.com', phoneToken: 'tok-p' },
  payment: { amountMinor: 100, cardCountry: 'DE' },
  network: { ip: '203.0.113.7', isProxy: false },
  device: { id: 'dev-9f2c', emulator: false, rooted: false, bot: false, incognito: false },
  attributes: { account_country: 'DE' },
};
const check = (patch: Partial<RiskEvent>, field: string) =>
  fieldQuality({ ...base, ...patch }).find((c) => c.field === field);

describe('fieldQuality', () => {
  it('checks every field of a complete event, in order, attributes last', () => {
    expect(fieldQuality(base)).toEqual([
      ...QUALITY_FIELDS.map((field) => ({ field, present: true, valid: true })),
      { field: 'attributes.account_country', present: true, valid: true },
    ]);
    expect(qualitySource(base)).toBe('PAYMENT');
  });

  it.each([
    ['203.0.113.7', true],
    ['8.8.8.8', true],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['127.0.0.1', false],
    ['100.64.0.1', false],
    ['100.128.0.1', true],
    ['169.254.1.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['2001:db8::1', true],
    ['::1', false],
    ['::', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['ff02::1', false],
  ])('network.ip %s is valid: %s', (ip, valid) => {
    expect(check({ network: { ip, isProxy: false } }, 'network.ip')).toEqual({
      field: 'network.ip',
      present: true,
      valid,
    });
  });

  it.each([
    ['dev-1', true, true],
    ['unknown', true, false],
    ['NULL', true, false],
    ['00000000-0000-0000-0000-000000000000', true, false],
    ['0', true, false],
    ['n/a', true, false],
    [undefined, false, false],
  ])('device.id %s: present %s, valid %s', (id, present, valid) => {
    const device = { ...base.device, ...(id !== undefined ? { id } : { id: undefined }) };
    expect(check({ device }, 'device.id')).toEqual({ field: 'device.id', present, valid });
  });

  it('card country applies to payments only and refuses "unknown" codes', () => {
    expect(check({ payment: { amountMinor: 1, cardCountry: 'XX' } }, 'payment.card.country')?.valid).toBe(
      false,
    );
    expect(check({ payment: { amountMinor: 1 } }, 'payment.card.country')).toEqual({
      field: 'payment.card.country',
      present: false,
      valid: false,
    });
    const { payment: _, ...login } = base;
    expect(fieldQuality({ ...login, type: 'LOGIN' }).map((c) => c.field)).not.toContain(
      'payment.card.country',
    );
  });

  it('email needs a domain with a dot; absent email and phone are not present', () => {
    expect(check({ account: { emailToken: 't', emailDomain: 'localhost' } }, 'account.email')).toEqual({
      field: 'account.email',
      present: true,
      valid: false,
    });
    expect(fieldQuality({ ...base, account: {} }).filter((c) => c.field.startsWith('account.'))).toEqual([
      { field: 'account.email', present: false, valid: false },
      { field: 'account.phone', present: false, valid: false },
    ]);
  });

  it('attributes: empty is not present, blanks are not valid', () => {
    expect(fieldQuality({ ...base, attributes: { a: '', b: '  ', c: 'x' } }).slice(-3)).toEqual([
      { field: 'attributes.a', present: false, valid: false },
      { field: 'attributes.b', present: true, valid: false },
      { field: 'attributes.c', present: true, valid: true },
    ]);
  });
});
