/**
 * Offline model-training toolkit: train a GBDT in-process, export it to ONNX for the online scorer, and
 * evaluate it with ranking metrics. Nothing here runs on the request path except through the exported ONNX.
 */

/** Column binning shared by training and validation. */
export type { BinLayout, BinnedData } from './binning.js';
/** Streaming CSV reader into typed columns. */
export type { CategoricalColumn, CsvColumn, CsvReadOptions, CsvTable, NumericColumn } from './csv-reader.js';
export { CsvError, csvRecords, isMissing, readCsv } from './csv-reader.js';
/** Model and option types, exported so callers can persist models as JSON and type their configs. */
/** Early-stopping and input types of the GBDT. */
export type {
  ColumnarMatrix,
  DenseMatrix,
  GbdtEarlyStopping,
  GbdtInput,
  GbdtLeafNode,
  GbdtModel,
  GbdtNode,
  GbdtOptions,
  GbdtParams,
  GbdtSplitNode,
  GbdtTree,
  GbdtValidation,
} from './gbdt.js';
/** Training and the JS reference scorer the ONNX export is tested against. */
export { featureImportance, predictGbdt, predictGbdtLogit, trainGbdt } from './gbdt.js';
/** Logistic-regression baseline. */
export type { LogisticColumn, LogisticModel, LogisticOptions } from './logistic.js';
export { logisticImportance, predictLogistic, trainLogistic } from './logistic.js';
/** Metric result type. */
export type { Confusion } from './metrics.js';
/** Offline evaluation metrics; tie handling matters because tree models emit many equal scores. */
export { confusionAt, prAuc, precisionAtThreshold, recallAtReviewRate, rocAuc } from './metrics.js';
/** Export option type. */
export type { OnnxExportOptions } from './onnx-export.js';
/** Serialisers producing ONNX bytes that onnxruntime-node loads directly. */
export { exportGbdtToOnnx, exportLogisticToOnnx } from './onnx-export.js';
/** Evaluation report (JSON + markdown). */
export type { CalibrationBin, Importance, ModelEvaluation, TrainingReport } from './report.js';
export { calibrationTable, evaluateModel, REVIEW_RATES, renderReportMarkdown } from './report.js';
/** The CSV trainer and its command line. */
export type { TrainCsvOptions, TrainCsvResult } from './train-csv.js';
export { featureNames, trainCsv } from './train-csv.js';
export { parseTrainCsvArgs, TRAIN_CSV_USAGE } from './train-csv-args.js';
