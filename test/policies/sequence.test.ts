import { describe, expect, it } from 'vitest';
import type { RiskEvent } from '../../src/domain/index.js';
import { compileFeaturePlan } from '../../src/features/index.js';
import {
  type CompiledSequence,
  compileSequences,
  createListSet,
  createSequenceState,
  parseQuantifier,
  stageFeatureOf,
} from '../../src/policies/index.js';

const S = 1000;
const plan = (() => {
  const p = compileFeaturePlan({ attributes: { name: 'string' } }, [stageFeatureOf('p')]);
  if ('errors' in p) throw new Error(p.errors.join('; '));
  return p.value;
})();
const opts = {
  schema: plan.schema,
  lists: createListSet([]),
  now: () => 0,
  attributes: plan.attributes,
};

/** Flink's docs name events by letter and number: `b1` matches the step `b`. */
const is = (letter: string) => `attr.name like '${letter}%'`;

function sequence(def: Record<string, unknown>): CompiledSequence {
  const r = compileSequences(
    [
      {
        id: 'p',
        key: 'user.id',
        within: '1h',
        action: 'REVIEW',
        reason: { code: 'p', message: 'pattern p' },
        ...def,
      },
    ],
    opts,
  );
  if ('errors' in r) throw new Error(r.errors.join('; '));
  return r.value[0] as CompiledSequence;
}

const eventOf = (name: string, user = 'u1'): RiskEvent => ({
  eventId: name,
  type: 'LOGIN',
  account: { id: user },
  network: { isProxy: false },
  device: { emulator: false, rooted: false, bot: false, incognito: false },
  attributes: { name },
});

/**
 * Runs `names` through `seq` one key, event i at `times[i]` (default i seconds); returns the names
 * of the events on which a match completed, and each event's stage.
 */
function run(seq: CompiledSequence, names: readonly string[], times?: readonly number[]) {
  const state = createSequenceState([seq]);
  const fired: string[] = [];
  const stages: number[] = [];
  names.forEach((name, i) => {
    const event = eventOf(name);
    const features = new Float64Array(plan.schema.size).fill(Number.NaN);
    const t = times?.[i] ?? i * S;
    const mask = state.maskOf(seq, { event, features, t });
    const o = state.advance(seq, 'u1', mask, t);
    if (o === undefined) throw new Error('not tracked');
    stages.push(o.stage);
    if (o.matched) fired.push(name);
  });
  return { fired, stages, state };
}

describe('sequence rules: Flink CEP documented examples', () => {
  // Flink docs, "Contiguity within looping patterns" / "Combining Patterns": pattern "a b" over
  // "a", "c", "b1", "b2".
  const input = ['a', 'c', 'b1', 'b2'];
  it.each([
    ['next', [] as string[]],
    ['followedBy', ['b1']],
    ['followedByAny', ['b1', 'b2']],
  ])('"a b" with %s on a c b1 b2 matches on %j', (after, fired) => {
    const seq = sequence({
      steps: [
        { name: 'a', when: is('a') },
        { name: 'b', when: is('b'), after },
      ],
    });
    expect(run(seq, input).fired).toEqual(fired);
  });

  // Flink docs: "c a+ b" (oneOrMore, relaxed by default) over C D A1 A2 A3 D A4 B matches at B;
  // with times(3).consecutive() the D between A3 and A4 does not matter, but one between A1 and A2 does.
  it('looping contiguity: relaxed loops skip other events, consecutive ones do not', () => {
    const relaxed = sequence({
      steps: [
        { name: 'c', when: is('c') },
        { name: 'a', when: is('a'), times: '+' },
        { name: 'b', when: is('b') },
      ],
    });
    expect(run(relaxed, ['c', 'd', 'a1', 'a2', 'a3', 'd', 'a4', 'b']).fired).toEqual(['b']);
    const three = (consecutive: boolean) =>
      sequence({
        steps: [
          { name: 'c', when: is('c') },
          { name: 'a', when: is('a'), times: '{3}', consecutive },
          { name: 'b', when: is('b') },
        ],
      });
    expect(run(three(true), ['c', 'd', 'a1', 'a2', 'a3', 'd', 'a4', 'b']).fired).toEqual(['b']);
    expect(run(three(true), ['c', 'a1', 'd', 'a2', 'a3', 'b']).fired).toEqual([]);
    expect(run(three(false), ['c', 'a1', 'd', 'a2', 'a3', 'b']).fired).toEqual(['b']);
    // allowCombinations also skips matching events: any 3 of the 4 a's.
    const combos = sequence({
      steps: [
        { name: 'c', when: is('c') },
        { name: 'a', when: is('a'), times: '{3}', allowCombinations: true },
        { name: 'b', when: is('b') },
      ],
    });
    expect(run(combos, ['c', 'a1', 'a2', 'a3', 'a4', 'b']).fired).toEqual(['b']);
    expect(run(three(false), ['c', 'a1', 'a2', 'a3', 'a4', 'b']).fired).toEqual(['b']);
  });

  it('times {n,m} stops at m and needs n', () => {
    const seq = sequence({
      steps: [
        { name: 'a', when: is('a'), times: '{2,3}', consecutive: true },
        { name: 'b', when: is('b'), after: 'next' },
      ],
    });
    expect(run(seq, ['a', 'b']).fired).toEqual([]);
    expect(run(seq, ['a', 'a', 'b']).fired).toEqual(['b']);
    expect(run(seq, ['a', 'a', 'a', 'b']).fired).toEqual(['b']);
    // Four a's: the runs that started at the 2nd, 3rd or 4th a still have at most 3 before b.
    expect(run(seq, ['a', 'a', 'a', 'a', 'b']).fired).toEqual(['b']);
    expect(run(seq, ['a', 'x', 'a', 'b']).fired).toEqual([]);
  });

  it('optional steps may be skipped, and {n}? is zero or n', () => {
    const seq = sequence({
      steps: [
        { name: 'a', when: is('a') },
        { name: 'b', when: is('b'), times: '?' },
        { name: 'c', when: is('c') },
      ],
    });
    expect(run(seq, ['a', 'c']).fired).toEqual(['c']);
    expect(run(seq, ['a', 'b', 'c']).fired).toEqual(['c']);
    const zeroOrTwo = sequence({
      steps: [
        { name: 'a', when: is('a') },
        { name: 'b', when: is('b'), times: '{2}?', after: 'next', consecutive: true },
        { name: 'c', when: is('c'), after: 'next' },
      ],
    });
    expect(run(zeroOrTwo, ['a', 'c']).fired).toEqual(['c']);
    expect(run(zeroOrTwo, ['a', 'b', 'b', 'c']).fired).toEqual(['c']);
    expect(run(zeroOrTwo, ['a', 'b', 'c']).fired).toEqual([]);
  });

  it('within: the match must complete strictly inside the window (ts - start < window)', () => {
    const seq = sequence({
      within: '10s',
      steps: [
        { name: 'a', when: is('a') },
        { name: 'b', when: is('b') },
      ],
    });
    expect(run(seq, ['a', 'b'], [0, 10 * S - 1]).fired).toEqual(['b']);
    expect(run(seq, ['a', 'b'], [0, 10 * S]).fired).toEqual([]);
    // The expired partial match is gone, so the state holds nothing for the key.
    const { state } = run(seq, ['a', 'x'], [0, 10 * S]);
    expect(state.stats().runs).toBe(0);
  });

  it('a gap bound between consecutive steps (FLIP-228 PREVIOUS_AND_CURRENT)', () => {
    const seq = sequence({
      steps: [
        { name: 'a', when: is('a') },
        { name: 'b', when: is('b'), gap: '5s' },
        { name: 'c', when: is('c'), gap: '5s' },
      ],
    });
    expect(run(seq, ['a', 'b', 'c'], [0, 4 * S, 8 * S]).fired).toEqual(['c']);
    expect(run(seq, ['a', 'b', 'c'], [0, 5 * S, 8 * S]).fired).toEqual([]);
    expect(run(seq, ['a', 'b', 'c'], [0, 4 * S, 9 * S]).fired).toEqual([]);
  });

  it('notFollowedBy between steps: no forbidden event before the next step', () => {
    const seq = sequence({
      steps: [{ name: 'a', when: is('a') }, { notFollowedBy: is('c') }, { name: 'b', when: is('b') }],
    });
    expect(run(seq, ['a', 'c', 'b']).fired).toEqual([]);
    expect(run(seq, ['a', 'd', 'b']).fired).toEqual(['b']);
    // A new a after the c starts a match the c does not touch.
    expect(run(seq, ['a', 'c', 'a', 'b']).fired).toEqual(['b']);
  });

  it('notNext: only the event right after the previous step is checked', () => {
    const seq = sequence({
      steps: [{ name: 'a', when: is('a') }, { notNext: is('c') }, { name: 'b', when: is('b') }],
    });
    expect(run(seq, ['a', 'c', 'b']).fired).toEqual([]);
    expect(run(seq, ['a', 'd', 'c', 'b']).fired).toEqual(['b']);
  });

  it('a trailing notFollowedBy completes when the window passes without the forbidden event', () => {
    const seq = sequence({
      within: '10s',
      steps: [{ name: 'a', when: is('a') }, { notFollowedBy: is('b') }],
    });
    // The match completes on the key's first event at or past the window's end.
    expect(run(seq, ['a', 'x', 'y'], [0, 5 * S, 10 * S]).fired).toEqual(['y']);
    expect(run(seq, ['a', 'b', 'y'], [0, 5 * S, 11 * S]).fired).toEqual([]);
    // A b at the window's end is outside it: it does not stop the match.
    expect(run(seq, ['a', 'b'], [0, 10 * S]).fired).toEqual(['b']);
  });

  it('after a match: no_skip keeps other partial matches, skip_past_last_event drops them', () => {
    const steps = [
      { name: 'a', when: is('a') },
      { name: 'b', when: is('b'), after: 'followedByAny' },
    ];
    expect(run(sequence({ steps }), ['a', 'b1', 'b2']).fired).toEqual(['b1', 'b2']);
    expect(run(sequence({ steps, afterMatch: 'skip_past_last_event' }), ['a', 'b1', 'b2']).fired).toEqual([
      'b1',
    ]);
  });

  it('the stage is the number of steps the most advanced partial match satisfied', () => {
    const seq = sequence({
      steps: [
        { name: 'a', when: is('a'), times: '{2,}' },
        { name: 'b', when: is('b') },
        { name: 'c', when: is('c') },
      ],
    });
    expect(run(seq, ['x', 'a', 'a', 'x', 'b', 'c']).stages).toEqual([0, 0, 1, 1, 2, 3]);
  });

  it('state stays bounded however many events a loop takes', () => {
    const seq = sequence({
      steps: [
        { name: 'a', when: is('a'), times: '{3,}' },
        { name: 'b', when: is('b') },
        { name: 'c', when: is('c') },
      ],
    });
    const names = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? 'x' : 'a'));
    const { state, fired } = run(seq, [...names, 'b', 'c']);
    expect(fired).toEqual(['c']);
    expect(state.stats().runs).toBeLessThanOrEqual(8);
    expect(state.stats().evictedRuns).toBe(0);
  });

  it('replaying the journaled bits rebuilds the same state; a snapshot round-trips it', () => {
    const seq = sequence({
      within: '30s',
      steps: [
        { name: 'a', when: is('a'), times: '{2,}' },
        { notFollowedBy: is('x') },
        { name: 'b', when: is('b'), after: 'followedByAny' },
      ],
    });
    const live = createSequenceState([seq]);
    const replayed = createSequenceState([seq]);
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const user = `u${Math.floor(rnd() * 20)}`;
      const event = eventOf(['a', 'b', 'x', 'y'][Math.floor(rnd() * 4)] as string, user);
      const t = i * 700;
      const mask = live.maskOf(seq, { event, features: new Float64Array(plan.schema.size), t });
      live.advance(seq, user, mask, t);
      replayed.replay(seq.identity, event, mask, t);
    }
    expect(replayed.exportState()).toEqual(live.exportState());
    const restored = createSequenceState([seq]);
    restored.importState(live.exportState());
    expect(restored.exportState()).toEqual(live.exportState());
    expect(live.stats().keys).toBeGreaterThan(0);
  });

  it('keys beyond maxKeys evict the least recently touched', () => {
    const seq = sequence({
      steps: [
        { name: 'a', when: is('a') },
        { name: 'b', when: is('b') },
      ],
    });
    const state = createSequenceState([seq], { maxKeys: 3 });
    for (const u of ['u1', 'u2', 'u3', 'u4']) state.advance(seq, u, 1, 0);
    expect(state.has(seq, 'u1')).toBe(false);
    expect(state.has(seq, 'u4')).toBe(true);
    expect(state.stats()).toMatchObject({ keys: 3, evictedKeys: 1 });
  });

  it('adopt keeps the state of unchanged definitions only', () => {
    const a = sequence({
      steps: [
        { name: 'a', when: is('a') },
        { name: 'b', when: is('b') },
      ],
    });
    const changed = sequence({
      steps: [
        { name: 'a', when: is('a') },
        { name: 'b', when: is('c') },
      ],
    });
    const state = createSequenceState([a]);
    state.advance(a, 'u1', 1, 0);
    state.adopt([a]);
    expect(state.has(a, 'u1')).toBe(true);
    state.adopt([changed]);
    expect(state.has(changed, 'u1')).toBe(false);
    expect(state.advance(a, 'u1', 1, 0)).toBeUndefined();
  });
});

describe('sequence rules: definitions', () => {
  it.each([
    ['{3}', { min: 3, max: 3, optional: false }],
    ['{2,4}', { min: 2, max: 4, optional: false }],
    ['{3,}', { min: 3, max: Number.POSITIVE_INFINITY, optional: false }],
    ['+', { min: 1, max: Number.POSITIVE_INFINITY, optional: false }],
    ['*', { min: 1, max: Number.POSITIVE_INFINITY, optional: true }],
    ['?', { min: 1, max: 1, optional: true }],
    ['{2}?', { min: 2, max: 2, optional: true }],
  ])('quantifier %s', (q, want) => expect(parseQuantifier(q)).toEqual(want));

  it.each(['{0}', '{3,2}', '{a}', '3', '{1,2', 7])('quantifier %j is refused', (q) =>
    expect(parseQuantifier(q)).toHaveProperty('error'),
  );

  const base = {
    id: 'p',
    key: 'user.id',
    within: '1h',
    action: 'REVIEW',
    reason: { code: 'p', message: 'm' },
    steps: [{ name: 'a', when: is('a') }],
  };
  it.each([
    [{ within: undefined }, 'sequences[0].within: is required'],
    [{ within: '31d' }, 'sequences[0].within: is at most 30d'],
    [{ key: 'amount' }, 'sequences[0].key[0]: "amount" is not a text field'],
    [{ action: 'DENY' }, 'sequences[0].action: must be'],
    [{ afterMatch: 'skip_to_first' }, 'sequences[0].afterMatch'],
    [{ steps: [] }, 'sequences[0].steps: must be a non-empty array'],
    [{ steps: [{ notNext: is('a') }, { name: 'a', when: is('a') }] }, 'cannot begin with a negative step'],
    [{ steps: [{ name: 'a', when: is('a') }, { notNext: is('b') }] }, 'cannot end with notNext'],
    [
      {
        steps: [
          { name: 'a', when: is('a') },
          { name: 'b', when: is('b'), times: '?' },
          { notFollowedBy: is('c') },
        ],
      },
      'cannot follow an optional one',
    ],
    [{ steps: [{ name: 'a', when: "attr.name == 'a' and" }] }, 'sequences[0].steps[0].when: 1:21:'],
    [{ steps: [{ name: 'a', when: is('a'), times: '{0,2}' }] }, 'steps[0].times'],
    [{ steps: [{ name: 'a', when: is('a'), after: 'next' }] }, 'the first step follows nothing'],
    [{ steps: [{ name: 'a', when: is('a'), gap: 'soon' }] }, 'steps[0].gap'],
    [{ steps: [{ name: 'a', when: is('a'), times: '?' }] }, 'at least one step must not be optional'],
    [{ steps: [{ name: 'a', when: is('a'), colour: 1 }] }, 'steps[0].colour: unknown key'],
    [{ reason: { code: 'p', message: '{nope}' } }, 'reason.message: unknown placeholder {nope}'],
  ])('%j is refused with %s', (patch, message) => {
    const r = compileSequences([{ ...base, ...patch }], opts);
    expect('errors' in r ? r.errors.join('\n') : 'compiled').toContain(message);
  });
});
