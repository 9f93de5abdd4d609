import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenizer } from '../../src/domain/index.js';
import { BundleError, defaultBundleDir, loadBundleDir } from '../../src/engine/index.js';
import { createOnnxScorer, type ModelManifest, parseManifest } from '../../src/model/index.js';
import { exportLogisticToOnnx } from '../../src/model/train/index.js';
import { defaultFeatureSchema } from '../helpers.js';
import {
  float64Output,
  linearClassifier,
  linearRegressor,
  multiInputLogistic,
  treeClassifier,
  treeRegressor,
} from './onnx-shapes.js';

const schema = defaultFeatureSchema();
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const f = (name: string, dflt: number | null = 0) => ({ name, default: dflt, transform: 'identity' });
const BASE = { version: 'shape-test', file: 'model.onnx', thresholds: { review: 0.5, block: 0.9 } };

/** A feature vector with the named features set and every other one missing. */
function vector(values: Readonly<Record<string, number>>): Float64Array {
  const v = new Float64Array(schema.size).fill(Number.NaN);
  for (const [k, x] of Object.entries(values)) v[schema.indexOf(k) as number] = x;
  return v;
}

function manifestOf(raw: Record<string, unknown>): ModelManifest {
  const m = parseManifest({ ...BASE, ...raw }, schema);
  if ('errors' in m) throw new Error(m.errors.join('; '));
  return m.value;
}

interface Shape {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly manifest: Record<string, unknown>;
  /** Feature values of each row and the score expected for it, computed by hand. */
  readonly rows: readonly (readonly [Readonly<Record<string, number>>, number])[];
}

const TWO = [f('amount_usd'), f('account.age_days')];
const stump = { threshold: 100, low: [0.8, 0.2], high: [0.1, 0.9] };
const LOW = { amount_usd: 50, 'account.age_days': 3 };
const HIGH = { amount_usd: 500, 'account.age_days': 3 };

const SHAPES: readonly Shape[] = [
  {
    name: 'one float tensor, sigmoid probability [N, 1]',
    bytes: exportLogisticToOnnx([0.5, -0.25], 0.125),
    manifest: { input: 'features', output: 'score', features: TWO },
    rows: [
      [{ amount_usd: 2, 'account.age_days': 4 }, sigmoid(0.5 * 2 - 0.25 * 4 + 0.125)],
      [{ amount_usd: -3 }, sigmoid(0.5 * -3 + 0.125)],
    ],
  },
  {
    name: 'one float tensor, probability cast to float64 [N, 1]',
    bytes: float64Output(exportLogisticToOnnx([0.5, -0.25], 0.125)),
    manifest: { input: 'features', output: 'score64', features: TWO },
    rows: [[{ amount_usd: 2, 'account.age_days': 4 }, sigmoid(0.125)]],
  },
  {
    name: 'LinearClassifier (LogisticRegression), classlabels_ints: label + probabilities [N, 2]',
    bytes: linearClassifier([0.5, -0.25], 0.125, [0, 1]),
    manifest: { input: 'X', output: 'probabilities', positiveClass: 1, features: TWO },
    rows: [
      [{ amount_usd: 2, 'account.age_days': 4 }, sigmoid(0.125)],
      [{ amount_usd: -3 }, sigmoid(-1.5 + 0.125)],
    ],
  },
  {
    name: 'several named inputs: float32 [N, 2], float64 [N, 1], int64 [N, 1]',
    bytes: multiInputLogistic(
      [
        { name: 'amounts', type: 'float32', weights: [0.5, -0.25] },
        { name: 'count', type: 'float64', weights: [0.75] },
        { name: 'bot', type: 'int64', weights: [-1.5] },
      ],
      0.25,
    ),
    manifest: {
      inputs: [
        { name: 'amounts', features: TWO },
        { name: 'count', type: 'float64', features: [f('user.count_1h')] },
        { name: 'bot', type: 'int64', features: [f('device.bot', 1)] },
      ],
      output: 'score',
    },
    rows: [
      [
        { amount_usd: 2, 'account.age_days': 1, 'user.count_1h': 3, 'device.bot': 0 },
        sigmoid(1 - 0.25 + 2.25 + 0.25),
      ],
      // device.bot missing takes its default 1; 0.6 on an int64 input rounds to 1.
      [{ amount_usd: 1, 'user.count_1h': 0.6 }, sigmoid(0.5 + 0.75 * 0.6 - 1.5 + 0.25)],
      [{ 'device.bot': 0.6 }, sigmoid(-1.5 + 0.25)],
    ],
  },
  {
    name: 'TreeEnsembleClassifier, int64 labels: label [N] + probabilities [N, 2]',
    bytes: treeClassifier(stump, [0, 1]),
    manifest: { input: 'X', output: 'probabilities', features: TWO },
    rows: [
      [LOW, 0.2],
      [HIGH, 0.9],
    ],
  },
  {
    name: 'the same, P(class 0) by classIndex',
    bytes: treeClassifier(stump, [0, 1]),
    manifest: {
      input: 'X',
      output: 'probabilities',
      outputKind: 'probability',
      classIndex: 0,
      features: TWO,
    },
    rows: [
      [LOW, 0.8],
      [HIGH, 0.1],
    ],
  },
  {
    name: 'int64 labels then ZipMap (skl2onnx: output_label, output_probability), kind inferred',
    bytes: treeClassifier(stump, [0, 1], { zipmap: true }),
    manifest: { input: 'X', output: 'output_probability', features: TWO },
    rows: [
      [LOW, 0.2],
      [HIGH, 0.9],
    ],
  },
  {
    name: 'three int64 classes then ZipMap, positiveClass 7',
    bytes: treeClassifier({ threshold: 100, low: [0.5, 0.3, 0.2], high: [0.1, 0.3, 0.6] }, [3, 5, 7], {
      zipmap: true,
    }),
    manifest: {
      input: 'X',
      output: 'output_probability',
      outputKind: 'zipmap',
      positiveClass: 7,
      features: TWO,
    },
    rows: [
      [LOW, 0.2],
      [HIGH, 0.6],
    ],
  },
  {
    name: 'string labels then ZipMap, positiveClass "fraud"',
    bytes: treeClassifier({ threshold: 100, low: [0.3, 0.7], high: [0.95, 0.05] }, ['fraud', 'legit'], {
      zipmap: true,
    }),
    manifest: { input: 'X', output: 'output_probability', positiveClass: 'fraud', features: TWO },
    rows: [
      [LOW, 0.3],
      [HIGH, 0.95],
    ],
  },
  {
    name: 'TreeEnsembleRegressor [N, 1] as a logit: scoreMapping sigmoid',
    bytes: treeRegressor(100, -2, 1.5),
    manifest: {
      input: 'X',
      output: 'variable',
      outputKind: 'regression',
      scoreMapping: 'sigmoid',
      features: TWO,
    },
    rows: [
      [LOW, sigmoid(-2)],
      [HIGH, sigmoid(1.5)],
    ],
  },
  {
    name: 'LinearRegressor: scoreMapping { min, max } scaled and clipped',
    bytes: linearRegressor([0.002, 0], 0),
    manifest: {
      input: 'X',
      output: 'variable',
      outputKind: 'regression',
      scoreMapping: { min: -1, max: 3 },
      features: TWO,
    },
    rows: [
      [{ amount_usd: 500 }, 0.5],
      [{ amount_usd: 5000 }, 1],
      [{ amount_usd: -1000 }, 0],
      [{ amount_usd: 250 }, 0.375],
    ],
  },
  {
    name: 'LinearRegressor: scoreMapping identity-clip',
    bytes: linearRegressor([0.001, 0], 0),
    manifest: {
      input: 'X',
      output: 'variable',
      outputKind: 'regression',
      scoreMapping: 'identity-clip',
      features: TWO,
    },
    rows: [
      [{ amount_usd: 250 }, 0.25],
      [{ amount_usd: 2000 }, 1],
      [{ amount_usd: -5 }, 0],
    ],
  },
];

const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(1e-6);

describe('ONNX shapes: every common export serves', () => {
  it.each(SHAPES)('createOnnxScorer: $name', async (shape) => {
    const scorer = await createOnnxScorer(shape.bytes, manifestOf(shape.manifest), schema);
    try {
      expect(scorer.runtime).toBe('native');
      const rows = shape.rows.map(([values]) => vector(values));
      const batch = await scorer.scoreBatch(rows);
      const together = await Promise.all(rows.map((r) => scorer.score(r)));
      shape.rows.forEach(([, expected], i) => {
        close(batch[i] as number, expected);
        close(together[i] as number, expected);
        close(scorer.scoreNow?.(rows[i] as Float64Array) ?? Number.NaN, expected);
      });
    } finally {
      await scorer.close();
    }
  });

  describe('through the bundle loader', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'onnx-shapes-'));
      await cp(defaultBundleDir(), dir, { recursive: true });
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    const opts = { tokenizer: createTokenizer('test-key-0123456789'), now: () => 0 };

    it.each(SHAPES)('loadBundleDir: $name', async (shape) => {
      await writeFile(join(dir, 'model', 'model.onnx'), shape.bytes);
      await writeFile(join(dir, 'model', 'manifest.json'), JSON.stringify({ ...BASE, ...shape.manifest }));
      const bundle = await loadBundleDir(dir, opts);
      const model = bundle.model;
      if (model === undefined) throw new Error('the bundle has a model');
      try {
        expect(model.version).toBe('shape-test');
        for (const [values, expected] of shape.rows) close(await model.score(vector(values)), expected);
      } finally {
        await model.close();
      }
    });

    it('names the manifest field of a model that does not fit', async () => {
      await writeFile(join(dir, 'model', 'model.onnx'), treeClassifier(stump, [0, 1], { zipmap: true }));
      await writeFile(
        join(dir, 'model', 'manifest.json'),
        JSON.stringify({ ...BASE, input: 'X', output: 'output_label', features: TWO }),
      );
      const err = await loadBundleDir(dir, opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BundleError);
      expect((err as BundleError).problems).toEqual([
        'model/model.onnx: manifest.output: model output output_label holds int64 class labels, not scores: name the probability output (outputs: output_label, output_probability)',
      ]);
    });
  });
});

describe('ONNX shapes: a manifest is checked against its graph', () => {
  const classifier = treeClassifier(stump, [0, 1]);
  const zipped = treeClassifier(stump, [0, 1], { zipmap: true });
  const strings = treeClassifier({ threshold: 1, low: [0.3, 0.7], high: [0.9, 0.1] }, ['fraud', 'legit'], {
    zipmap: true,
  });
  const three = treeClassifier({ threshold: 1, low: [0.5, 0.3, 0.2], high: [0.1, 0.3, 0.6] }, [0, 1, 2]);
  const multi = multiInputLogistic(
    [
      { name: 'a', type: 'float32', weights: [1, 2] },
      { name: 'b', type: 'float64', weights: [1] },
    ],
    0,
  );
  const cases: readonly (readonly [string, Uint8Array, Record<string, unknown>, string])[] = [
    [
      'unknown output',
      classifier,
      { input: 'X', output: 'proba', features: TWO },
      'manifest.output: model has no output proba (outputs: label, probabilities)',
    ],
    [
      'unknown input',
      classifier,
      { input: 'features', output: 'probabilities', features: TWO },
      'manifest.input: model has no input features (inputs: X); manifest.input: model input X is not fed (inputs: X)',
    ],
    [
      'width mismatch',
      classifier,
      { input: 'X', output: 'probabilities', features: [f('amount_usd')] },
      'manifest.features: model input X has shape [N, 2], manifest lists 1 features',
    ],
    [
      'wrong element type and an input left unfed',
      multi,
      {
        inputs: [
          { name: 'a', features: TWO },
          { name: 'b', features: [f('user.count_1h')] },
        ],
        output: 'score',
      },
      'manifest.inputs[1].type: model input b is float64, manifest says float32',
    ],
    [
      'an input left unfed',
      multi,
      { inputs: [{ name: 'a', features: TWO }], output: 'score' },
      'manifest.inputs: model input b is not fed (inputs: a, b)',
    ],
    [
      'unknown one of several inputs',
      multi,
      {
        inputs: [
          { name: 'a', features: TWO },
          { name: 'c', type: 'float64', features: [f('user.count_1h')] },
        ],
        output: 'score',
      },
      'manifest.inputs[1]: model has no input c (inputs: a, b); manifest.inputs: model input b is not fed (inputs: a, b)',
    ],
    [
      'a label output',
      classifier,
      { input: 'X', output: 'label', features: TWO },
      'manifest.output: model output label holds int64 class labels, not scores: name the probability output (outputs: label, probabilities)',
    ],
    [
      'zipmap declared on a tensor',
      classifier,
      { input: 'X', output: 'probabilities', outputKind: 'zipmap', features: TWO },
      'manifest.outputKind is zipmap but model output probabilities is a float32 tensor, not a ZipMap sequence of maps',
    ],
    [
      'probability declared on a ZipMap',
      zipped,
      { input: 'X', output: 'output_probability', outputKind: 'probability', features: TWO },
      'manifest.outputKind is probability but model output output_probability is a ZipMap sequence of maps: set outputKind to zipmap',
    ],
    [
      'regression on a two-column output',
      classifier,
      {
        input: 'X',
        output: 'probabilities',
        outputKind: 'regression',
        scoreMapping: 'sigmoid',
        features: TWO,
      },
      'manifest.outputKind is regression but model output probabilities has shape [N, 2], not [N] or [N, 1]',
    ],
    [
      'classIndex out of range',
      classifier,
      { input: 'X', output: 'probabilities', classIndex: 2, features: TWO },
      'manifest.classIndex 2 is out of range: model output probabilities has 2 columns',
    ],
    [
      'positiveClass not a class',
      zipped,
      { input: 'X', output: 'output_probability', positiveClass: 2, features: TWO },
      'manifest.positiveClass 2 is not a class of model output output_probability (classes: 0, 1)',
    ],
    [
      'positiveClass of the wrong type',
      strings,
      { input: 'X', output: 'output_probability', positiveClass: 1, features: TWO },
      'manifest.positiveClass must be a string: the classes are strings (fraud, legit)',
    ],
    [
      'string classes without positiveClass',
      strings,
      { input: 'X', output: 'output_probability', features: TWO },
      'model output output_probability has 2 columns (classes: fraud, legit): set manifest.positiveClass or manifest.classIndex',
    ],
    [
      'three classes without positiveClass',
      three,
      { input: 'X', output: 'probabilities', features: TWO },
      'model output probabilities has 3 columns (classes: 0, 1, 2): set manifest.positiveClass or manifest.classIndex',
    ],
    [
      'positiveClass on an output without class labels',
      exportLogisticToOnnx([1, 1], 0),
      { input: 'features', output: 'score', positiveClass: 1, features: TWO },
      'manifest.positiveClass: no classifier or ZipMap node labels model output score; give classIndex',
    ],
  ];

  it.each(cases)('%s', async (_, bytes, raw, message) => {
    const err = await createOnnxScorer(bytes, manifestOf(raw), schema).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(message);
  });

  const parseCases: readonly (readonly [string, Record<string, unknown>, string[]])[] = [
    [
      'input and inputs together',
      { input: 'X', features: TWO, inputs: [{ name: 'X', features: TWO }], output: 'y' },
      ['manifest: give inputs, or input with features, not both'],
    ],
    [
      'bad inputs entries',
      {
        inputs: [
          { name: 'a', type: 'int32', features: TWO },
          { name: 'a', features: [] },
          { name: 'n', type: 'int64', features: [f('amount_usd', null)], extra: 1 },
        ],
        output: 'y',
      },
      [
        'manifest.inputs[0].type must be float32, float64 or int64',
        'manifest.inputs[1].name: input a is listed twice',
        'manifest.inputs[1].features must be a non-empty array',
        'manifest.inputs[2].extra: unknown key',
        'manifest.inputs[2].features[0].default must be an integer: an int64 input cannot carry a missing value',
      ],
    ],
    [
      'regression without a mapping',
      { input: 'X', features: TWO, output: 'y', outputKind: 'regression' },
      [
        'manifest.scoreMapping must be "identity-clip", "sigmoid" or { "min": a, "max": b } with a < b (required for a regression output)',
      ],
    ],
    [
      'a mapping on a probability, an unknown kind and key',
      { input: 'X', features: TWO, output: 'y', outputKind: 'logit', scoreMapping: 'sigmoid', threshold: 1 },
      [
        'manifest.threshold: unknown key',
        'manifest.outputKind must be probability, zipmap or regression',
        'manifest.scoreMapping applies only to outputKind regression',
      ],
    ],
    [
      'inverted min and max, a class on a regression',
      {
        input: 'X',
        features: TWO,
        output: 'y',
        outputKind: 'regression',
        classIndex: 1,
        scoreMapping: { min: 1, max: 0 },
      },
      [
        'manifest.positiveClass and classIndex do not apply to a regression output',
        'manifest.scoreMapping must be "identity-clip", "sigmoid" or { "min": a, "max": b } with a < b (required for a regression output)',
      ],
    ],
    [
      'positiveClass and classIndex together, of bad types',
      { input: 'X', features: TWO, output: 'y', positiveClass: 1.5, classIndex: -1 },
      [
        'manifest.positiveClass must be an integer or a string class label',
        'manifest.classIndex must be a non-negative integer',
        'manifest: give positiveClass or classIndex, not both',
      ],
    ],
  ];

  it.each(parseCases)('parseManifest: %s', (_, raw, errors) => {
    expect(parseManifest({ ...BASE, ...raw }, schema)).toEqual({ errors });
  });

  it('keeps the single-input form as it was: input, features, output', () => {
    const m = manifestOf({
      input: 'features',
      output: 'score',
      features: [{ name: 'amount_usd', default: null }],
    });
    expect(m.features).toEqual([{ name: 'amount_usd', default: null, transform: 'identity' }]);
    expect(m.inputs).toBeUndefined();
  });
});
