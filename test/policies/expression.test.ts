import { describe, expect, it } from 'vitest';
import type { RiskEvent } from '../../src/domain/index.js';
import { compileExpression } from '../../src/policies/index.js';
import { compile, eventOf, lists, schema } from './fixtures.js';

const event = (user?: string, cardCountry?: string, ipCountry?: string): RiskEvent =>
  eventOf({ user, cardCountry, ipCountry, channel: 'web' });
const run = (src: string, features: number[], e: RiskEvent = event('u-1', 'DE', 'FR')) =>
  compile(src)({ event: e, features: Float64Array.from(features) });

describe('rule expressions', () => {
  const cases: [string, number[], boolean][] = [
    ['amount_usd > 500', [600, 0, 0], true],
    ['amount_usd > 500', [400, 0, 0], false],
    ['amount_usd >= 500 and card.count_1h > 3', [500, 4, 0], true],
    ['amount_usd > 1_000 or card.count_1h >= 10', [10, 10, 0], true],
    ['not (amount_usd > 500)', [10, 0, 0], true],
    ['card.count_1h * 2 + 1 == 7', [0, 3, 0], true],
    ['device.bot', [0, 0, 1], true],
    ['device.bot', [0, 0, 0], false],
    ['card.country != ip.country and amount_usd > 500', [600, 0, 0], true],
    ["card.country == 'DE'", [0, 0, 0], true],
    ["ip.country in ['FR', 'BE']", [0, 0, 0], true],
    ["ip.country not in ['FR', 'BE']", [0, 0, 0], false],
    ['card.count_1h in [1, 2, 3]', [0, 2, 0], true],
    ["attr.channel == 'web'", [0, 0, 0], true],
    ['user.id in @vip', [0, 0, 0], false],
    // A missing value makes every comparison unknown, != included, and unknown does not fire (Radar).
    ['amount_usd > 5', [Number.NaN, 0, 0], false],
    ['amount_usd != 5', [Number.NaN, 0, 0], false],
    ['amount_usd <= 5', [Number.NaN, 0, 0], false],
  ];
  it.each(cases)('%s with %j is %s', (src, f, expected) => {
    expect(run(src, f)).toBe(expected);
  });

  it('fires neither == nor != on a missing string', () => {
    expect(run('card.country != ip.country', [0, 0, 0], event('u', undefined, 'FR'))).toBe(false);
    expect(run("card.country == 'DE'", [0, 0, 0], event('u', undefined, 'FR'))).toBe(false);
  });

  it("reads only an event's own attributes, never a name inherited from Object.prototype", () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(run(`attr.${key} != 'x'`, [0, 0, 0])).toBe(false);
      expect(run(`attr.${key} == 'x'`, [0, 0, 0])).toBe(false);
    }
  });

  it('looks values up in lists, honouring expiry', () => {
    expect(run('user.id in @vip', [0, 0, 0], event('u-vip'))).toBe(true);
    expect(run('user.id in @old', [0, 0, 0], event('u-old'))).toBe(false);
  });

  const errors: [string, number, number, string][] = [
    ['amount_usd >', 1, 13, 'unexpected end'],
    ['amount_usd > 5 and\n  card.cnt_1h > 3', 2, 3, "unknown field 'card.cnt_1h'"],
    ["amount_usd == 'DE'", 1, 15, 'cannot compare'],
    ['user.id in @nope', 1, 12, 'unknown list @nope'],
    ['amount_usd > 5 )', 1, 16, "unexpected ')'"],
    ['(amount_usd > 5', 1, 16, "expected ')'"],
    ["card.country > 'DE'", 1, 1, 'compares numbers'],
    ['amount_usd # 3', 1, 12, "unexpected character '#'"],
    ['card.country', 1, 1, 'expected a condition'],
    ["'abc", 1, 1, 'unterminated string'],
  ];
  it.each(errors)('rejects %j at %i:%i', (src, line, column, message) => {
    const c = compileExpression(src, { schema, lists, now: () => 0 });
    expect('error' in c).toBe(true);
    if ('error' in c) {
      expect(c.error.message).toContain(message);
      expect([c.error.line, c.error.column]).toEqual([line, column]);
    }
  });
});
