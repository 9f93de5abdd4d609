import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  confusionAt,
  prAuc,
  precisionAtThreshold,
  recallAtReviewRate,
  rocAuc,
} from '../../src/model/train/index.js';

interface Case {
  name: string;
  scores: number[];
  labels: number[];
  auc: number;
  ap: number;
}

const rankingCases: Case[] = [
  { name: 'sklearn docs example', scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1], auc: 0.75, ap: 5 / 6 },
  { name: 'perfect ranking', scores: [0.9, 0.8, 0.1], labels: [1, 1, 0], auc: 1, ap: 1 },
  // Descending: neg (P=0), pos (P=1/2, +1/2 recall), pos (P=2/3, +1/2 recall).
  { name: 'inverted ranking', scores: [0.1, 0.2, 0.9], labels: [1, 1, 0], auc: 0, ap: 0.25 + 1 / 3 },
  { name: 'all tied', scores: [0.5, 0.5, 0.5, 0.5], labels: [0, 1, 0, 1], auc: 0.5, ap: 0.5 },
  // Positive beats one negative and ties the other: (1 + 0.5) / 2.
  { name: 'partial tie', scores: [1, 1, 0], labels: [1, 0, 0], auc: 0.75, ap: 0.5 },
  // Pairs (pos, neg): (3,1) win, (3,2) win, (2,1) win, (2,2) tie -> 3.5/4; AP: {3:+} P=1, {2:+,-} P=2/3.
  {
    name: 'ties across classes',
    scores: [3, 2, 2, 1],
    labels: [1, 1, 0, 0],
    auc: 0.875,
    ap: 0.5 + (0.5 * 2) / 3,
  },
];

describe('rocAuc / prAuc', () => {
  it.each(rankingCases)('$name', ({ scores, labels, auc, ap }) => {
    expect(rocAuc(scores, labels)).toBeCloseTo(auc, 12);
    expect(prAuc(scores, labels)).toBeCloseTo(ap, 12);
    expect(rocAuc(Float32Array.from(scores), Uint8Array.from(labels))).toBeCloseTo(auc, 6);
  });

  it('is NaN when a class is missing and rejects bad input', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(rocAuc([0.1, 0.2], [0, 0])).toBeNaN();
    expect(prAuc([0.1, 0.2], [0, 0])).toBeNaN();
    expect(prAuc([0.1, 0.2], [1, 1])).toBe(1);
    expect(() => rocAuc([0.1], [1, 0])).toThrow(RangeError);
    expect(() => rocAuc([0.1, Number.NaN], [1, 0])).toThrow(RangeError);
    expect(() => rocAuc([0.1, 0.2], [1, 2])).toThrow(RangeError);
  });
});

describe('recallAtReviewRate', () => {
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0];
  const labels = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0];

  it.each([
    { rate: 0, recall: 0 },
    { rate: 0.1, recall: 1 / 3 },
    { rate: 0.2, recall: 1 / 3 },
    { rate: 0.3, recall: 2 / 3 },
    { rate: 0.5, recall: 2 / 3 },
    { rate: 0.6, recall: 1 },
    { rate: 1, recall: 1 },
    // Capacity 0.5 of the top row, which is positive.
    { rate: 0.05, recall: 0.5 / 3 },
  ])('rate $rate -> recall $recall', ({ rate, recall }) => {
    expect(recallAtReviewRate(scores, labels, rate)).toBeCloseTo(recall, 12);
  });

  it('credits a tie block straddling the cut-off pro rata', () => {
    // Capacity 3: the 0.9 row, then 2 of the 4 rows tied at 0.5 (2 positives among them) -> 1 expected TP.
    const s = [0.9, 0.5, 0.5, 0.5, 0.5, 0.1];
    const l = [0, 1, 1, 0, 0, 1];
    expect(recallAtReviewRate(s, l, 0.5)).toBeCloseTo(1 / 3, 12);
    expect(recallAtReviewRate(s, l, 5 / 6)).toBeCloseTo(2 / 3, 12);
  });

  it('rejects rates outside [0, 1] and is NaN without positives', () => {
    expect(() => recallAtReviewRate(scores, labels, 1.5)).toThrow(RangeError);
    expect(() => recallAtReviewRate(scores, labels, Number.NaN)).toThrow(RangeError);
    expect(recallAtReviewRate([0.2, 0.1], [0, 0], 0.5)).toBeNaN();
  });
});

describe('precisionAtThreshold / confusionAt', () => {
  const scores = [0.9, 0.8, 0.7, 0.6];
  const labels = [1, 0, 1, 0];

  it.each([
    { threshold: 0.7, precision: 2 / 3, confusion: { tp: 2, fp: 1, tn: 1, fn: 0 } },
    { threshold: 0.8, precision: 1 / 2, confusion: { tp: 1, fp: 1, tn: 1, fn: 1 } },
    { threshold: 0.85, precision: 1, confusion: { tp: 1, fp: 0, tn: 2, fn: 1 } },
    { threshold: 0, precision: 1 / 2, confusion: { tp: 2, fp: 2, tn: 0, fn: 0 } },
    { threshold: 0.95, precision: Number.NaN, confusion: { tp: 0, fp: 0, tn: 2, fn: 2 } },
  ])('threshold $threshold (inclusive)', ({ threshold, precision, confusion }) => {
    expect(confusionAt(scores, labels, threshold)).toEqual(confusion);
    const p = precisionAtThreshold(scores, labels, threshold);
    if (Number.isNaN(precision)) expect(p).toBeNaN();
    else expect(p).toBeCloseTo(precision, 12);
  });
});

/** Scores drawn from a few integer levels so ties are common; at least one row of each class. */
const labelled = fc
  .array(fc.tuple(fc.integer({ min: -4, max: 4 }), fc.integer({ min: 0, max: 1 })), {
    minLength: 2,
    maxLength: 60,
  })
  .filter((rows) => rows.some(([, l]) => l === 1) && rows.some(([, l]) => l === 0))
  .map((rows) => ({ scores: rows.map(([s]) => s), labels: rows.map(([, l]) => l) }));

function bruteForceAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((sn, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('metric properties', () => {
  it('AUC equals the pairwise win rate (ties count 1/2)', () => {
    fc.assert(
      fc.property(labelled, ({ scores, labels }) => {
        expect(rocAuc(scores, labels)).toBeCloseTo(bruteForceAuc(scores, labels), 12);
      }),
    );
  });

  it('AUC of negated scores is 1 - AUC', () => {
    fc.assert(
      fc.property(labelled, ({ scores, labels }) => {
        expect(
          rocAuc(
            scores.map((s) => -s),
            labels,
          ),
        ).toBeCloseTo(1 - rocAuc(scores, labels), 12);
      }),
    );
  });

  it('AUC with distinct scores is 1 - AUC of reversed ranks', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 2, maxLength: 50 }),
        fc.infiniteStream(fc.integer({ min: 0, max: 1 })),
        (scores, bits) => {
          const labels = scores.map(() => bits.next().value as number);
          labels[0] = 1;
          labels[1] = 0;
          const auc = rocAuc(scores, labels);
          expect(
            rocAuc(
              scores.map((s) => -s),
              labels,
            ),
          ).toBeCloseTo(1 - auc, 12);
          // Monotone transform preserves ranking.
          expect(
            rocAuc(
              scores.map((s) => Math.atan(s / 1e3)),
              labels,
            ),
          ).toBeCloseTo(auc, 12);
        },
      ),
    );
  });

  it('metrics do not depend on row order', () => {
    fc.assert(
      fc.property(labelled, fc.integer({ min: 1, max: 1000 }), ({ scores, labels }, shift) => {
        const k = shift % scores.length;
        const rot = <T>(a: T[]) => [...a.slice(k), ...a.slice(0, k)];
        expect(rocAuc(rot(scores), rot(labels))).toBeCloseTo(rocAuc(scores, labels), 12);
        expect(prAuc(rot(scores), rot(labels))).toBeCloseTo(prAuc(scores, labels), 12);
        expect(recallAtReviewRate(rot(scores), rot(labels), 0.3)).toBeCloseTo(
          recallAtReviewRate(scores, labels, 0.3),
          12,
        );
      }),
    );
  });

  it('recall@rate is monotone in rate, in [0, 1], and reaches 1 at rate 1', () => {
    fc.assert(
      fc.property(labelled, fc.double({ min: 0, max: 1, noNaN: true }), ({ scores, labels }, r) => {
        const a = recallAtReviewRate(scores, labels, r * 0.5);
        const b = recallAtReviewRate(scores, labels, r);
        expect(a).toBeGreaterThanOrEqual(0);
        expect(b).toBeGreaterThanOrEqual(a - 1e-12);
        expect(b).toBeLessThanOrEqual(1 + 1e-12);
        expect(recallAtReviewRate(scores, labels, 1)).toBeCloseTo(1, 12);
      }),
    );
  });

  it('average precision lies in (0, 1] and the confusion matrix is consistent', () => {
    fc.assert(
      fc.property(labelled, fc.integer({ min: -5, max: 5 }), ({ scores, labels }, t) => {
        const ap = prAuc(scores, labels);
        expect(ap).toBeGreaterThan(0);
        expect(ap).toBeLessThanOrEqual(1 + 1e-12);
        const c = confusionAt(scores, labels, t);
        const positives = labels.filter((l) => l === 1).length;
        expect(c.tp + c.fn).toBe(positives);
        expect(c.tp + c.fp + c.tn + c.fn).toBe(scores.length);
      }),
    );
  });
});
