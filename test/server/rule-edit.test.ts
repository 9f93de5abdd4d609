import { describe, expect, it } from 'vitest';
import { RiskError } from '../../src/domain/index.js';
import { lineDiff } from '../../src/server/line-diff.js';
import { editRule } from '../../src/server/rule-edit.js';

// One rule published on its own (PUT/DELETE /admin/v1/rules/{id}) and the line diff of GET /bundle/diff.

const JSON_RULES = `${JSON.stringify(
  {
    rules: [
      { id: 'a', action: 'REVIEW', when: 'amount_usd > 1', reason: { code: 'a', message: 'a' } },
      { id: 'b', action: 'BLOCK', when: 'amount_usd > 2', reason: { code: 'b', message: 'b' } },
    ],
  },
  null,
  2,
)}\n`;
const TEXT_RULES = `# header comment

@id t1
@reason t1: first
review if amount_usd > 1
    and type == 'PAYMENT'

# about t2
@reason t2
block if amount_usd > 2
`;
const files = { 'rules.json': JSON_RULES, 'rules.txt': TEXT_RULES };
const ids = (json: string | undefined) =>
  (JSON.parse(json ?? '{}').rules as { id: string }[]).map((r) => r.id);
const violation = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof RiskError) return [err.code, err.violations[0]?.field];
    throw err;
  }
  return undefined;
};

describe('editRule', () => {
  it('replaces a rule in the file that holds it, in place', () => {
    const out = editRule(files, 'b', {
      json: { action: 'REVIEW', when: 'amount_usd > 3', reason: { code: 'b', message: 'b' } },
    });
    expect(Object.keys(out)).toEqual(['rules.json']);
    expect(ids(out['rules.json'])).toEqual(['a', 'b']);
    expect(JSON.parse(out['rules.json'] as string).rules[1].when).toBe('amount_usd > 3');

    const t = editRule(files, 't1', { text: '@reason t1: again\nchallenge if amount_usd > 9' });
    expect(Object.keys(t)).toEqual(['rules.txt']);
    expect(t['rules.txt']).toBe(
      TEXT_RULES.replace(
        "@reason t1: first\nreview if amount_usd > 1\n    and type == 'PAYMENT'",
        '@reason t1: again\nchallenge if amount_usd > 9',
      ),
    );
  });

  it('adds a new rule at the end of the file of its form', () => {
    const j = editRule(files, 'c', {
      json: { action: 'BLOCK', when: 'amount_usd > 4', reason: { code: 'c', message: 'c' } },
    });
    expect(ids(j['rules.json'])).toEqual(['a', 'b', 'c']);
    const t = editRule(files, 'c', { text: '@reason c\nblock if amount_usd > 4' });
    expect(t['rules.txt']).toBe(`${TEXT_RULES}\n@id c\n@reason c\nblock if amount_usd > 4\n`);
    expect(editRule({}, 'c', { text: 'block if amount_usd > 4' })['rules.txt']).toBe(
      '@id c\nblock if amount_usd > 4\n',
    );
  });

  it('moves a rule between rules.json and rules.txt when its form changes', () => {
    const toText = editRule(files, 'a', { text: '@reason a\nreview if amount_usd > 1' });
    expect(ids(toText['rules.json'])).toEqual(['b']);
    expect(toText['rules.txt']).toContain('@id a\n@reason a\nreview if amount_usd > 1\n');
    const toJson = editRule(files, 't2', {
      json: { action: 'BLOCK', when: 'amount_usd > 2', reason: { code: 't2', message: 't2' } },
    });
    expect(ids(toJson['rules.json'])).toEqual(['a', 'b', 't2']);
    expect(toJson['rules.txt']).not.toContain('block if amount_usd > 2');
    expect(toJson['rules.txt']).toContain('# about t2'); // comments stay
  });

  it('removes a rule with its @ lines and the blank line before it; an unknown one is 404', () => {
    const out = editRule(files, 't1', { remove: true });
    expect(out['rules.txt']).toBe(`# header comment\n\n# about t2\n@reason t2\nblock if amount_usd > 2\n`);
    expect(ids(editRule(files, 'a', { remove: true })['rules.json'])).toEqual(['b']);
    expect(violation(() => editRule(files, 'nope', { remove: true }))).toEqual([
      'RISK_ERR_UNKNOWN_RESOURCE',
      undefined,
    ]);
  });

  it.each([
    ['bad id', 'a b', { text: 'block if x > 1' }, 'id'],
    ['json id differs from the path', 'a', { json: { id: 'z' } }, 'id'],
    ['text with another @id', 'a', { text: '@id z\nblock if amount_usd > 1' }, 'text'],
    ['two rules', 'a', { text: '@id a\nblock if amount_usd > 1\n@id a2\nblock if amount_usd > 2' }, 'text'],
    ['text that does not parse', 'a', { text: 'blokc if amount_usd > 1' }, 'text'],
  ] as const)('refuses %s as INPUT_INVALID naming the field', (_what, id, edit, field) => {
    expect(violation(() => editRule(files, id, edit))).toEqual(['RISK_ERR_INPUT_INVALID', field]);
  });
});

describe('lineDiff', () => {
  it('answers unified hunks with three lines of context', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const b = `${a.replace('l5', 'L5').replace('l15\n', '')}\nnew`;
    expect(lineDiff(a, b)).toBe(
      '@@ -3,7 +3,7 @@\n l2\n l3\n l4\n-l5\n+L5\n l6\n l7\n l8\n' +
        '@@ -13,8 +13,8 @@\n l12\n l13\n l14\n-l15\n l16\n l17\n l18\n l19\n+new\n',
    );
    expect(lineDiff('same', 'same')).toBe('');
    expect(lineDiff('', 'x')).toBe('@@ -1,1 +1,1 @@\n-\n+x\n');
  });
});
