import { describe, expect, it } from 'vitest';
import type { Action, Reason } from '../../src/domain/index.js';
import { combine } from '../../src/engine/index.js';

const reason = (code: string, action: Action, ruleId = code): Reason => ({
  code,
  message: `${code} ${action}`,
  source: 'RULE',
  ruleId,
  action,
});
const summary = (reasons: readonly Reason[]) => reasons.map((r) => `${r.code}:${r.action}:${r.ruleId}`);

describe('combine', () => {
  it('allows when nothing was said', () => {
    expect(combine([])).toEqual({ decision: 'ALLOW', reasons: [] });
  });

  it('decides by the strongest action and lists reasons strongest first, stable within an action', () => {
    const r = combine([
      reason('a', 'CHALLENGE'),
      reason('b', 'REVIEW'),
      reason('c', 'BLOCK'),
      reason('d', 'REVIEW'),
      reason('e', 'BLOCK'),
    ]);
    expect(r.decision).toBe('BLOCK');
    expect(summary(r.reasons)).toEqual([
      'c:BLOCK:c',
      'e:BLOCK:e',
      'b:REVIEW:b',
      'd:REVIEW:d',
      'a:CHALLENGE:a',
    ]);
  });

  it('lets an allowlist win and lead, keeping what it overrode', () => {
    const r = combine([reason('ip_blocklisted', 'BLOCK'), reason('card_allowlisted', 'ALLOW')]);
    expect(r.decision).toBe('ALLOW');
    expect(summary(r.reasons)).toEqual([
      'card_allowlisted:ALLOW:card_allowlisted',
      'ip_blocklisted:BLOCK:ip_blocklisted',
    ]);
  });

  it('keeps one reason per code, the strongest, wherever it came in the input', () => {
    const r = combine([
      reason('velocity', 'REVIEW', 'velocity_review'),
      reason('other', 'CHALLENGE'),
      reason('velocity', 'BLOCK', 'velocity_block'),
      reason('velocity', 'CHALLENGE', 'velocity_challenge'),
    ]);
    expect(r.decision).toBe('BLOCK');
    expect(summary(r.reasons)).toEqual(['velocity:BLOCK:velocity_block', 'other:CHALLENGE:other']);
  });

  it('keeps the first of equally strong reasons with one code, and an allowlist over a block of its code', () => {
    const same = combine([reason('x', 'REVIEW', 'first'), reason('x', 'REVIEW', 'second')]);
    expect(summary(same.reasons)).toEqual(['x:REVIEW:first']);
    const allow = combine([reason('x', 'BLOCK', 'block'), reason('x', 'ALLOW', 'allow')]);
    expect(allow.decision).toBe('ALLOW');
    expect(summary(allow.reasons)).toEqual(['x:ALLOW:allow']);
  });
});
