import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, contextOf, type StringValues } from './fixtures.js';
import {
  type Cond,
  condition,
  context,
  evaluate,
  NUM_FIELDS,
  type RefContext,
  toSource,
} from './reference.js';

const toContext = (c: RefContext) =>
  contextOf(
    NUM_FIELDS.map((f) => c.nums[f]),
    {
      user: c.strs['user.id'],
      cardCountry: c.strs['card.country'],
      ipCountry: c.strs['ip.country'],
      channel: c.strs['attr.channel'],
    },
  );

// The two-valued reading the language had before: a comparison with a missing value is false and
// `not` flips it. (Empty strings count as missing in both readings here.)
function twoValued(e: Cond, c: RefContext): boolean {
  if (e.k === 'and') return twoValued(e.a, c) && twoValued(e.b, c);
  if (e.k === 'or') return twoValued(e.a, c) || twoValued(e.b, c);
  return evaluate(e, c) === 'T';
}
const negationFree = (e: Cond): boolean =>
  e.k === 'and' || e.k === 'or'
    ? negationFree(e.a) && negationFree(e.b)
    : e.k !== 'not' && !('neg' in e && e.neg);

describe('three-valued rule evaluation', () => {
  it('agrees with the reference interpreter: a rule fires on T, its negation on F, neither on U', () => {
    fc.assert(
      fc.property(condition, fc.array(context, { minLength: 1, maxLength: 6 }), (e, ctxs) => {
        const src = toSource(e);
        const fires = compile(src);
        const negationFires = compile(`not (${src})`);
        for (const c of ctxs) {
          const want = evaluate(e, c);
          const ctx = toContext(c);
          expect([src, fires(ctx), negationFires(ctx)]).toEqual([src, want === 'T', want === 'F']);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('fires negation-free conditions exactly as the old two-valued evaluation did', () => {
    // Why the default bundle, which has no `not` and no `not in`, keeps its meaning.
    fc.assert(
      fc.property(condition.filter(negationFree), context, (e, c) => {
        expect(compile(toSource(e))(toContext(c))).toBe(twoValued(e, c));
      }),
      { numRuns: 300 },
    );
  });

  const M = Number.NaN; // missing
  const none = [M, M, M];
  const cases: [string, number[], StringValues, boolean][] = [
    ['not (amount_usd == 1)', none, {}, false],
    ['amount_usd != 1', none, {}, false],
    ['not (amount_usd != 1)', none, {}, false],
    ['not (amount_usd != 1)', [1, M, M], {}, true],
    ['! (amount_usd > 1)', none, {}, false],
    ['not not (amount_usd > 1)', none, {}, false],
    ['amount_usd + 1 > 0', none, {}, false],
    ['not (amount_usd + 1 > 0)', none, {}, false],
    ['amount_usd / 0 > 1', [1, M, M], {}, true], // Infinity is a value
    ['not (amount_usd / amount_usd > 1)', [0, M, M], {}, false], // 0 / 0 is NaN, missing
    ['user.id in @vip', none, {}, false],
    ['not (user.id in @vip)', none, {}, false],
    ['user.id not in @vip', none, {}, false],
    ['user.id not in @vip', none, { user: 'u-1' }, true],
    ['user.id not in @old', none, { user: 'u-old' }, true], // expired items are not members
    ["card.country not in ['DE']", none, {}, false],
    ["not (card.country in ['DE'])", none, {}, false],
    ['card.count_1h not in [1, 2]', none, {}, false],
    ['card.country != ip.country', none, { ipCountry: 'FR' }, false],
    ['not (card.country == ip.country)', none, { ipCountry: 'FR' }, false],
    ['amount_usd > 1 or true', none, {}, true],
    ['amount_usd > 1 or false', none, {}, false],
    ['not (amount_usd > 1 or false)', none, {}, false],
    ['amount_usd > 1 and false', none, {}, false],
    ['not (amount_usd > 1 and false)', none, {}, true], // unknown and false is false
    ['amount_usd > 1 and true', none, {}, false],
    ['not (amount_usd > 1 and true)', none, {}, false],
    ['amount_usd > 1 or amount_usd <= 1', none, {}, false], // no excluded middle for the unknown
    ['device.bot', none, {}, false],
    ['not device.bot', none, {}, false],
    ['not device.bot', [M, M, 0], {}, true],
    // Empty strings are missing, like absent ones; an empty literal is a value.
    ["attr.channel == ''", none, { channel: '' }, false],
    ["attr.channel != 'web'", none, { channel: '' }, false],
    ["not (attr.channel == 'web')", none, { channel: '' }, false],
    ["not (attr.channel == 'web')", none, { channel: 'app' }, true],
    ["'' == ''", none, {}, true],
    // Precedence: not binds tighter than and, and tighter than or.
    ['not amount_usd > 1 and true', [0, M, M], {}, true],
    ['false and false or true', none, {}, true],
    ['true or false and false', none, {}, true],
    ['not false or false', none, {}, true],
    ['not (false or true)', none, {}, false],
  ];
  it.each(cases)('%s with %j and %j fires: %s', (src, features, strings, expected) => {
    expect(compile(src)(contextOf(features, strings))).toBe(expected);
  });

  it('rejects a malformed number in a set instead of matching NaN', () => {
    expect(() => compile('card.count_1h in [1.2.3]')).toThrow(/1:19 bad number 1.2.3/);
  });
});
