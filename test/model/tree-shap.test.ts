import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createTreeShap,
  ensembleMargin,
  type Tree,
  type TreeEnsemble,
  takesYes,
} from '../../src/model/index.js';

/** A tree built from nested specs; yesFraction 0.5 unless given. */
type Spec =
  | { leaf: number }
  | { f: number; t: number; mode: number; missingYes: boolean; yf: number; yes: Spec; no: Spec };

function flatten(spec: Spec): Tree {
  const nodes: Spec[] = [];
  const index = new Map<Spec, number>();
  const walk = (s: Spec) => {
    index.set(s, nodes.length);
    nodes.push(s);
    if (!('leaf' in s)) {
      walk(s.yes);
      walk(s.no);
    }
  };
  walk(spec);
  const n = nodes.length;
  const tree = {
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    mode: new Uint8Array(n),
    yes: new Int32Array(n),
    no: new Int32Array(n),
    missingYes: new Uint8Array(n),
    yesFraction: new Float64Array(n),
    value: new Float64Array(n),
  };
  let depth = 0;
  const depthOf = (s: Spec): number => ('leaf' in s ? 0 : 1 + Math.max(depthOf(s.yes), depthOf(s.no)));
  depth = depthOf(spec);
  nodes.forEach((s, i) => {
    if ('leaf' in s) {
      tree.feature[i] = -1;
      tree.value[i] = s.leaf;
      return;
    }
    tree.feature[i] = s.f;
    tree.threshold[i] = s.t;
    tree.mode[i] = s.mode;
    tree.yes[i] = index.get(s.yes) as number;
    tree.no[i] = index.get(s.no) as number;
    tree.missingYes[i] = s.missingYes ? 1 : 0;
    tree.yesFraction[i] = s.yf;
  });
  return { ...tree, depth };
}

/**
 * The value function TreeSHAP's Shapley values are of (Lundberg et al. 2018, Algorithm 1): a node
 * on a known feature sends the row where it goes; any other sends it both ways by cover.
 */
function conditional(tree: Tree, row: ArrayLike<number>, known: number, node = 0): number {
  const f = tree.feature[node] as number;
  if (f === -1) return tree.value[node] as number;
  const yes = tree.yes[node] as number;
  const no = tree.no[node] as number;
  if ((known & (1 << f)) !== 0)
    return conditional(tree, row, known, takesYes(tree, node, row[f] as number) ? yes : no);
  const yf = tree.yesFraction[node] as number;
  return yf * conditional(tree, row, known, yes) + (1 - yf) * conditional(tree, row, known, no);
}

/** Exact Shapley values by enumerating every subset of the M features. */
function bruteForce(e: TreeEnsemble, row: ArrayLike<number>, m: number): number[] {
  const v = (known: number) => e.trees.reduce((s, t) => s + conditional(t, row, known), e.base);
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    for (let s = 0; s < 1 << m; s++) {
      if ((s & (1 << i)) !== 0) continue;
      let size = 0;
      for (let b = s; b !== 0; b >>= 1) size += b & 1;
      const w = (fact(size) * fact(m - size - 1)) / fact(m);
      phi[i] = (phi[i] as number) + w * (v(s | (1 << i)) - v(s));
    }
  }
  return phi;
}

const M = 5;
/** Thresholds and values from a small grid so rows hit equality and NaN routing often. */
const value = fc.oneof(fc.constantFrom(Number.NaN, 0, 1, 2, 3), fc.integer({ min: 0, max: 3 }));
const specArb = (depth: number): fc.Arbitrary<Spec> =>
  depth === 0
    ? fc.record({ leaf: fc.double({ min: -2, max: 2, noNaN: true }) })
    : fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({ leaf: fc.double({ min: -2, max: 2, noNaN: true }) }),
        fc.record({
          f: fc.integer({ min: 0, max: M - 1 }),
          t: fc.integer({ min: 0, max: 3 }),
          mode: fc.integer({ min: 0, max: 5 }),
          missingYes: fc.boolean(),
          yf: fc.constantFrom(0.5, 0.1, 0.25, 0.8, 0.97),
          yes: specArb(depth - 1),
          no: specArb(depth - 1),
        }),
      );
const ensembleArb = fc.record({
  trees: fc.array(specArb(5), { minLength: 1, maxLength: 4 }),
  base: fc.double({ min: -1, max: 1, noNaN: true }),
});

describe('TreeSHAP', () => {
  it('equals brute-force Shapley values of the conditional expectation, every mode, NaN routing and repeated features', () => {
    fc.assert(
      fc.property(ensembleArb, fc.array(value, { minLength: M, maxLength: M }), (spec, row) => {
        const e: TreeEnsemble = {
          width: M,
          trees: spec.trees.map(flatten),
          base: spec.base,
          link: 'sigmoid',
          covers: 'stored',
        };
        const shap = createTreeShap(e);
        const phi = new Float64Array(M);
        const margin = shap.contributions(row, phi);
        const expected = bruteForce(e, row, M);
        for (let i = 0; i < M; i++) expect(phi[i]).toBeCloseTo(expected[i] as number, 10);
        expect(margin).toBe(ensembleMargin(e, row));
        expect(shap.expectedValue).toBeCloseTo(
          e.trees.reduce((s, t) => s + conditional(t, row, 0), e.base),
          12,
        );
        // Additivity: the expectation plus every contribution is the margin.
        expect(shap.expectedValue + phi.reduce((a, b) => a + b, 0)).toBeCloseTo(margin, 10);
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('gives a stump ensemble no contributions and its value as the expectation', () => {
    const e: TreeEnsemble = {
      width: 1,
      trees: [flatten({ leaf: 0.7 })],
      base: -0.2,
      link: 'identity',
      covers: 'uniform',
    };
    const phi = new Float64Array(1);
    const shap = createTreeShap(e);
    expect(shap.contributions([3], phi)).toBeCloseTo(0.5, 15);
    expect(shap.expectedValue).toBeCloseTo(0.5, 15);
    expect(phi[0]).toBe(0);
  });
});
