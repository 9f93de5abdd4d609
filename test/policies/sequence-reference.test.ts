import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFeaturePlan } from '../../src/features/index.js';
import {
  type CompiledSequence,
  compileSequences,
  createListSet,
  createSequenceState,
  stageFeatureOf,
} from '../../src/policies/index.js';

/**
 * The NFA against a brute-force reading of Flink CEP's semantics: every way to assign events to the
 * pattern's steps, with contiguity as "skip till next match" (relaxed: no event in between matches
 * the awaited step), strict (adjacent) and any (no constraint), and `within` over the whole match.
 * Both must report a completed match on exactly the same events.
 */
type Contiguity = 'next' | 'followedBy' | 'followedByAny';
interface StepSpec {
  letter: 'a' | 'b' | 'c';
  min: number;
  max: number;
  after: Contiguity;
  loop: Contiguity;
}

const quantifier = (s: StepSpec) =>
  s.max === Number.POSITIVE_INFINITY ? `{${s.min},}` : s.min === s.max ? `{${s.min}}` : `{${s.min},${s.max}}`;

const plan = (() => {
  const p = compileFeaturePlan({ attributes: { name: 'string' } }, [stageFeatureOf('p')]);
  if ('errors' in p) throw new Error(p.errors.join('; '));
  return p.value;
})();

function compile(steps: readonly StepSpec[], withinS: number): CompiledSequence {
  const r = compileSequences(
    [
      {
        id: 'p',
        key: 'user.id',
        within: `${withinS}s`,
        action: 'REVIEW',
        reason: { code: 'p', message: 'p' },
        steps: steps.map((s, i) => ({
          name: `s${i}`,
          when: `attr.name == '${s.letter}'`,
          times: quantifier(s),
          ...(i > 0 ? { after: s.after } : {}),
          ...(s.loop === 'next'
            ? { consecutive: true }
            : s.loop === 'followedByAny'
              ? { allowCombinations: true }
              : {}),
        })),
      },
    ],
    { schema: plan.schema, lists: createListSet([]), now: () => 0, attributes: plan.attributes },
  );
  if ('errors' in r) throw new Error(r.errors.join('; '));
  return r.value[0] as CompiledSequence;
}

/** Indices of the events on which some match completes, by exhaustive search. */
function reference(
  steps: readonly StepSpec[],
  withinMs: number,
  letters: string[],
  times: number[],
): Set<number> {
  const done = new Set<number>();
  const free = (from: number, to: number, letter: string) => {
    for (let r = from + 1; r < to; r++) if (letters[r] === letter) return false;
    return true;
  };
  const allowed = (k: Contiguity, p: number, q: number, letter: string) =>
    k === 'next' ? q === p + 1 : k === 'followedBy' ? free(p, q, letter) : true;
  const dfs = (j: number, c: number, p: number, first: number) => {
    const s = steps[j] as StepSpec;
    if (c >= s.min) {
      if (j === steps.length - 1) done.add(p);
      else {
        const n = steps[j + 1] as StepSpec;
        for (let q = p + 1; q < letters.length; q++)
          if (
            letters[q] === n.letter &&
            allowed(n.after, p, q, n.letter) &&
            (times[q] as number) - first < withinMs
          )
            dfs(j + 1, 1, q, first);
      }
    }
    if (c < s.max)
      for (let q = p + 1; q < letters.length; q++)
        if (
          letters[q] === s.letter &&
          allowed(s.loop, p, q, s.letter) &&
          (times[q] as number) - first < withinMs
        )
          dfs(j, c + 1, q, first);
  };
  const s0 = steps[0] as StepSpec;
  for (let q = 0; q < letters.length; q++) if (letters[q] === s0.letter) dfs(0, 1, q, times[q] as number);
  return done;
}

const contiguity = fc.constantFrom<Contiguity>('next', 'followedBy', 'followedByAny');
const step = fc.record({
  letter: fc.constantFrom<'a' | 'b' | 'c'>('a', 'b', 'c'),
  bounds: fc.constantFrom(
    [1, 1],
    [2, 2],
    [1, 2],
    [2, 3],
    [1, Number.POSITIVE_INFINITY],
    [2, Number.POSITIVE_INFINITY],
  ),
  after: contiguity,
  loop: contiguity,
});

describe('sequence NFA against an exhaustive reference of Flink CEP semantics', () => {
  it('completes matches on exactly the events the reference finds', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 3 }),
        fc.array(
          fc.record({ letter: fc.constantFrom('a', 'b', 'c', 'x'), dt: fc.integer({ min: 0, max: 4 }) }),
          {
            minLength: 1,
            maxLength: 10,
          },
        ),
        fc.integer({ min: 1, max: 12 }),
        (specs, input, withinS) => {
          const steps: StepSpec[] = specs.map((s) => ({
            letter: s.letter,
            min: s.bounds[0] as number,
            max: s.bounds[1] as number,
            after: s.after,
            loop: s.loop,
          }));
          const seq = compile(steps, withinS);
          const letters = input.map((e) => e.letter);
          const times: number[] = [];
          input.reduce((t, e) => {
            times.push(t + e.dt * 1000);
            return t + e.dt * 1000;
          }, 0);
          const want = reference(steps, withinS * 1000, letters, times);
          const state = createSequenceState([seq]);
          const got = new Set<number>();
          letters.forEach((l, i) => {
            const o = state.advance(seq, 'k', l === 'x' ? 0 : maskFor(seq, l), times[i] as number);
            if (o?.matched) got.add(i);
          });
          expect([...got].sort()).toEqual([...want].sort());
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('compileSequences never throws on arbitrary definitions (fuzz)', () => {
    const opts = { schema: plan.schema, lists: createListSet([]), now: () => 0, attributes: plan.attributes };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => {
        compileSequences(doc, opts);
        compileSequences([doc], opts);
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

/** The condition bits an event named `letter` sets: every step whose condition names it. */
function maskFor(seq: CompiledSequence, letter: string): number {
  const event = {
    eventId: 'e',
    type: 'LOGIN' as const,
    account: { id: 'k' },
    network: { isProxy: false },
    device: { emulator: false, rooted: false, bot: false, incognito: false },
    attributes: { name: letter },
  };
  let mask = 0;
  seq.conditions.forEach((c, i) => {
    if (c({ event, features: new Float64Array(plan.schema.size) })) mask |= 1 << i;
  });
  return mask;
}
