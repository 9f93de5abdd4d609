/**
 * The trainer's evaluation report: ranking metrics, recall at review budgets, a calibration table and
 * feature importance per model, written as JSON (for machines and diffs) and markdown (for people).
 * Nothing time- or machine-dependent goes in, so equal runs write equal bytes.
 */
import { prAuc, recallAtReviewRate, rocAuc } from './metrics.js';

/** Shares of traffic reviewed at which recall is reported. */
export const REVIEW_RATES = [0.005, 0.01, 0.05] as const;

/** One bin of the calibration table (predicted probability in [from, to)). */
export interface CalibrationBin {
  readonly from: number;
  readonly to: number;
  readonly rows: number;
  readonly meanPredicted: number | null;
  readonly observedRate: number | null;
}

/** One feature's importance, normalised so a model's importances sum to 1. */
export interface Importance {
  readonly feature: string;
  readonly importance: number;
}

/** Held-out metrics of one model. */
export interface ModelEvaluation {
  readonly rocAuc: number;
  readonly prAuc: number;
  /** Recall when the top 0.5 %, 1 % and 5 % of rows by score are reviewed (keys '0.5%', '1%', '5%'). */
  readonly recallAtReviewed: Readonly<Record<string, number>>;
  readonly calibration: readonly CalibrationBin[];
  readonly importance: readonly Importance[];
}

/** The whole report. */
export interface TrainingReport {
  readonly data: Readonly<Record<string, unknown>>;
  readonly split: Readonly<Record<string, unknown>>;
  readonly gbdt: ModelEvaluation & { readonly params: Readonly<Record<string, unknown>> };
  readonly logistic: ModelEvaluation & { readonly params: Readonly<Record<string, unknown>> };
  /** Largest |trainer score - onnxruntime score| over the held-out rows. */
  readonly onnxMaxAbsDiff: number;
}

/** Rounds to 6 significant digits: enough to compare, short enough to read. */
export function round6(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

/** Evaluates held-out scores; `importance` is raw (normalised here) and named by `names`. */
export function evaluateModel(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  importance: ArrayLike<number>,
  names: readonly string[],
  bins = 10,
): ModelEvaluation {
  const recallAtReviewed: Record<string, number> = {};
  for (const rate of REVIEW_RATES) {
    recallAtReviewed[`${rate * 100}%`] = round6(recallAtReviewRate(scores, labels, rate));
  }
  let total = 0;
  for (let i = 0; i < importance.length; i++) total += importance[i] as number;
  const ranked = names
    .map((feature, i) => ({ feature, importance: total > 0 ? round6((importance[i] as number) / total) : 0 }))
    .sort((a, b) => b.importance - a.importance || (a.feature < b.feature ? -1 : 1));
  return {
    rocAuc: round6(rocAuc(scores, labels)),
    prAuc: round6(prAuc(scores, labels)),
    recallAtReviewed,
    calibration: calibrationTable(scores, labels, bins),
    importance: ranked,
  };
}

/** Equal-width probability bins with the mean prediction and the observed positive rate in each. */
export function calibrationTable(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): CalibrationBin[] {
  const n = new Float64Array(bins);
  const sum = new Float64Array(bins);
  const pos = new Float64Array(bins);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
    n[b] = (n[b] as number) + 1;
    sum[b] = (sum[b] as number) + s;
    pos[b] = (pos[b] as number) + (labels[i] as number);
  }
  return Array.from({ length: bins }, (_, b) => {
    const rows = n[b] as number;
    return {
      from: round6(b / bins),
      to: round6((b + 1) / bins),
      rows,
      meanPredicted: rows > 0 ? round6((sum[b] as number) / rows) : null,
      observedRate: rows > 0 ? round6((pos[b] as number) / rows) : null,
    };
  });
}

/** Renders the report as markdown. */
export function renderReportMarkdown(r: TrainingReport): string {
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
  const lines: string[] = [];
  lines.push('# Training report', '');
  lines.push('## Data and split', '');
  for (const [k, v] of Object.entries({ ...r.data, ...r.split })) lines.push(`- ${k}: ${fmt(v)}`);
  lines.push('', '## Held-out metrics', '');
  lines.push('| metric | GBDT | logistic regression |', '| --- | ---: | ---: |');
  lines.push(`| ROC-AUC | ${r.gbdt.rocAuc.toFixed(4)} | ${r.logistic.rocAuc.toFixed(4)} |`);
  lines.push(`| PR-AUC (average precision) | ${r.gbdt.prAuc.toFixed(4)} | ${r.logistic.prAuc.toFixed(4)} |`);
  for (const k of Object.keys(r.gbdt.recallAtReviewed)) {
    lines.push(
      `| recall at ${k} reviewed | ${pct(r.gbdt.recallAtReviewed[k] as number)} | ${pct(r.logistic.recallAtReviewed[k] as number)} |`,
    );
  }
  lines.push(
    '',
    `ONNX check: largest |trainer - onnxruntime| score difference on held-out rows ${r.onnxMaxAbsDiff}.`,
  );
  for (const [title, m] of [
    ['GBDT', r.gbdt],
    ['Logistic regression', r.logistic],
  ] as const) {
    lines.push('', `## ${title}`, '', `Parameters: ${fmt(m.params)}`, '', '### Calibration', '');
    lines.push('| predicted | rows | mean predicted | observed rate |', '| --- | ---: | ---: | ---: |');
    for (const b of m.calibration) {
      lines.push(
        `| ${b.from.toFixed(1)}–${b.to.toFixed(1)} | ${b.rows} | ${b.meanPredicted === null ? '' : b.meanPredicted.toFixed(4)} | ${b.observedRate === null ? '' : b.observedRate.toFixed(4)} |`,
      );
    }
    lines.push('', '### Feature importance', '', '| feature | share |', '| --- | ---: |');
    for (const f of m.importance) lines.push(`| ${f.feature} | ${pct(f.importance)} |`);
  }
  return `${lines.join('\n')}\n`;
}

function fmt(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
