import { describe, expect, it } from 'vitest';
import { compileRules, parseRuleText, type RuleSource } from '../../src/policies/index.js';
import { eventOf, lists, NOW, schema } from './fixtures.js';

const parse = (text: string): RuleSource[] => {
  const r = parseRuleText(text);
  if ('errors' in r) throw new Error(JSON.stringify(r.errors));
  return r.value;
};
const opts = { schema, lists, now: () => NOW };

describe('rules as text', () => {
  it('reads Radar-shaped rules with their metadata, conditions over several lines', () => {
    const rules = parse(`# velocity
@id card_velocity_1h
@reason card_velocity_1h: card charged {card.count_1h} times in the last hour
@score 0.15
@tags velocity, card
Review if card.count_1h >= 4
    and amount_usd > 10

@reason big_amount
@mode shadow
block if amount_usd > 500 USD
`);
    expect(rules).toEqual([
      {
        id: 'card_velocity_1h',
        action: 'REVIEW',
        when: 'card.count_1h >= 4\n    and amount_usd > 10',
        reason: { code: 'card_velocity_1h', message: 'card charged {card.count_1h} times in the last hour' },
        score: 0.15,
        tags: ['velocity', 'card'],
        at: { line: 6, column: 11 },
      },
      {
        id: 'big_amount',
        action: 'BLOCK',
        when: 'amount_usd > 500 USD',
        reason: { code: 'big_amount', message: 'big_amount' },
        mode: 'shadow',
        tags: [],
        at: { line: 11, column: 10 },
      },
    ]);
    const compiled = compileRules(rules, opts);
    if ('errors' in compiled) throw new Error(JSON.stringify(compiled.errors));
    const [velocity, big] = compiled.value;
    const ctx = { event: eventOf({}), features: Float64Array.from([600, 5, 0]) };
    expect(velocity?.test(ctx)).toBe(true);
    expect(velocity?.message(ctx)).toBe('card charged 5 times in the last hour');
    expect(big?.test(ctx)).toBe(true);
    expect(big?.mode).toBe('shadow');
  });

  const invalid: [string, string, number, number, string][] = [
    ['no action', 'if amount_usd > 5', 1, 1, 'expected'],
    ['an unknown action', '@id x\ndeny if amount_usd > 5', 2, 1, 'expected'],
    ['no id or reason', 'block if amount_usd > 5', 1, 1, 'needs @id or @reason'],
    ['unknown metadata', '@owner ana\n@id x\nblock if amount_usd > 5', 1, 1, 'unknown metadata @owner'],
    ['a bad score', '@id x\n@score high\nblock if amount_usd > 5', 2, 8, '@score must be a number'],
    ['a bad mode', '@id x\n@mode dry\nblock if amount_usd > 5', 2, 7, '@mode is live or shadow'],
    ['dangling metadata', '@id x\nblock if amount_usd > 5\n@id y', 3, 1, 'metadata with no rule'],
    ['a stray indented line', '  and amount_usd > 5', 1, 3, 'indented line'],
    ['an empty condition', '@id x\nblock if', 2, 9, 'condition is empty'],
    ['metadata twice', '@id x\n@id y\nblock if amount_usd > 5', 2, 1, 'given twice'],
  ];
  it.each(invalid)('rejects %s at line:column of the file', (_name, text, line, column, message) => {
    const r = parseRuleText(text);
    expect('errors' in r).toBe(true);
    if ('errors' in r) {
      const e = r.errors.find((x) => x.message.includes(message));
      expect(e, JSON.stringify(r.errors)).toBeDefined();
      expect([e?.line, e?.column]).toEqual([line, column]);
    }
  });

  it('reports condition errors at their position in the file, on the first line and after it', () => {
    const text = '@id a\nblock if amount_usd > 5 and\n    card.cnt_1h > 3\n\n@id b\nreview if amount_usd >';
    const compiled = compileRules(parse(text), opts);
    expect('errors' in compiled && compiled.errors).toEqual([
      { ruleId: 'a', line: 3, column: 5, message: "unknown field 'card.cnt_1h'" },
      { ruleId: 'b', line: 6, column: 23, message: 'unexpected end of expression' },
    ]);
  });

  it('never throws on arbitrary text (fuzz)', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom(
              '@id x',
              '@reason r: m',
              '@score 1',
              'block if',
              '  and',
              'review if amount_usd > 1',
              '#',
              '',
            ),
            fc.string({ maxLength: 30 }),
          ),
          { maxLength: 12 },
        ),
        (parts) => {
          const r = parseRuleText(parts.join('\n'));
          if ('value' in r) compileRules(r.value, opts);
          return true;
        },
      ),
      { numRuns: 3000 },
    );
  });
});
