import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { createTokenizer, type RiskEvent } from '../../src/domain/index.js';
import {
  createListMatcher,
  createListSet,
  type ListItem,
  type ListKind,
  type ListMatch,
  matchProblem,
  normaliseItem,
  parseListItem,
  type RiskList,
} from '../../src/policies/index.js';

const tokenizer = createTokenizer('list-test-key-0123456789');

/** A list of `kind` with the given item texts, parsed as a bundle file would be. */
function listOf(
  kind: ListKind,
  match: ListMatch,
  values: (string | Record<string, unknown>)[],
  id = 'l',
): RiskList {
  const items = new Map<string, ListItem>();
  values.forEach((v, i) => {
    const r = parseListItem(
      typeof v === 'string' ? { value: v } : v,
      { kind, match },
      tokenizer,
      `items[${i}]`,
    );
    if ('error' in r) throw new Error(r.error);
    items.set(r.value.value, r.value);
  });
  return { id, kind, match, action: 'BLOCK', reasonCode: id, message: id, items };
}
const has = (list: RiskList, value: string, t = 0) => createListSet([list]).contains(list.id, value, t);

describe('typed lists', () => {
  it('matches IPv4 and IPv6 CIDR ranges, the addresses inside and no others', () => {
    const l = listOf('ip', 'cidr', ['203.0.113.0/24', '198.51.100.7', '2001:db8:abcd::/48', '10.0.0.0/8']);
    for (const inside of [
      '203.0.113.0',
      '203.0.113.255',
      '198.51.100.7',
      '2001:db8:abcd:12::1',
      '10.200.1.1',
      '::ffff:203.0.113.9',
    ])
      expect(has(l, inside), inside).toBe(true);
    for (const outside of [
      '203.0.114.0',
      '203.0.112.255',
      '198.51.100.8',
      '2001:db8:abce::1',
      '11.0.0.0',
      'nonsense',
      '::1',
    ])
      expect(has(l, outside), outside).toBe(false);
  });

  it('agrees with ipaddr.js range checks on random IPv4 ranges and addresses (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })), { minLength: 1, maxLength: 20 }),
        fc.ipV4(),
        (ranges, addr) => {
          const l = listOf(
            'ip',
            'cidr',
            ranges.map(([a, b]) => `${a}/${b}`),
          );
          const expected = ranges.some(([a, b]) => ipaddr.parse(addr).match(ipaddr.parse(a), b));
          return has(l, addr) === expected;
        },
      ),
      { numRuns: 500 },
    );
  });

  it('takes the most specific live item: an expired /32 does not hide a live /16', () => {
    const l = listOf('ip', 'cidr', [
      { value: '192.0.2.1', reason: 'single', expiresAt: '2026-01-01T00:00:00Z' },
      { value: '192.0.0.0/16', reason: 'range' },
    ]);
    const set = createListSet([l]);
    const ev = { network: { ip: '192.0.2.1', isProxy: false } } as unknown as RiskEvent;
    expect(set.match(ev, Date.parse('2025-06-01T00:00:00Z'))[0]?.item.reason).toBe('single');
    expect(set.match(ev, Date.parse('2026-06-01T00:00:00Z'))[0]?.item.reason).toBe('range');
  });

  it('matches BIN prefixes, email domains with their subdomains, and text case-insensitively', () => {
    const bins = listOf('bin', 'prefix', ['4111', '55']);
    expect([has(bins, '411111'), has(bins, '551234'), has(bins, '411211'), has(bins, '5')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    const domains = listOf('email_domain', 'domain', ['mailinator.com', '*.tempmail.org']);
    expect(
      [
        'mailinator.com',
        'x.mailinator.com',
        'a.b.MAILINATOR.com',
        'tempmail.org',
        'mailinator.co',
        'notmailinator.com',
      ].map((d) => has(domains, d)),
    ).toEqual([true, true, true, true, false, false]);
    const names = listOf('string', 'case_insensitive', ['Acme Corp']);
    expect([has(names, 'ACME CORP'), has(names, 'acme corp'), has(names, 'acme')]).toEqual([
      true,
      true,
      false,
    ]);
    const devices = listOf('device', 'exact', ['dev-1']);
    expect([has(devices, 'dev-1'), has(devices, 'DEV-1')]).toEqual([true, false]);
  });

  it('keeps who added an item, when, why and until when', () => {
    const r = parseListItem(
      {
        value: '203.0.113.0/24',
        reason: 'card testing',
        addedBy: 'ana@risk',
        addedAt: '2026-11-30T10:00:00Z',
        expiresAt: '2027-01-01T00:00:00Z',
      },
      { kind: 'ip', match: 'cidr' },
      tokenizer,
      'item',
    );
    expect(r).toEqual({
      value: {
        value: '203.0.113.0/24',
        reason: 'card testing',
        addedBy: 'ana@risk',
        addedAtMs: Date.parse('2026-11-30T10:00:00Z'),
        expiresAtMs: Date.parse('2027-01-01T00:00:00Z'),
      },
    });
  });

  it('rejects items and match types that cannot work, saying why', () => {
    expect(normaliseItem('cidr', '300.1.1.1/8')).toEqual({
      error: '300.1.1.1/8 is not an IP address or CIDR range',
    });
    expect(normaliseItem('cidr', '10.0.0.0/33')).toHaveProperty('error');
    expect(normaliseItem('domain', 'not a domain')).toHaveProperty('error');
    expect(matchProblem('card', 'prefix')).toContain('tokens');
    expect(matchProblem('device', 'cidr')).toContain('ip lists only');
    expect(matchProblem('ip', 'domain')).toBeDefined();
    expect(matchProblem('bin', 'prefix')).toBeUndefined();
    expect(matchProblem('string', 'glob')).toContain('match must be one of');
    const bad = parseListItem(
      { value: '1.2.3.4', expiresAt: 'tomorrow' },
      { kind: 'ip', match: 'cidr' },
      tokenizer,
      'x',
    );
    expect(bad).toEqual({ error: 'x.expiresAt must be an RFC 3339 time' });
  });

  it('scans no list: lookups in a list of 65,000 ranges touch one path of the trie', () => {
    const items = new Map<string, number>();
    for (let i = 0; i < 65_000; i++) items.set(`10.${(i >> 8) & 255}.${i & 255}.0/24`, i);
    const m = createListMatcher('cidr', items);
    expect(m.find('10.1.2.3')).toBe(258);
    expect(m.find('11.1.2.3')).toBeUndefined();
  });
});
