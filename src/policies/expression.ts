import { RE2JS } from 're2js';
import type { AttributeType, RiskEvent } from '../domain/index.js';
import {
  type FeatureSchema,
  isKnownCurrency,
  majorToUsd,
  resolveField,
  stringField,
} from '../features/index.js';
import { globMatcher } from './glob.js';
import { andOf, type Condition, FALSE, notOf, orOf, TRUE, type Truth, truth, UNKNOWN } from './truth.js';

/** What a compiled expression reads. */
export interface EvalContext {
  readonly event: RiskEvent;
  /** Feature vector laid out by the schema the expression was compiled against; NaN is missing. */
  readonly features: Float64Array;
  /** The decision's time (epoch ms, the window time) for `age(...)`; the compile clock when absent. */
  readonly t?: number;
}

/** Looks up list membership for `value`; lists are resolved at compile time. */
export interface ListLookup {
  /** Whether a list with this id exists. */
  has(listId: string): boolean;
  /** Whether `value` is an unexpired item of list `listId` at time `t`. */
  contains(listId: string, value: string, t: number): boolean;
}

/** A parse or type error at a 1-based line and column of the source. */
export interface ExpressionError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** A compiled rule condition: true only when the condition is definitely true (unknown does not fire). */
export type Predicate = (ctx: EvalContext) => boolean;

type Num = (ctx: EvalContext) => number;
type Str = (ctx: EvalContext) => string | undefined;
type Cond = Condition<EvalContext>;
type Typed =
  | { kind: 'num'; f: Num }
  | { kind: 'str'; f: Str; lit?: string }
  | { kind: 'bool'; f: Cond }
  | { kind: 'set'; items: Set<string> | Set<number>; num: boolean };

interface Token {
  readonly t: 'num' | 'str' | 'id' | 'list' | 'op' | 'eof';
  readonly v: string;
  readonly pos: number;
}

class CompileError extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message);
  }
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'like', 'includes', 'matches']);
/** Binary text operators besides comparisons and `in`. */
const TEXT_OPS = new Set(['like', 'includes', 'matches']);
/** Seconds per duration unit: `30m`, `1d` are numbers of seconds. */
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const CURRENCY_CODE = /^[A-Z]{3}$/;
/** Regular expressions in `matches` run on RE2 (re2js): linear in the input, no backtracking. */
const MAX_PATTERN = 256;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      while (i < src.length && /[0-9._]/.test(src[i] as string)) i++;
      if (/[eE]/.test(src[i] ?? '') && /[-+0-9]/.test(src[i + 1] ?? '')) {
        i += 2;
        while (i < src.length && /[0-9]/.test(src[i] as string)) i++;
      }
      let v = src.slice(start, i).replaceAll('_', '');
      // A duration: digits directly followed by one unit letter, in seconds.
      const unit = UNIT_SECONDS[src[i] ?? ''];
      if (unit !== undefined && !/[A-Za-z0-9_.]/.test(src[i + 1] ?? '')) {
        v = String(Number(v) * unit);
        i++;
      }
      out.push({ t: 'num', v, pos: start });
    } else if (c === '"' || c === "'") {
      i++;
      let s = '';
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) i++;
        s += src[i];
        i++;
      }
      if (i >= src.length) throw new CompileError(start, 'unterminated string');
      i++;
      out.push({ t: 'str', v: s, pos: start });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_.]/.test(src[i] as string)) i++;
      out.push({ t: 'id', v: src.slice(start, i), pos: start });
    } else if (c === '@') {
      i++;
      while (i < src.length && /[A-Za-z0-9_.-]/.test(src[i] as string)) i++;
      if (i === start + 1) throw new CompileError(start, 'expected a list name after @');
      out.push({ t: 'list', v: src.slice(start + 1, i), pos: start });
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
        out.push({ t: 'op', v: two === '&&' ? 'and' : two === '||' ? 'or' : two, pos: start });
        i += 2;
      } else if ('<>()[],+-*/!'.includes(c)) {
        out.push({ t: 'op', v: c === '!' ? 'not' : c, pos: start });
        i++;
      } else if (c === '=') {
        out.push({ t: 'op', v: '==', pos: start });
        i++;
      } else {
        throw new CompileError(start, `unexpected character '${c}'`);
      }
    }
  }
  out.push({ t: 'eof', v: '', pos: src.length });
  return out;
}

/** Options for compileExpression. */
export interface CompileOptions {
  readonly schema: FeatureSchema;
  readonly lists: ListLookup;
  /** Time source for list expiry checks (and `age` when the context has no time). */
  readonly now: () => number;
  /** The bundle's declared attributes, so `age(attr.x)` knows a timestamp. */
  readonly attributes?: ReadonlyMap<string, AttributeType>;
}

/**
 * Compiles a rule condition to a closure, once, at bundle load: no eval, no per-request parsing.
 * Grammar (docs/bundle.md gives precedence and examples): or / and / not over comparisons
 * (== != < <= > >=), `x in @list`, `x in [a, b]`, `x like 'a%'`, `x includes 'v'` (x a
 * comma-separated list), `x matches 're'` (RE2, linear time), each also as `not like` etc.,
 * `is_missing(x)`, `age(timestamp)` in seconds, durations (`30m`, `1d`) in seconds, amounts with a
 * currency (`500 EUR`, in USD), arithmetic (+ - * /) on numbers, identifiers naming features
 * (numbers) or event fields (strings).
 * Evaluation is three-valued (Kleene): a comparison touching a missing value (NaN, an absent or
 * empty string) is unknown, `not unknown` is unknown, and the rule fires only on a definite true,
 * so neither a comparison nor its negation matches a missing value, as in Stripe Radar.
 */
export function compileExpression(
  src: string,
  opts: CompileOptions,
): { value: Predicate } | { error: ExpressionError } {
  try {
    const tokens = tokenize(src);
    let p = 0;
    const peek = (): Token => tokens[p] as Token;
    const next = (): Token => tokens[p++] as Token;
    const isOp = (v: string): boolean => {
      const t = peek();
      return (t.t === 'op' && t.v === v) || (t.t === 'id' && KEYWORDS.has(t.v) && t.v === v);
    };
    const expect = (v: string): void => {
      const t = next();
      if (!((t.t === 'op' || t.t === 'id') && t.v === v))
        throw new CompileError(t.pos, `expected '${v}' but found ${describe(t)}`);
    };

    const asBool = (x: Typed, pos: number): Cond => {
      if (x.kind === 'bool') return x.f;
      if (x.kind === 'num') {
        // A bare numeric feature is true when non-zero (flags are 0/1), unknown when missing.
        const f = x.f;
        return (c) => {
          const v = f(c);
          return Number.isNaN(v) ? UNKNOWN : v !== 0 ? TRUE : FALSE;
        };
      }
      throw new CompileError(pos, `expected a condition, found a ${x.kind === 'str' ? 'string' : 'set'}`);
    };

    const parseOr = (): Typed => {
      const pos = peek().pos;
      let left = parseAnd();
      while (isOp('or')) {
        next();
        const rpos = peek().pos;
        const a = asBool(left, pos);
        const b = asBool(parseAnd(), rpos);
        left = { kind: 'bool', f: orOf(a, b) };
      }
      return left;
    };
    const parseAnd = (): Typed => {
      const pos = peek().pos;
      let left = parseNot();
      while (isOp('and')) {
        next();
        const rpos = peek().pos;
        const a = asBool(left, pos);
        const b = asBool(parseNot(), rpos);
        left = { kind: 'bool', f: andOf(a, b) };
      }
      return left;
    };
    const parseNot = (): Typed => {
      if (isOp('not')) {
        next();
        const pos = peek().pos;
        const a = asBool(parseNot(), pos);
        return { kind: 'bool', f: notOf(a) };
      }
      return parseCmp();
    };
    const parseCmp = (): Typed => {
      const lpos = peek().pos;
      const left = parseSum();
      const t = peek();
      if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
        next();
        const rpos = peek().pos;
        const right = parseSum();
        return compare(t.v, left, right, lpos, rpos);
      }
      const after = tokens[p + 1];
      if (
        (t.t === 'id' && TEXT_OPS.has(t.v)) ||
        (isOp('not') && after?.t === 'id' && TEXT_OPS.has(after.v))
      ) {
        const negate = isOp('not');
        if (negate) next();
        const op = next().v;
        const rpos = peek().pos;
        const f = textOp(op, left, parseSum(), lpos, rpos);
        return { kind: 'bool', f: negate ? notOf(f) : f };
      }
      if (isOp('in') || (isOp('not') && after?.v === 'in')) {
        const negate = isOp('not');
        if (negate) next();
        next();
        const rpos = peek().pos;
        const member = membership(left, lpos, rpos);
        return { kind: 'bool', f: negate ? notOf(member) : member };
      }
      return left;
    };
    const membership = (left: Typed, lpos: number, rpos: number): Cond => {
      const t = peek();
      if (t.t === 'list') {
        next();
        if (!opts.lists.has(t.v)) throw new CompileError(t.pos, `unknown list @${t.v}`);
        if (left.kind !== 'str')
          throw new CompileError(lpos, 'only a string field can be looked up in a list');
        const f = left.f;
        const id = t.v;
        const { lists, now } = opts;
        return (c) => {
          const v = f(c);
          return v === undefined ? UNKNOWN : truth(lists.contains(id, v, now()));
        };
      }
      const set = parsePrimary();
      if (set.kind !== 'set') throw new CompileError(rpos, "expected @list or [ ... ] after 'in'");
      if (left.kind === 'str') {
        if (set.num) throw new CompileError(rpos, 'cannot look up a string in a list of numbers');
        const f = left.f;
        const items = set.items as Set<string>;
        return (c) => {
          const v = f(c);
          return v === undefined ? UNKNOWN : truth(items.has(v));
        };
      }
      if (left.kind === 'num') {
        if (!set.num) throw new CompileError(rpos, 'cannot look up a number in a list of strings');
        const f = left.f;
        const items = set.items as Set<number>;
        return (c) => {
          const v = f(c);
          return Number.isNaN(v) ? UNKNOWN : truth(items.has(v));
        };
      }
      throw new CompileError(lpos, "left side of 'in' must be a field");
    };
    const parseSum = (): Typed => {
      const pos = peek().pos;
      let left = parseProduct();
      while (isOp('+') || isOp('-')) {
        const op = next().v;
        const rpos = peek().pos;
        const a = asNum(left, pos);
        const b = asNum(parseProduct(), rpos);
        left = { kind: 'num', f: op === '+' ? (c) => a(c) + b(c) : (c) => a(c) - b(c) };
      }
      return left;
    };
    const parseProduct = (): Typed => {
      const pos = peek().pos;
      let left = parseUnary();
      while (isOp('*') || isOp('/')) {
        const op = next().v;
        const rpos = peek().pos;
        const a = asNum(left, pos);
        const b = asNum(parseUnary(), rpos);
        left = { kind: 'num', f: op === '*' ? (c) => a(c) * b(c) : (c) => a(c) / b(c) };
      }
      return left;
    };
    const parseUnary = (): Typed => {
      if (isOp('-')) {
        next();
        const pos = peek().pos;
        const a = asNum(parseUnary(), pos);
        return { kind: 'num', f: (c) => -a(c) };
      }
      return parsePrimary();
    };
    const parsePrimary = (): Typed => {
      const t = next();
      switch (t.t) {
        case 'num': {
          let v = Number(t.v);
          if (!Number.isFinite(v)) throw new CompileError(t.pos, `bad number ${t.v}`);
          const cur = peek();
          if (cur.t === 'id' && CURRENCY_CODE.test(cur.v)) {
            next();
            if (!isKnownCurrency(cur.v)) throw new CompileError(cur.pos, `unknown currency ${cur.v}`);
            v = majorToUsd(v, cur.v);
          }
          return { kind: 'num', f: () => v };
        }
        case 'str': {
          const v = t.v;
          return { kind: 'str', f: () => v, lit: v };
        }
        case 'id': {
          if (t.v === 'true' || t.v === 'false') {
            const v = t.v === 'true' ? 1 : 0;
            return { kind: 'num', f: () => v };
          }
          if (KEYWORDS.has(t.v)) throw new CompileError(t.pos, `unexpected '${t.v}'`);
          if (isOp('(')) return parseCall(t);
          const idx = opts.schema.indexOf(t.v);
          if (idx !== undefined) return { kind: 'num', f: (c) => c.features[idx] as number };
          const sf = stringField(t.v);
          // An empty string is missing, as at intake (which drops empty proto strings) and in the
          // counters; only custom attributes can still carry one this far.
          if (sf !== undefined) return { kind: 'str', f: (c) => sf(c.event) || undefined };
          throw new CompileError(t.pos, `unknown field '${t.v}'`);
        }
        case 'op':
          if (t.v === '(') {
            const inner = parseOr();
            expect(')');
            return inner;
          }
          if (t.v === '[') return parseSet();
          throw new CompileError(t.pos, `unexpected '${t.v}'`);
        case 'list':
          throw new CompileError(t.pos, "a list can only follow 'in'");
        default:
          throw new CompileError(t.pos, 'unexpected end of expression');
      }
    };
    const parseCall = (fn: Token): Typed => {
      expect('(');
      const apos = peek().pos;
      if (fn.v === 'is_missing') {
        const arg = parseOr();
        expect(')');
        if (arg.kind === 'num') {
          const f = arg.f;
          return { kind: 'bool', f: (c) => truth(Number.isNaN(f(c))) };
        }
        if (arg.kind === 'str') {
          const f = arg.f;
          return { kind: 'bool', f: (c) => truth(f(c) === undefined) };
        }
        throw new CompileError(apos, 'is_missing takes a field');
      }
      if (fn.v === 'age') {
        const arg = next();
        expect(')');
        const field = arg.t === 'id' ? resolveField(arg.v, opts.attributes) : undefined;
        if (field === undefined || field.type !== 'timestamp')
          throw new CompileError(
            apos,
            'age takes a timestamp field (account.created_at, occurred_at, a timestamp attribute)',
          );
        const get = field.get;
        const now = opts.now;
        // Seconds since the field's time, at the decision's time; missing when the field is.
        return { kind: 'num', f: (c) => ((c.t ?? now()) - get(c.event)) / 1000 };
      }
      throw new CompileError(fn.pos, `unknown function '${fn.v}'`);
    };
    const parseSet = (): Typed => {
      const nums = new Set<number>();
      const strs = new Set<string>();
      while (!isOp(']')) {
        const t = next();
        if (t.t === 'num') {
          const v = Number(t.v);
          if (!Number.isFinite(v)) throw new CompileError(t.pos, `bad number ${t.v}`);
          nums.add(v);
        } else if (t.t === 'str') strs.add(t.v);
        else throw new CompileError(t.pos, 'set items must be literal numbers or strings');
        if (!isOp(']')) expect(',');
      }
      next();
      if (nums.size > 0 && strs.size > 0)
        throw new CompileError(tokens[p - 1]?.pos ?? 0, 'set mixes numbers and strings');
      return nums.size > 0
        ? { kind: 'set', items: nums, num: true }
        : { kind: 'set', items: strs, num: false };
    };

    const root = parseOr();
    const end = peek();
    if (end.t !== 'eof') throw new CompileError(end.pos, `unexpected ${describe(end)}`);
    const cond = asBool(root, 0);
    return { value: (c) => cond(c) === TRUE };
  } catch (err) {
    if (err instanceof CompileError) {
      const { line, column } = lineColumn(src, err.pos);
      return { error: { line, column, message: err.message } };
    }
    throw err;
  }
}

/** like, includes and matches: text on the left, a literal pattern on the right; missing is unknown. */
function textOp(op: string, left: Typed, right: Typed, lpos: number, rpos: number): Cond {
  if (left.kind !== 'str') throw new CompileError(lpos, `${op} needs a text field on its left`);
  const pattern = right.kind === 'str' ? right.lit : undefined;
  if (pattern === undefined) throw new CompileError(rpos, `${op} needs a string literal on its right`);
  const f = left.f;
  let test: (v: string) => boolean;
  if (op === 'like') test = globMatcher(pattern);
  else if (op === 'includes') test = (v) => v.split(',').some((x) => x.trim() === pattern);
  else {
    if (pattern.length > MAX_PATTERN)
      throw new CompileError(rpos, `pattern longer than ${MAX_PATTERN} characters`);
    let re: RE2JS;
    try {
      re = RE2JS.compile(pattern);
    } catch (err) {
      throw new CompileError(rpos, `bad regular expression: ${(err as Error).message}`);
    }
    test = (v) => re.test(v);
  }
  return (c) => {
    const v = f(c);
    return v === undefined ? UNKNOWN : truth(test(v));
  };
}

function asNum(x: Typed, pos: number): Num {
  if (x.kind === 'num') return x.f;
  throw new CompileError(pos, 'expected a number');
}

const missing = (x: number, y: number): boolean => Number.isNaN(x) || Number.isNaN(y);

// One closure literal per operator, not a shared one calling an operator function: each stays
// monomorphic and this is the hottest code of a decision. A JS comparison that holds proves both
// sides present, so NaN (missing) is checked only on the way to FALSE; every operator, != included,
// is UNKNOWN on a missing side, so its negation does not fire either.
function numCompare(op: string, a: Num, b: Num): Cond {
  switch (op) {
    case '==':
      return (c) => {
        const x = a(c);
        const y = b(c);
        return x === y ? TRUE : missing(x, y) ? UNKNOWN : FALSE;
      };
    case '!=':
      return (c) => {
        const x = a(c);
        const y = b(c);
        return x === y ? FALSE : missing(x, y) ? UNKNOWN : TRUE;
      };
    case '<':
      return (c) => {
        const x = a(c);
        const y = b(c);
        return x < y ? TRUE : missing(x, y) ? UNKNOWN : FALSE;
      };
    case '<=':
      return (c) => {
        const x = a(c);
        const y = b(c);
        return x <= y ? TRUE : missing(x, y) ? UNKNOWN : FALSE;
      };
    case '>':
      return (c) => {
        const x = a(c);
        const y = b(c);
        return x > y ? TRUE : missing(x, y) ? UNKNOWN : FALSE;
      };
    default:
      return (c) => {
        const x = a(c);
        const y = b(c);
        return x >= y ? TRUE : missing(x, y) ? UNKNOWN : FALSE;
      };
  }
}

function compare(op: string, l: Typed, r: Typed, lpos: number, rpos: number): Typed {
  if (l.kind === 'num' && r.kind === 'num') return { kind: 'bool', f: numCompare(op, l.f, r.f) };
  if (l.kind === 'str' && r.kind === 'str') {
    if (op !== '==' && op !== '!=')
      throw new CompileError(lpos, `operator ${op} compares numbers, not strings`);
    const a = l.f;
    const b = r.f;
    const equal: Truth = op === '==' ? TRUE : FALSE;
    return {
      kind: 'bool',
      f: (c) => {
        const x = a(c);
        const y = b(c);
        if (x === undefined || y === undefined) return UNKNOWN;
        return x === y ? equal : ((TRUE - equal) as Truth);
      },
    };
  }
  throw new CompileError(
    l.kind === 'num' || l.kind === 'str' ? rpos : lpos,
    `cannot compare a ${l.kind} with a ${r.kind}`,
  );
}

function describe(t: Token): string {
  return t.t === 'eof' ? 'end of expression' : `'${t.t === 'list' ? `@${t.v}` : t.v}'`;
}

function lineColumn(src: string, pos: number): { line: number; column: number } {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < src.length; i++) {
    if (src[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { line, column: col };
}
