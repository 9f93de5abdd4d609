import fc from 'fast-check';

// A deliberately plain model of the rule language: an AST, a renderer to source text and a
// tree-walking evaluator written straight from the Kleene truth tables. The property test checks
// the compiled closures against it, so it must stay simple enough to be obviously right.

/** A Kleene truth value, spelt out. */
export type K = 'T' | 'F' | 'U';

/** The numeric features of the fixture schema, in schema order. */
export const NUM_FIELDS = ['amount_usd', 'card.count_1h', 'device.bot'] as const;
/** The string fields the fixture events carry. */
export const STR_FIELDS = ['user.id', 'card.country', 'ip.country', 'attr.channel'] as const;

type NumField = (typeof NUM_FIELDS)[number];
type StrField = (typeof STR_FIELDS)[number];
type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A numeric expression. */
export type NumExpr =
  | { k: 'feat'; name: NumField }
  | { k: 'num'; v: number }
  | { k: 'unit'; text: string; v: number }
  | { k: 'arith'; op: '+' | '-' | '*' | '/'; a: NumExpr; b: NumExpr };
/** A string operand. */
export type StrExpr = { k: 'field'; name: StrField } | { k: 'str'; v: string };
/** A condition; `paren` wraps it in parentheses it does not need, `alt` uses `&&`, `||`, `!`. */
export type Cond = { paren: boolean; alt: boolean } & (
  | { k: 'ncmp'; op: CmpOp; a: NumExpr; b: NumExpr }
  | { k: 'scmp'; op: '==' | '!='; a: StrExpr; b: StrExpr }
  | { k: 'nset'; a: NumExpr; items: number[]; neg: boolean }
  | { k: 'sset'; a: StrExpr; items: string[]; neg: boolean }
  | { k: 'list'; field: StrField; list: 'vip' | 'old'; neg: boolean }
  | { k: 'flag'; name: NumField }
  | { k: 'text'; op: 'like' | 'includes' | 'matches'; field: StrField; pattern: string; neg: boolean }
  | { k: 'missing'; of: NumField | StrField }
  | { k: 'const'; v: boolean }
  | { k: 'not'; a: Cond }
  | { k: 'and' | 'or'; a: Cond; b: Cond }
);

/** What the evaluator reads: features by name (NaN is missing) and string fields (undefined is missing). */
export interface RefContext {
  readonly nums: Readonly<Record<NumField, number>>;
  readonly strs: Readonly<Record<StrField, string | undefined>>;
}

const NOT: Record<K, K> = { T: 'F', F: 'T', U: 'U' };
const and = (a: K, b: K): K => (a === 'F' || b === 'F' ? 'F' : a === 'U' || b === 'U' ? 'U' : 'T');
const or = (a: K, b: K): K => (a === 'T' || b === 'T' ? 'T' : a === 'U' || b === 'U' ? 'U' : 'F');
const known = (b: boolean): K => (b ? 'T' : 'F');
// Unexpired list items at the fixtures' NOW: u-old expired at 1000.
const LISTS = { vip: ['u-vip'], old: [] as string[] };

function num(e: NumExpr, c: RefContext): number {
  if (e.k === 'feat') return c.nums[e.name];
  if (e.k === 'num' || e.k === 'unit') return e.v;
  const a = num(e.a, c);
  const b = num(e.b, c);
  return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : a / b;
}

function str(e: StrExpr, c: RefContext): string | undefined {
  if (e.k === 'str') return e.v;
  const v = c.strs[e.name];
  return v === '' ? undefined : v; // an empty field is missing; an empty literal is not
}

function cmp(op: CmpOp, a: number | string, b: number | string): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  return op === '>' ? a > b : a >= b;
}

/** Evaluates a condition by the truth tables in docs/bundle.md. */
export function evaluate(e: Cond, c: RefContext): K {
  switch (e.k) {
    case 'ncmp': {
      const a = num(e.a, c);
      const b = num(e.b, c);
      return Number.isNaN(a) || Number.isNaN(b) ? 'U' : known(cmp(e.op, a, b));
    }
    case 'scmp': {
      const a = str(e.a, c);
      const b = str(e.b, c);
      return a === undefined || b === undefined ? 'U' : known(cmp(e.op, a, b));
    }
    case 'nset': {
      const a = num(e.a, c);
      const r = Number.isNaN(a) ? 'U' : known(e.items.includes(a));
      return e.neg ? NOT[r] : r;
    }
    case 'sset': {
      const a = str(e.a, c);
      const r = a === undefined ? 'U' : known(e.items.includes(a));
      return e.neg ? NOT[r] : r;
    }
    case 'list': {
      const a = str({ k: 'field', name: e.field }, c);
      const r = a === undefined ? 'U' : known(LISTS[e.list].includes(a));
      return e.neg ? NOT[r] : r;
    }
    case 'flag': {
      const v = c.nums[e.name];
      return Number.isNaN(v) ? 'U' : known(v !== 0);
    }
    case 'text': {
      const a = str({ k: 'field', name: e.field }, c);
      if (a === undefined) return 'U';
      let hit: boolean;
      if (e.op === 'includes') hit = a.split(',').some((x) => x.trim() === e.pattern);
      else if (e.op === 'matches') hit = new RegExp(e.pattern).test(a);
      else
        hit = new RegExp(
          `^${e.pattern
            .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
            .replaceAll('%', '.*')
            .replaceAll('_', '.')}$`,
          's',
        ).test(a);
      return e.neg ? NOT[known(hit)] : known(hit);
    }
    case 'missing':
      return (NUM_FIELDS as readonly string[]).includes(e.of)
        ? known(Number.isNaN(c.nums[e.of as NumField]))
        : known(str({ k: 'field', name: e.of as StrField }, c) === undefined);
    case 'const':
      return known(e.v);
    case 'not':
      return NOT[evaluate(e.a, c)];
    case 'and':
      return and(evaluate(e.a, c), evaluate(e.b, c));
    case 'or':
      return or(evaluate(e.a, c), evaluate(e.b, c));
  }
}

const numText = (e: NumExpr): string =>
  e.k === 'feat'
    ? e.name
    : e.k === 'num'
      ? String(e.v)
      : e.k === 'unit'
        ? e.text
        : `(${numText(e.a)} ${e.op} ${numText(e.b)})`;
const strText = (e: StrExpr): string => (e.k === 'field' ? e.name : `'${e.v}'`);
const setText = (items: readonly (number | string)[]): string =>
  `[${items.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}]`;

// Binding strength: or 1, and 2, not 3, atoms 4. A child weaker than its slot needs parentheses.
function render(e: Cond): [string, number] {
  const wrap = (child: Cond, min: number): string => {
    const [t, level] = render(child);
    return level < min ? `(${t})` : t;
  };
  let out: [string, number];
  switch (e.k) {
    case 'ncmp':
      out = [`${numText(e.a)} ${e.op} ${numText(e.b)}`, 4];
      break;
    case 'scmp':
      out = [`${strText(e.a)} ${e.op} ${strText(e.b)}`, 4];
      break;
    case 'nset':
      out = [`${numText(e.a)} ${e.neg ? 'not in' : 'in'} ${setText(e.items)}`, 4];
      break;
    case 'sset':
      out = [`${strText(e.a)} ${e.neg ? 'not in' : 'in'} ${setText(e.items)}`, 4];
      break;
    case 'list':
      out = [`${e.field} ${e.neg ? 'not in' : 'in'} @${e.list}`, 4];
      break;
    case 'flag':
      out = [e.name, 4];
      break;
    case 'text':
      out = [`${e.field} ${e.neg ? `not ${e.op}` : e.op} '${e.pattern}'`, 4];
      break;
    case 'missing':
      out = [`is_missing(${e.of})`, 4];
      break;
    case 'const':
      out = [String(e.v), 4];
      break;
    case 'not':
      out = [`${e.alt ? '!' : 'not'} ${wrap(e.a, 3)}`, 3];
      break;
    case 'and':
      // Right operands need one level more: the parser associates to the left.
      out = [`${wrap(e.a, 2)} ${e.alt ? '&&' : 'and'} ${wrap(e.b, 3)}`, 2];
      break;
    case 'or':
      out = [`${wrap(e.a, 1)} ${e.alt ? '||' : 'or'} ${wrap(e.b, 2)}`, 1];
      break;
  }
  return e.paren ? [`(${out[0]})`, 4] : out;
}

/** Source text for a condition, with only the parentheses precedence needs plus the `paren` ones. */
export const toSource = (e: Cond): string => render(e)[0];

const NUMS = [0, 1, 2, 3, 0.5, 500];
/** Patterns per text operator, over the fixture values (DE, FR, web, u-vip, u-old, u-1). */
const PATTERNS = {
  like: ['%E', 'D%', '%', '_E', 'w%b', 'u-%', 'u-v_p', ''],
  includes: ['web', 'DE', 'u-1', ''],
  matches: ['^D', 'E$', 'u-[vo]', '^$', 'e.'],
} as const;
const STRS = ['DE', 'FR', 'web', 'u-vip', 'u-old', ''];

const numLeaf: fc.Arbitrary<NumExpr> = fc.oneof(
  fc.constantFrom(...NUM_FIELDS).map((name) => ({ k: 'feat' as const, name })),
  fc.constantFrom(...NUMS).map((v) => ({ k: 'num' as const, v })),
  // Durations are seconds and amounts with a currency US dollars (500 EUR at the FX table's 1.08).
  fc
    .constantFrom(
      { text: '1h', v: 3600 },
      { text: '2m', v: 120 },
      { text: '500 EUR', v: 540 },
      { text: '3 USD', v: 3 },
    )
    .map((u) => ({ k: 'unit' as const, ...u })),
);
const numExpr: fc.Arbitrary<NumExpr> = fc.oneof(
  { weight: 3, arbitrary: numLeaf },
  fc
    .record({
      op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const),
      a: numLeaf,
      b: numLeaf,
    })
    .map((r) => ({ k: 'arith' as const, ...r })),
);
const strExpr: fc.Arbitrary<StrExpr> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...STR_FIELDS).map((name) => ({ k: 'field' as const, name })) },
  fc.constantFrom(...STRS).map((v) => ({ k: 'str' as const, v })),
);
const style = { paren: fc.boolean(), alt: fc.boolean() };

const atom: fc.Arbitrary<Cond> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        op: fc.constantFrom<CmpOp>('==', '!=', '<', '<=', '>', '>='),
        a: numExpr,
        b: numExpr,
        ...style,
      })
      .map((r) => ({ k: 'ncmp' as const, ...r })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ op: fc.constantFrom('==' as const, '!=' as const), a: strExpr, b: strExpr, ...style })
      .map((r) => ({ k: 'scmp' as const, ...r })),
  },
  fc
    .record({
      a: numExpr,
      items: fc.array(fc.constantFrom(...NUMS), { minLength: 1, maxLength: 3 }),
      neg: fc.boolean(),
      ...style,
    })
    .map((r) => ({ k: 'nset' as const, ...r })),
  fc
    .record({
      a: strExpr,
      items: fc.array(fc.constantFrom(...STRS), { minLength: 1, maxLength: 3 }),
      neg: fc.boolean(),
      ...style,
    })
    .map((r) => ({ k: 'sset' as const, ...r })),
  fc
    .record({
      field: fc.constantFrom(...STR_FIELDS),
      list: fc.constantFrom('vip' as const, 'old' as const),
      neg: fc.boolean(),
      ...style,
    })
    .map((r) => ({ k: 'list' as const, ...r })),
  fc.record({ name: fc.constantFrom(...NUM_FIELDS), ...style }).map((r) => ({ k: 'flag' as const, ...r })),
  fc.record({ v: fc.boolean(), ...style }).map((r) => ({ k: 'const' as const, ...r })),
  fc
    .record({
      op: fc.constantFrom('like' as const, 'includes' as const, 'matches' as const),
      field: fc.constantFrom(...STR_FIELDS),
      neg: fc.boolean(),
      ...style,
    })
    .chain((r) =>
      fc.constantFrom(...PATTERNS[r.op]).map((pattern) => ({ k: 'text' as const, ...r, pattern })),
    ),
  fc
    .record({ of: fc.constantFrom<NumField | StrField>(...NUM_FIELDS, ...STR_FIELDS), ...style })
    .map((r) => ({ k: 'missing' as const, ...r })),
);

/** Random conditions up to a few levels of not / and / or over every kind of atom. */
export const condition: fc.Arbitrary<Cond> = fc.letrec<{ c: Cond }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: atom },
    fc.record({ a: tie('c'), ...style }).map((r) => ({ k: 'not' as const, ...r })),
    fc
      .record({ k: fc.constantFrom('and' as const, 'or' as const), a: tie('c'), b: tie('c'), ...style })
      .map((r): Cond => r),
  ),
})).c;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Random contexts: every feature missing (NaN) or one of a few values, every string field missing, empty or set. */
export const context: fc.Arbitrary<RefContext> = fc.record({
  nums: fc.record({
    amount_usd: fc.constantFrom(Number.NaN, ...NUMS),
    'card.count_1h': fc.constantFrom(Number.NaN, ...NUMS),
    'device.bot': fc.constantFrom(Number.NaN, 0, 1),
  }),
  strs: fc.record({
    'user.id': maybe(fc.constantFrom('u-vip', 'u-old', 'u-1')),
    'card.country': maybe(fc.constantFrom('DE', 'FR')),
    'ip.country': maybe(fc.constantFrom('DE', 'FR')),
    'attr.channel': maybe(fc.constantFrom('web', '')),
  }),
});
