/** Command-line parsing for `npm run train -- --data FILE.csv --label COL --out DIR [options]`. */
import { parseArgs } from 'node:util';
import type { TrainCsvOptions } from './train-csv.js';

/** Usage text of the CSV trainer. */
export const TRAIN_CSV_USAGE = `usage: npm run train -- --data FILE.csv --label COL --out DIR [options]
  --columns a,b,c          use only these feature columns (default: all but the label)
  --exclude a,b            leave these columns out (identifiers, leaks)
  --categorical a,b        treat these columns as categorical even if numeric (string columns always are)
  --seed 42                seed of the splits, sampling and baseline (same data + seed = same bytes)
  --split random|last      held-out rows: seeded random (default) or the last rows of the file (time order)
  --test-fraction 0.3      share of rows held out for the report
  --early-stopping auto|on|off   auto: on with more than 10,000 training rows (scikit-learn's rule)
  --validation-fraction 0.1      share of training rows used for early stopping
  --n-iter-no-change 10    rounds without validation improvement before stopping
  --class-weight none|balanced   balanced: each class weighs half (for rare positives); default none
  --max-iter 100  --learning-rate 0.1  --max-depth 5  --min-samples-leaf 20  --l2 0  --max-bins 255`;

/** Parses the CSV trainer's arguments; `{ error }` names the bad option. */
export function parseTrainCsvArgs(
  argv: readonly string[],
): { value: TrainCsvOptions } | { error: string } | { help: true } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        label: { type: 'string' },
        out: { type: 'string' },
        columns: { type: 'string' },
        exclude: { type: 'string' },
        categorical: { type: 'string' },
        seed: { type: 'string' },
        split: { type: 'string' },
        'test-fraction': { type: 'string' },
        'early-stopping': { type: 'string' },
        'validation-fraction': { type: 'string' },
        'n-iter-no-change': { type: 'string' },
        'class-weight': { type: 'string' },
        'max-iter': { type: 'string' },
        'learning-rate': { type: 'string' },
        'max-depth': { type: 'string' },
        'min-samples-leaf': { type: 'string' },
        l2: { type: 'string' },
        'max-bins': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  if (values.help) return { help: true };
  for (const k of ['data', 'label', 'out'] as const)
    if (typeof values[k] !== 'string') return { error: `--${k} is required` };
  const list = (k: string) =>
    typeof values[k] === 'string'
      ? (values[k] as string)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
  const errors: string[] = [];
  const num = (k: string, check: (v: number) => boolean, what: string) => {
    const raw = values[k];
    if (typeof raw !== 'string') return undefined;
    const v = Number(raw);
    if (!check(v)) errors.push(`--${k} must be ${what}, got ${raw}`);
    return v;
  };
  const choice = <T extends string>(k: string, allowed: readonly T[]): T | undefined => {
    const raw = values[k];
    if (typeof raw !== 'string') return undefined;
    if (!allowed.includes(raw as T)) errors.push(`--${k} must be one of ${allowed.join(', ')}, got ${raw}`);
    return raw as T;
  };
  const int = (v: number) => Number.isInteger(v) && v >= 1;
  const frac = (v: number) => v > 0 && v < 1;
  const opts = {
    data: values.data as string,
    label: values.label as string,
    out: values.out as string,
    columns: list('columns'),
    exclude: list('exclude'),
    categorical: list('categorical'),
    seed: num('seed', (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 31, 'an integer in [0, 2^31)'),
    split: choice('split', ['random', 'last'] as const),
    testFraction: num('test-fraction', frac, 'in (0, 1)'),
    earlyStopping: choice('early-stopping', ['auto', 'on', 'off'] as const),
    validationFraction: num('validation-fraction', frac, 'in (0, 1)'),
    nIterNoChange: num('n-iter-no-change', int, 'a positive integer'),
    classWeight: choice('class-weight', ['none', 'balanced'] as const),
    maxIter: num('max-iter', int, 'a positive integer'),
    learningRate: num('learning-rate', (v) => v > 0 && v <= 10, 'in (0, 10]'),
    maxDepth: num('max-depth', (v) => Number.isInteger(v) && v >= 1 && v <= 30, 'an integer in [1, 30]'),
    minSamplesLeaf: num('min-samples-leaf', int, 'a positive integer'),
    l2: num('l2', (v) => v >= 0 && Number.isFinite(v), 'a non-negative number'),
    maxBins: num('max-bins', (v) => Number.isInteger(v) && v >= 2 && v <= 255, 'an integer in [2, 255]'),
    // The output folder is left out so that the same data and options write the same bytes anywhere.
    command: `npm run train -- ${withoutOut(argv).join(' ')}`,
  };
  if (errors.length > 0) return { error: errors.join('; ') };
  // Drop unset options so the trainer's defaults apply (exactOptionalPropertyTypes-friendly).
  const value = Object.fromEntries(
    Object.entries(opts).filter(([, v]) => v !== undefined),
  ) as unknown as TrainCsvOptions;
  return { value };
}

function withoutOut(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--out') i++;
    else if (!a.startsWith('--out=')) out.push(a.includes(' ') ? JSON.stringify(a) : a);
  }
  return out;
}
