/**
 * Trains a bundle-ready model on any labelled CSV: reads it into typed columns, splits it (seeded),
 * trains the GBDT (native categorical splits, early stopping on a seeded validation share of the
 * training rows) and a logistic-regression baseline on the same rows, checks the ONNX export against
 * the trainer in onnxruntime, and writes model/model.onnx, model/manifest.json,
 * features.attributes.json, report.json and report.md into one folder.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EVENT_FEATURE_NAMES } from '../../features/index.js';
import type { ManifestFeature, ModelManifest } from '../manifest.js';
import { ort } from '../onnxruntime.js';
import { type CsvColumn, type CsvTable, readCsv } from './csv-reader.js';
import { featureImportance, type GbdtModel, predictGbdt, trainGbdt } from './gbdt.js';
import { logisticImportance, predictLogistic, trainLogistic } from './logistic.js';
import { mulberry32 } from './mulberry32.js';
import { exportGbdtToOnnx } from './onnx-export.js';
import { evaluateModel, renderReportMarkdown, round6, type TrainingReport } from './report.js';

/** Trainer options; only data, label and out are required. Defaults follow scikit-learn's HistGradientBoosting. */
export interface TrainCsvOptions {
  readonly data: string;
  readonly label: string;
  readonly out: string;
  readonly columns?: readonly string[];
  readonly exclude?: readonly string[];
  readonly categorical?: readonly string[];
  /** Default 42. */
  readonly seed?: number;
  /** Held-out share for the report. Default 0.3. */
  readonly testFraction?: number;
  /** 'random' (seeded, default) or 'last': the last rows of the file are held out (time order). */
  readonly split?: 'random' | 'last';
  /** Share of the training rows held out for early stopping. Default 0.1. */
  readonly validationFraction?: number;
  /** 'auto' (on when more than 10,000 training rows, as scikit-learn), 'on' or 'off'. */
  readonly earlyStopping?: 'auto' | 'on' | 'off';
  /** Rounds without validation improvement before stopping. Default 10. */
  readonly nIterNoChange?: number;
  /** 'none' (default) or 'balanced' (each class weighs half of the total). */
  readonly classWeight?: 'none' | 'balanced';
  /** Maximum boosting rounds. Default 100. */
  readonly maxIter?: number;
  /** Default 0.1. */
  readonly learningRate?: number;
  /** Default 5 (at most 32 leaves, close to scikit-learn's 31 leaf nodes). */
  readonly maxDepth?: number;
  /** Default 20. */
  readonly minSamplesLeaf?: number;
  /** L2 on leaf values. Default 0. */
  readonly l2?: number;
  /** Bins per numeric feature. Default 255. */
  readonly maxBins?: number;
  /** The command line recorded in the manifest. */
  readonly command?: string;
}

/** What a run wrote and measured. */
export interface TrainCsvResult {
  /** The trained GBDT (the reference scorer the ONNX file is checked against). */
  readonly model: GbdtModel;
  readonly report: TrainingReport;
  readonly manifest: ModelManifest;
  readonly files: readonly string[];
  readonly warnings: readonly string[];
}

/** Trains on a CSV and writes the bundle-ready folder `options.out`. */
export async function trainCsv(
  options: TrainCsvOptions,
  log: (line: string) => void = () => {},
): Promise<TrainCsvResult> {
  const seed = options.seed ?? 42;
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const testFraction = options.testFraction ?? 0.3;
  const validationFraction = options.validationFraction ?? 0.1;
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError('--test-fraction must be in (0, 1)');
  if (!(validationFraction > 0 && validationFraction < 1))
    throw new RangeError('--validation-fraction must be in (0, 1)');

  const table = await readCsv(options.data, {
    label: options.label,
    // A categorical column's codes are its bins, and the trainer keeps one bin for unseen codes.
    maxCategories: (options.maxBins ?? 255) - 1,
    ...(options.columns ? { columns: options.columns } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.categorical ? { categorical: options.categorical } : {}),
  });
  for (const w of table.warnings) log(`warning: ${w}`);
  const n = table.nRows;
  log(
    `read ${n} rows, ${table.columns.length} feature columns (${table.columns.filter((c) => c.kind === 'categorical').length} categorical) at ${since()}`,
  );

  const { kept: train, held: test } = splitRows(n, testFraction, options.split ?? 'random', seed);
  const early = options.earlyStopping ?? 'auto';
  const useEarly = early === 'on' || (early === 'auto' && train.length > 10_000);
  const { kept: fit, held: valid } = useEarly
    ? splitRows(train.length, validationFraction, 'random', seed + 1, train)
    : { kept: train, held: new Uint32Array(0) };
  const labelsOf = (rows: Uint32Array) => {
    const y = new Uint8Array(rows.length);
    rows.forEach((r, i) => {
      y[i] = table.labels[r] as number;
    });
    return y;
  };
  const yFit = labelsOf(fit);
  const classWeight = options.classWeight === 'balanced' ? balancedWeights(yFit) : undefined;

  const names = featureNames(table.columns);
  const categorical = table.columns.flatMap((c, j) => (c.kind === 'categorical' ? [j] : []));
  const params = {
    nTrees: options.maxIter ?? 100,
    learningRate: options.learningRate ?? 0.1,
    maxDepth: options.maxDepth ?? 5,
    minSamplesLeaf: options.minSamplesLeaf ?? 20,
    l2: options.l2 ?? 0,
    maxBins: options.maxBins ?? 255,
    seed,
  };
  const model = trainGbdt({ columns: gather(table, fit), nRows: fit.length }, yFit, {
    ...params,
    featureNames: names,
    categorical,
    ...(classWeight ? { classWeight } : {}),
    ...(useEarly
      ? {
          validation: {
            input: { columns: gather(table, valid), nRows: valid.length },
            labels: labelsOf(valid),
          },
          earlyStoppingRounds: options.nIterNoChange ?? 10,
        }
      : {}),
  });
  log(
    `GBDT: ${model.trees.length} trees${model.earlyStopping ? ` (early stopping after ${model.earlyStopping.validationLoss.length} rounds)` : ''} at ${since()}`,
  );

  const yTest = labelsOf(test);
  const testMatrix = rowMajor(table, test);
  const nf = table.columns.length;
  const gbdtScores = Float64Array.from({ length: test.length }, (_, i) =>
    predictGbdt(model, testMatrix.subarray(i * nf, (i + 1) * nf)),
  );

  const lrParams = { epochs: 8, learningRate: 0.01, l2: 1e-4, batchSize: 512, seed };
  const lrColumns = table.columns.map((c) => ({
    kind: c.kind,
    values: c.values,
    ...(c.kind === 'categorical' ? { nCategories: c.categories.length } : {}),
  }));
  // The baseline trains on every training row (it has no early stopping to feed).
  const lr = trainLogistic(lrColumns, table.labels, train, {
    ...lrParams,
    ...(classWeight ? { classWeight } : {}),
  });
  const lrScores = Float64Array.from(test, (r) => predictLogistic(lr, lrColumns, r));
  log(`logistic baseline at ${since()}`);

  const digest = createHash('sha256').update(JSON.stringify(model)).digest('hex').slice(0, 10);
  const version = `gbdt-csv-s${seed}-${digest}`;
  const bytes = exportGbdtToOnnx(model, {
    version,
    docString: 'risk model trained by npm run train -- --data',
  });
  const onnxMaxAbsDiff = await onnxParity(bytes, testMatrix, test.length, nf, gbdtScores);
  log(`onnxruntime check at ${since()}`);

  const positives = table.labels.reduce((a, b) => a + b, 0);
  const report: TrainingReport = {
    data: {
      file: options.data.split(/[\\/]/).pop() ?? options.data,
      rows: n,
      positives,
      positiveRate: round6(positives / n),
      label: options.label,
      features: table.columns.map((c) => describeColumn(c, n)),
    },
    split: {
      method: options.split ?? 'random',
      seed,
      trainRows: train.length,
      testRows: test.length,
      earlyStopping: useEarly
        ? {
            validationRows: valid.length,
            nIterNoChange: options.nIterNoChange ?? 10,
            roundsRun: model.earlyStopping?.validationLoss.length ?? 0,
            treesKept: model.trees.length,
          }
        : 'off',
      classWeight: classWeight ? classWeight.map(round6) : 'none',
    },
    gbdt: {
      params: { ...params, trees: model.trees.length },
      ...evaluateModel(gbdtScores, yTest, featureImportance(model), names),
    },
    logistic: {
      params: {
        ...lrParams,
        encoding: 'standardised numeric, mean + missing indicator, one-hot categorical',
      },
      ...evaluateModel(lrScores, yTest, logisticImportance(lr), names),
    },
    onnxMaxAbsDiff: round6(onnxMaxAbsDiff),
  };
  if (onnxMaxAbsDiff > 1e-5) throw new Error(`ONNX export disagrees with the trainer by ${onnxMaxAbsDiff}`);

  const manifest = buildManifest(model, table, names, gbdtScores, version, report, options);
  const out = options.out;
  await mkdir(join(out, 'model'), { recursive: true });
  const files = [
    join(out, 'model', 'model.onnx'),
    join(out, 'model', 'manifest.json'),
    join(out, 'features.attributes.json'),
    join(out, 'report.json'),
    join(out, 'report.md'),
  ] as const;
  await writeFile(files[0], bytes);
  await writeFile(files[1], `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(files[2], `${JSON.stringify(attributeSnippet(table, names), null, 2)}\n`);
  await writeFile(files[3], `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files[4], renderReportMarkdown(report));
  return { model, report, manifest, files, warnings: table.warnings };
}

/** Bundle feature names: a built-in event feature when the column is named like one, else `attr.<name>`. */
export function featureNames(columns: readonly CsvColumn[]): string[] {
  const used = new Set<string>();
  return columns.map((c) => {
    let name =
      c.kind === 'numeric' && EVENT_FEATURE_NAMES.includes(c.name)
        ? c.name
        : `attr.${c.name
            .replace(/[^A-Za-z0-9_]/g, '_')
            .replace(/^(?=[0-9])/, '_')
            .slice(0, 64)}`;
    while (used.has(name)) name = `${name}_`;
    used.add(name);
    return name;
  });
}

function describeColumn(c: CsvColumn, n: number) {
  return c.kind === 'numeric'
    ? { name: c.name, kind: c.kind, missingRate: round6(c.missing / n) }
    : {
        name: c.name,
        kind: c.kind,
        missingRate: round6(c.missing / n),
        categories: c.categories.length,
        distinct: c.distinct,
      };
}

/** features.json additions the bundle needs: each attribute's type, and each categorical one's codes. */
function attributeSnippet(table: CsvTable, names: readonly string[]) {
  const attributes: Record<string, string> = {};
  const categories: Record<string, string[]> = {};
  table.columns.forEach((c, j) => {
    const name = names[j] as string;
    if (!name.startsWith('attr.')) return;
    const attr = name.slice(5);
    attributes[attr] = c.kind === 'numeric' ? 'number' : 'string';
    if (c.kind === 'categorical') categories[attr] = [...c.categories];
  });
  return { attributes, categories };
}

function buildManifest(
  model: GbdtModel,
  table: CsvTable,
  names: readonly string[],
  scores: Float64Array,
  version: string,
  report: TrainingReport,
  options: TrainCsvOptions,
): ModelManifest {
  const sorted = Float64Array.from(scores).sort();
  const quantile = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  // Review the top 1 % of held-out traffic and block the top 0.1 %: a starting point to tune.
  const block = Math.min(0.999, round6(quantile(0.999)));
  const review = Math.min(block, round6(quantile(0.99)));
  const features: ManifestFeature[] = names.map((name) => ({ name, default: null, transform: 'identity' }));
  return {
    version,
    file: 'model.onnx',
    input: 'features',
    output: 'score',
    features,
    thresholds: { review, block },
    training: {
      command: options.command ?? 'npm run train -- --data',
      algorithm: `gradient-boosted trees, logistic loss, ${model.trees.length} trees, depth ${model.params.maxDepth}`,
      data: `${report.data.file}, ${table.nRows} rows, ${options.split ?? 'random'} split`,
      evaluation: {
        rocAuc: report.gbdt.rocAuc,
        prAuc: report.gbdt.prAuc,
        recallAtReviewed: report.gbdt.recallAtReviewed,
        baselineRocAuc: report.logistic.rocAuc,
      },
    },
  };
}

/** Splits row indices [0, n) (or `of[...]`) into a kept part and a held-out `fraction`. */
function splitRows(n: number, fraction: number, method: 'random' | 'last', seed: number, of?: Uint32Array) {
  const ids = Uint32Array.from({ length: n }, (_, i) => (of ? (of[i] as number) : i));
  const nHeld = Math.max(1, Math.round(n * fraction));
  if (method === 'random') {
    const rand = mulberry32(seed);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = ids[i] as number;
      ids[i] = ids[j] as number;
      ids[j] = t;
    }
  }
  // Sorted, so every later pass reads the columns in file order.
  return { kept: ids.slice(0, n - nHeld).sort(), held: ids.slice(n - nHeld).sort() };
}

function balancedWeights(y: Uint8Array): [number, number] {
  let pos = 0;
  for (const v of y) pos += v;
  const neg = y.length - pos;
  if (pos === 0 || neg === 0)
    throw new RangeError('--class-weight balanced needs both classes in the training rows');
  return [y.length / (2 * neg), y.length / (2 * pos)];
}

function gather(table: CsvTable, rows: Uint32Array): Float32Array[] {
  return table.columns.map((c) => {
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = c.values[rows[i] as number] as number;
    return out;
  });
}

function rowMajor(table: CsvTable, rows: Uint32Array): Float32Array {
  const nf = table.columns.length;
  const out = new Float32Array(rows.length * nf);
  table.columns.forEach((c, j) => {
    for (let i = 0; i < rows.length; i++) out[i * nf + j] = c.values[rows[i] as number] as number;
  });
  return out;
}

/** Scores the rows in onnxruntime and returns the largest difference from the trainer's scores. */
async function onnxParity(
  bytes: Uint8Array,
  data: Float32Array,
  nRows: number,
  nf: number,
  expected: Float64Array,
) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    let max = 0;
    const batch = 65_536;
    for (let start = 0; start < nRows; start += batch) {
      const end = Math.min(nRows, start + batch);
      const input = new ort.Tensor('float32', data.subarray(start * nf, end * nf), [end - start, nf]);
      const out = await session.run({ features: input });
      const s = out.score?.data as Float32Array;
      for (let i = start; i < end; i++)
        max = Math.max(max, Math.abs((s[i - start] as number) - (expected[i] as number)));
    }
    return max;
  } finally {
    await session.release();
  }
}
