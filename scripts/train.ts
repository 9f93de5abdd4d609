/**
 * `npm run train`: with `--data FILE.csv` trains on any labelled CSV (src/model/train/train-csv.ts);
 * without it, trains the default model on simulator traffic as before (scripts/train-simulator.ts).
 */
import { parseTrainCsvArgs, TRAIN_CSV_USAGE, trainCsv } from '../src/model/train/index.js';

const argv = process.argv.slice(2);
if (!argv.some((a) => a === '--data' || a.startsWith('--data='))) {
  await import('./train-simulator.js');
} else {
  const parsed = parseTrainCsvArgs(argv);
  if ('help' in parsed) {
    console.log(TRAIN_CSV_USAGE);
  } else if ('error' in parsed) {
    console.error(`${parsed.error}\n${TRAIN_CSV_USAGE}`);
    process.exitCode = 2;
  } else {
    const t0 = performance.now();
    try {
      const { report, files } = await trainCsv(parsed.value, (line) => console.error(line));
      const f = (v: number) => v.toFixed(4);
      console.log(
        `GBDT     ROC-AUC ${f(report.gbdt.rocAuc)}  PR-AUC ${f(report.gbdt.prAuc)}  recall@0.5/1/5 % ${Object.values(report.gbdt.recallAtReviewed).map(f).join(' / ')}`,
      );
      console.log(
        `logistic ROC-AUC ${f(report.logistic.rocAuc)}  PR-AUC ${f(report.logistic.prAuc)}  recall@0.5/1/5 % ${Object.values(report.logistic.recallAtReviewed).map(f).join(' / ')}`,
      );
      console.log(`wrote ${files.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      process.exitCode = 1;
    }
  }
}
