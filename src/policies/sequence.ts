import { createHash } from 'node:crypto';
import type { Action, RiskEvent } from '../domain/index.js';
import { compoundKeyOf, stringField } from '../features/index.js';
import { type CompileOptions, compileExpression, type EvalContext, type Predicate } from './expression.js';
import { compileTemplate } from './rules.js';

/** How a step's first event relates to the previous step's last one (Flink CEP's contiguity). */
export type Contiguity = 'strict' | 'relaxed' | 'any';

/** One positive step of a sequence, compiled. */
export interface SequenceStep {
  readonly name: string;
  /** Bit of `conditions` (and of a journaled mask) holding this step's condition. */
  readonly bit: number;
  /** Iterations: at least `min` (0 when `optional`), at most `max` (Infinity when unbounded). */
  readonly min: number;
  readonly max: number;
  /** `{2,4}?`: zero iterations also satisfy the step, else `min` to `max`. */
  readonly optional: boolean;
  /** Into the first iteration, from the previous step: next = strict, followedBy = relaxed, followedByAny = any. */
  readonly contiguity: Contiguity;
  /** Between iterations: relaxed by default, strict when `consecutive`, any with `allowCombinations`. */
  readonly loop: Contiguity;
  /**
   * FLIP-228's PREVIOUS_AND_CURRENT bound: each event this step takes must come less than this long
   * after the event taken before it (the previous step's, or this step's previous iteration).
   */
  readonly gapMs?: number;
  /** Bits of `notNext` guards: the event right after entering this step must match none. */
  readonly notNextMask: number;
  /** Bits of `notFollowedBy` guards: no event before this step's first iteration may match one. */
  readonly notFollowedByMask: number;
}

/** A sequence (CEP) rule, compiled: docs/bundle.md "Sequence rules" gives the semantics. */
export interface CompiledSequence {
  readonly id: string;
  /** `id@<hash of the definition>`: state carries over a bundle change only to an equal definition. */
  readonly identity: string;
  /** Text of the key fields the sequence runs per (one partial-match set per value). */
  readonly key: readonly string[];
  readonly keyOf: (e: RiskEvent) => string | undefined;
  /** The whole match must complete strictly inside this (Flink's `ts − start < window`). */
  readonly withinMs: number;
  readonly steps: readonly SequenceStep[];
  /** Bits of a trailing `notFollowedBy`: the match completes at the window's end if none came. */
  readonly trailingMask: number;
  /** Every condition, indexed by bit: steps' own and guards. */
  readonly conditions: readonly Predicate[];
  /** NO_SKIP (Flink's default) keeps other partial matches after a match; skip_past_last_event drops them. */
  readonly afterMatch: 'no_skip' | 'skip_past_last_event';
  readonly action: Action;
  readonly code: string;
  readonly score: number;
  readonly mode: 'live' | 'shadow';
  readonly tags: readonly string[];
  message(ctx: EvalContext): string;
  /** The feature holding the stage a key has reached: `sequence.<id>.stage`. */
  readonly stageFeature: string;
}

/** The feature name of a sequence's stage. */
export const stageFeatureOf = (id: string): string => `sequence.${id}.stage`;

/** Conditions one sequence may hold, steps and guards together (a journaled mask is 31 bits). */
export const MAX_SEQUENCE_CONDITIONS = 31;
/** The longest `within`: partial-match state must expire. */
export const MAX_WITHIN_MS = 30 * 86_400_000;

const ID = /^[a-z][a-z0-9_]{0,47}$/;
const ACTIONS = new Set<string>(['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK']);
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const CONTIGUITY: Readonly<Record<string, Contiguity>> = {
  next: 'strict',
  followedBy: 'relaxed',
  followedByAny: 'any',
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `30m`, `2h`, `500ms` in milliseconds; undefined when it is not a positive duration. */
export function parseDurationMs(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(raw.trim());
  if (m === null) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return ms > 0 ? ms : undefined;
}

/** A quantifier: `{n}`, `{n,m}`, `{n,}`, `+` (one or more), `*` (zero or more), `?`, or any of them then `?`. */
export function parseQuantifier(
  raw: unknown,
): { min: number; max: number; optional: boolean } | { error: string } {
  if (raw === undefined) return { min: 1, max: 1, optional: false };
  if (typeof raw !== 'string') return { error: 'must be a string such as "{3,}"' };
  let text = raw.trim();
  let optional = false;
  if (text.length > 1 && text.endsWith('?')) {
    optional = true;
    text = text.slice(0, -1);
  }
  if (text === '?') return { min: 1, max: 1, optional: true };
  if (text === '+') return { min: 1, max: Number.POSITIVE_INFINITY, optional };
  if (text === '*') return { min: 1, max: Number.POSITIVE_INFINITY, optional: true };
  const m = /^\{(\d+)(?:(,)(\d*))?\}$/.exec(text);
  if (m === null) return { error: 'must be {n}, {n,m}, {n,}, +, * or ?, optionally followed by ?' };
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
  if (min < 1) return { error: 'needs at least one iteration (write ? for an optional step)' };
  if (max < min) return { error: 'the upper bound is below the lower one' };
  if (min > 1000 || (Number.isFinite(max) && max > 1000)) return { error: 'bounds above 1000' };
  return { min, max, optional };
}

/**
 * Compiles the `sequences` of a bundle (sequences.json). Every problem comes back at once, with its
 * path and, for conditions, the line:column inside the expression.
 */
export function compileSequences(
  raw: unknown,
  opts: CompileOptions,
): { value: CompiledSequence[] } | { errors: string[] } {
  const errors: string[] = [];
  const out: CompiledSequence[] = [];
  if (!Array.isArray(raw)) return { errors: ['sequences must be an array'] };
  const ids = new Set<string>();
  for (const [i, s] of raw.entries()) {
    const at = `sequences[${i}]`;
    if (!isObject(s)) {
      errors.push(`${at}: must be an object`);
      continue;
    }
    const before = errors.length;
    const bad = (path: string, message: string) => errors.push(`${at}.${path}: ${message}`);
    for (const k of Object.keys(s))
      if (
        ![
          'id',
          'key',
          'within',
          'steps',
          'afterMatch',
          'action',
          'reason',
          'score',
          'mode',
          'tags',
          'description',
        ].includes(k)
      )
        bad(k, 'unknown key');
    const id = s.id;
    if (typeof id !== 'string' || !ID.test(id)) bad('id', 'must be lower case letters, digits and _');
    else if (ids.has(id)) bad('id', `sequence ${id} declared twice`);
    else ids.add(id);
    const keyRaw = typeof s.key === 'string' ? [s.key] : s.key;
    const getters: ((e: RiskEvent) => string | undefined)[] = [];
    if (!Array.isArray(keyRaw) || keyRaw.length === 0) bad('key', 'must name a text field or a list of them');
    else
      for (const [j, f] of keyRaw.entries()) {
        const g = typeof f === 'string' ? stringField(f, opts.attributes) : undefined;
        if (g === undefined) bad(`key[${j}]`, `${JSON.stringify(f)} is not a text field`);
        else getters.push(g);
      }
    const withinMs = parseDurationMs(s.within);
    if (withinMs === undefined)
      bad('within', 'is required: a duration such as "30m" (partial matches must expire)');
    else if (withinMs > MAX_WITHIN_MS) bad('within', 'is at most 30d');
    const afterMatch = s.afterMatch ?? 'no_skip';
    if (afterMatch !== 'no_skip' && afterMatch !== 'skip_past_last_event')
      bad('afterMatch', 'must be no_skip or skip_past_last_event');
    if (typeof s.action !== 'string' || !ACTIONS.has(s.action))
      bad('action', 'must be ALLOW, CHALLENGE, REVIEW or BLOCK');
    const reason = s.reason;
    if (!isObject(reason) || typeof reason.code !== 'string' || typeof reason.message !== 'string')
      bad('reason', 'must have string code and message');
    if (s.score !== undefined && (typeof s.score !== 'number' || !Number.isFinite(s.score)))
      bad('score', 'must be a finite number');
    if (s.mode !== undefined && s.mode !== 'live' && s.mode !== 'shadow')
      bad('mode', 'must be live or shadow');
    if (s.tags !== undefined && (!Array.isArray(s.tags) || s.tags.some((t) => typeof t !== 'string')))
      bad('tags', 'must be an array of strings');

    const conditions: Predicate[] = [];
    const steps: SequenceStep[] = [];
    const names = new Set<string>();
    let pendingNotNext = 0;
    let pendingNotFollowed = 0;
    const condition = (path: string, src: unknown): number | undefined => {
      if (typeof src !== 'string') {
        bad(path, 'must be a condition string');
        return undefined;
      }
      if (conditions.length >= MAX_SEQUENCE_CONDITIONS) {
        bad(path, `a sequence holds at most ${MAX_SEQUENCE_CONDITIONS} conditions`);
        return undefined;
      }
      const c = compileExpression(src, opts);
      if ('error' in c) {
        bad(path, `${c.error.line}:${c.error.column}: ${c.error.message}`);
        return undefined;
      }
      conditions.push(c.value);
      return conditions.length - 1;
    };
    const rawSteps = s.steps;
    if (!Array.isArray(rawSteps) || rawSteps.length === 0) bad('steps', 'must be a non-empty array');
    for (const [j, st] of (Array.isArray(rawSteps) ? rawSteps : []).entries()) {
      const sp = `steps[${j}]`;
      if (!isObject(st)) {
        bad(sp, 'must be an object');
        continue;
      }
      // A negative step: a guard on the positive step after it (or, trailing, on the match's end).
      if (st.notNext !== undefined || st.notFollowedBy !== undefined) {
        for (const k of Object.keys(st))
          if (k !== 'notNext' && k !== 'notFollowedBy' && k !== 'description')
            bad(`${sp}.${k}`, 'unknown key');
        if (steps.length === 0) bad(sp, 'a sequence cannot begin with a negative step');
        else if (steps[steps.length - 1]?.optional || steps[steps.length - 1]?.min === 0)
          bad(sp, 'a negative step cannot follow an optional one (as in Flink CEP)');
        if (st.notNext !== undefined && st.notFollowedBy !== undefined)
          bad(sp, 'is either notNext or notFollowedBy');
        else if (st.notNext !== undefined) {
          const b = condition(`${sp}.notNext`, st.notNext);
          if (b !== undefined) pendingNotNext |= 1 << b;
        } else {
          const b = condition(`${sp}.notFollowedBy`, st.notFollowedBy);
          if (b !== undefined) pendingNotFollowed |= 1 << b;
        }
        continue;
      }
      for (const k of Object.keys(st))
        if (
          ![
            'name',
            'when',
            'times',
            'after',
            'consecutive',
            'allowCombinations',
            'gap',
            'description',
          ].includes(k)
        )
          bad(`${sp}.${k}`, 'unknown key');
      const name = st.name;
      if (typeof name !== 'string' || !ID.test(name))
        bad(`${sp}.name`, 'must be lower case letters, digits and _');
      else if (names.has(name)) bad(`${sp}.name`, `step ${name} named twice`);
      else names.add(name);
      const q = parseQuantifier(st.times);
      if ('error' in q) bad(`${sp}.times`, q.error);
      let contiguity: Contiguity = 'relaxed';
      if (st.after !== undefined) {
        const c = typeof st.after === 'string' ? CONTIGUITY[st.after] : undefined;
        if (c === undefined) bad(`${sp}.after`, 'must be next, followedBy or followedByAny');
        else if (steps.length === 0) bad(`${sp}.after`, 'the first step follows nothing');
        else contiguity = c;
      }
      if (st.consecutive !== undefined && typeof st.consecutive !== 'boolean')
        bad(`${sp}.consecutive`, 'must be true or false');
      if (st.allowCombinations !== undefined && typeof st.allowCombinations !== 'boolean')
        bad(`${sp}.allowCombinations`, 'must be true or false');
      if (st.consecutive === true && st.allowCombinations === true)
        bad(sp, 'is either consecutive or allowCombinations');
      const gapMs = st.gap === undefined ? undefined : parseDurationMs(st.gap);
      if (st.gap !== undefined && gapMs === undefined) bad(`${sp}.gap`, 'must be a duration such as "5m"');
      const bit = condition(`${sp}.when`, st.when);
      if (bit === undefined || 'error' in q) continue;
      steps.push({
        name: name as string,
        bit,
        min: q.min,
        max: q.max,
        optional: q.optional,
        contiguity,
        loop: st.consecutive === true ? 'strict' : st.allowCombinations === true ? 'any' : 'relaxed',
        ...(gapMs !== undefined ? { gapMs } : {}),
        notNextMask: pendingNotNext,
        notFollowedByMask: pendingNotFollowed,
      });
      pendingNotNext = 0;
      pendingNotFollowed = 0;
    }
    if (pendingNotNext !== 0)
      bad('steps', 'a sequence cannot end with notNext; end with notFollowedBy, which waits out `within`');
    if (steps.length > 0 && steps.every((x) => x.optional))
      bad('steps', 'at least one step must not be optional: an empty match would fire on nothing');
    let message: (ctx: EvalContext) => string = () => '';
    if (isObject(reason) && typeof reason.message === 'string') {
      const m = compileTemplate(reason.message, opts.schema);
      if ('error' in m) bad('reason.message', m.error);
      else message = m.value;
    }
    if (errors.length > before || typeof id !== 'string') continue;
    out.push({
      id,
      identity: `${id}@${createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 12)}`,
      key: keyRaw as string[],
      keyOf: compoundKeyOf(getters),
      withinMs: withinMs as number,
      steps,
      trailingMask: pendingNotFollowed,
      conditions,
      afterMatch: afterMatch as CompiledSequence['afterMatch'],
      action: s.action as Action,
      code: (reason as { code: string }).code,
      score: (s.score as number | undefined) ?? 0,
      mode: (s.mode as 'live' | 'shadow' | undefined) ?? 'live',
      tags: (s.tags as string[] | undefined) ?? [],
      message,
      stageFeature: stageFeatureOf(id),
    });
  }
  return errors.length > 0 ? { errors } : { value: out };
}

/** The ids a sequences document declares, read before the feature schema exists (it holds their stages). */
export function sequenceIds(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const ids = new Set<string>();
  for (const s of raw) if (isObject(s) && typeof s.id === 'string' && ID.test(s.id)) ids.add(s.id);
  return [...ids];
}
