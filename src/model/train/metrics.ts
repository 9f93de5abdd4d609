/**
 * Ranking and threshold metrics for binary risk scores (label 1 = fraud). Tied scores are treated as one
 * block, so results never depend on the arbitrary order of equal scores.
 */

/** Confusion counts when rows with `score >= threshold` are flagged. */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** ROC AUC (Mann-Whitney, ties count 1/2); NaN when either class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { positives, negatives } = checkInputs(scores, labels);
  if (positives === 0 || negatives === 0) return Number.NaN;
  let negAbove = 0;
  let sum = 0;
  forEachTieGroup(scores, labels, (pos, neg) => {
    sum += pos * (negatives - negAbove - neg + 0.5 * neg);
    negAbove += neg;
    return true;
  });
  return sum / (positives * negatives);
}

/** Average precision (area under the PR curve, step-wise as in scikit-learn); NaN without positives. */
export function prAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { positives } = checkInputs(scores, labels);
  if (positives === 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  forEachTieGroup(scores, labels, (pos, neg) => {
    tp += pos;
    fp += neg;
    if (pos > 0) ap += (pos / positives) * (tp / (tp + fp));
    return true;
  });
  return ap;
}

/**
 * Recall when the top `rate` fraction of rows by score is reviewed; a tie block straddling the cut-off is
 * credited pro rata (the expected recall under random tie-breaking). NaN without positives.
 */
export function recallAtReviewRate(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  rate: number,
): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`rate must be in [0, 1], got ${rate}`);
  const { positives } = checkInputs(scores, labels);
  if (positives === 0) return Number.NaN;
  // Rounding away float noise (0.1 * 30 = 3.0000000000000004) keeps integer capacities exact.
  let capacity = Math.round(rate * scores.length * 1e9) / 1e9;
  let tp = 0;
  forEachTieGroup(scores, labels, (pos, neg) => {
    const size = pos + neg;
    if (capacity >= size) {
      tp += pos;
      capacity -= size;
      return capacity > 0;
    }
    tp += (pos * capacity) / size;
    return false;
  });
  return tp / positives;
}

/** Precision among rows with `score >= threshold`; NaN when nothing is flagged. */
export function precisionAtThreshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): number {
  const { tp, fp } = confusionAt(scores, labels, threshold);
  return tp + fp === 0 ? Number.NaN : tp / (tp + fp);
}

/** Confusion matrix when rows with `score >= threshold` are flagged. */
export function confusionAt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): Confusion {
  checkInputs(scores, labels);
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const flagged = (scores[i] as number) >= threshold;
    if (labels[i] === 1) {
      if (flagged) c.tp++;
      else c.fn++;
    } else if (flagged) c.fp++;
    else c.tn++;
  }
  return c;
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>) {
  if (scores.length !== labels.length) {
    throw new RangeError(`scores has ${scores.length} entries but labels has ${labels.length}`);
  }
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l !== 0 && l !== 1) throw new RangeError(`label at ${i} must be 0 or 1, got ${l}`);
    if (Number.isNaN(scores[i])) throw new RangeError(`score at ${i} is NaN`);
    positives += l;
  }
  return { positives, negatives: labels.length - positives };
}

/** Visits blocks of equal score from highest to lowest with their (positive, negative) counts. */
function forEachTieGroup(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  visit: (pos: number, neg: number) => boolean,
): void {
  const n = scores.length;
  const s = Float64Array.from(scores);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (s[b] as number) - (s[a] as number) || a - b);
  let i = 0;
  while (i < n) {
    const v = s[order[i] as number] as number;
    let pos = 0;
    let neg = 0;
    while (i < n && s[order[i] as number] === v) {
      if (labels[order[i] as number] === 1) pos++;
      else neg++;
      i++;
    }
    if (!visit(pos, neg)) return;
  }
}
