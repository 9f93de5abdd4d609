import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RiskEvent } from '../../src/domain/index.js';
import { globMatcher } from '../../src/policies/glob.js';
import { compileExpression } from '../../src/policies/index.js';
import { compile, eventOf, lists, NOW, schema } from './fixtures.js';

// The operators the policies issue adds, each under three-valued evaluation: a comparison that
// touches a missing value is unknown, so neither it nor its negation fires.

const withAttrs = (attributes: Record<string, string>, extra: Partial<RiskEvent> = {}): RiskEvent => ({
  ...eventOf({ user: 'u-1', cardCountry: 'DE' }),
  attributes,
  ...extra,
});
const run = (src: string, e: RiskEvent, features: number[] = [600, 0, 0], t?: number) =>
  compile(src)({ event: e, features: Float64Array.from(features), ...(t !== undefined ? { t } : {}) });

describe('new operators', () => {
  const email = withAttrs({ email: 'ana@mail.example.ru', tags: 'vip, beta,new', code: 'AB-1234' });
  const none = withAttrs({});
  const cases: [string, RiskEvent, boolean][] = [
    ["attr.email like '%.ru'", email, true],
    ["attr.email like '%.com'", email, false],
    ["attr.email like 'ana@%'", email, true],
    ["attr.email like 'an_@%.ru'", email, true],
    ["attr.email like 'a_@%'", email, false],
    ["attr.email not like '%.com'", email, true],
    ["attr.email like '%.ru'", none, false],
    ["attr.email not like '%.ru'", none, false],
    ["attr.tags includes 'beta'", email, true],
    ["attr.tags includes 'new'", email, true],
    ["attr.tags includes 'be'", email, false],
    ["attr.tags not includes 'old'", email, true],
    ["attr.tags includes 'beta'", none, false],
    ["attr.tags not includes 'beta'", none, false],
    ["attr.code matches '^[A-Z]{2}-[0-9]{4}$'", email, true],
    ["attr.code matches '[0-9]{5}'", email, false],
    ["attr.code not matches '[0-9]{5}'", email, true],
    ["attr.code matches '.'", none, false],
    ["attr.code not matches '.'", none, false],
    ['is_missing(attr.code)', none, true],
    ['is_missing(attr.code)', email, false],
    ['not is_missing(attr.code)', email, true],
    ['is_missing(card.country)', email, false],
    ['is_missing(ip.country)', email, true],
  ];
  it.each(cases)('%s on %o is %s', (src, e, expected) => {
    expect(run(src, e)).toBe(expected);
  });

  it('tells missing numbers with is_missing, which is never unknown', () => {
    expect(run('is_missing(amount_usd)', none, [Number.NaN, 0, 0])).toBe(true);
    expect(run('not is_missing(amount_usd)', none, [Number.NaN, 0, 0])).toBe(false);
    expect(run('is_missing(amount_usd)', none, [0, 0, 0])).toBe(false);
  });

  it('reads durations as seconds and amounts with a currency as US dollars', () => {
    expect(run('30m == 1800 and 1d == 86400 and 2h == 7200 and 1w == 7d and 45s == 45', none)).toBe(true);
    // 500 EUR is 540 USD at the FX table's rate: amount_usd 600 is above it, 530 is not.
    expect(run('amount_usd > 500 EUR', none, [600, 0, 0])).toBe(true);
    expect(run('amount_usd > 500 EUR', none, [530, 0, 0])).toBe(false);
    expect(run('amount_usd > 500 USD', none, [530, 0, 0])).toBe(true);
    expect(run('amount_usd >= 100000 JPY', none, [660, 0, 0])).toBe(true);
  });

  it('gives age(timestamp) in seconds at the decision time, missing when the field is', () => {
    const created = withAttrs({}, { account: { id: 'u', createdAtMs: NOW - 3 * 86_400_000 } });
    expect(run('age(account.created_at) < 7d', created, [0, 0, 0], NOW)).toBe(true);
    expect(run('age(account.created_at) > 2d', created, [0, 0, 0], NOW)).toBe(true);
    expect(run('age(account.created_at) > 2d', created, [0, 0, 0], NOW - 2 * 86_400_000)).toBe(false);
    // Without a time in the context, the compile clock (NOW).
    expect(run('age(account.created_at) > 2d', created, [0, 0, 0])).toBe(true);
    expect(run('age(account.created_at) < 7d', none, [0, 0, 0], NOW)).toBe(false);
    expect(run('not (age(account.created_at) < 7d)', none, [0, 0, 0], NOW)).toBe(false);
  });

  it('reads a declared timestamp attribute with age', () => {
    const c = compileExpression('age(attr.opened) < 1h', {
      schema,
      lists,
      now: () => NOW,
      attributes: new Map([['opened', 'timestamp']]),
    });
    if ('error' in c) throw new Error(c.error.message);
    const e = withAttrs({ opened: 'x' }, { typed: { opened: NOW - 60_000 } });
    expect(c.value({ event: e, features: new Float64Array(3), t: NOW })).toBe(true);
  });

  const errors: [string, number, number, string][] = [
    ["amount_usd like '%'", 1, 1, 'like needs a text field'],
    ['attr.x like card.country', 1, 13, 'string literal'],
    ["attr.x matches '(a'", 1, 16, 'bad regular expression'],
    ["attr.x matches '(a)\\\\1'", 1, 16, 'bad regular expression'],
    ['amount_usd > 5 XYZ', 1, 16, 'unknown currency XYZ'],
    ['age(card.country) > 1d', 1, 5, 'age takes a timestamp'],
    ['nope(amount_usd)', 1, 1, "unknown function 'nope'"],
    ['is_missing(@vip)', 1, 12, 'a list can only follow'],
  ];
  it.each(errors)('rejects %j at %i:%i', (src, line, column, message) => {
    const c = compileExpression(src, { schema, lists, now: () => 0 });
    expect('error' in c).toBe(true);
    if ('error' in c) {
      expect(c.error.message).toContain(message);
      expect([c.error.line, c.error.column]).toEqual([line, column]);
    }
  });

  it('matches regular expressions in linear time: a pattern that backtracks exponentially elsewhere is instant', () => {
    const p = compile("attr.x matches '^(a+)+$'");
    const e = withAttrs({ x: `${'a'.repeat(500)}b` });
    const t0 = performance.now();
    expect(p({ event: e, features: new Float64Array(3) })).toBe(false);
    // A backtracking engine takes longer than the age of the universe here; RE2 takes microseconds.
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('like patterns', () => {
  /** Reference: the pattern as an anchored JS regex (fine for the short strings generated here). */
  const reference = (pattern: string, text: string) => {
    let re = '^';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i] as string;
      if (c === '\\' && i + 1 < pattern.length)
        re += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else if (c === '%') re += '[\\s\\S]*';
      else if (c === '_') re += '[\\s\\S]';
      else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    return new RegExp(`${re}$`).test(text);
  };
  it('agrees with an anchored regular expression on random patterns and texts', () => {
    const chars = fc.constantFrom('a', 'b', '%', '_', '\\', '.');
    fc.assert(
      fc.property(
        fc.string({ unit: chars, maxLength: 8 }),
        fc.string({ unit: fc.constantFrom('a', 'b', '.', '%'), maxLength: 10 }),
        (p, t) => {
          return globMatcher(p)(t) === reference(p, t);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
