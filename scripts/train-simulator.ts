/**
 * `npm run train` without `--data`: trains the default model, reproducibly, on simulator traffic.
 * 1. Generates seeded labelled traffic with the simulator.
 * 2. Replays it, in time order, through the real edge conversion and decision engine (rules only,
 *    clock following event time), capturing each event's feature vector exactly as serving sees it.
 * 3. Trains a gradient-boosted tree ensemble on the earlier 70 % and evaluates on the later 30 %.
 * 4. Writes model.onnx (ai.onnx.ml TreeEnsembleRegressor + Sigmoid) and manifest.json.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fromJson } from '@bufbuild/protobuf';
import { createTokenizer, eventFromProto, FRAUD_OUTCOMES, type OutcomeType } from '../src/domain/index.js';
import {
  createDecisionEngine,
  createSnapshotReader,
  defaultBundleDir,
  type LoggedSnapshot,
  loadBundleDir,
  readDecisionLog,
} from '../src/engine/index.js';
import {
  createCounterStore,
  createFeatureHydrator,
  decisionFeatureNames,
  type FeatureSchema,
} from '../src/features/index.js';
import { DecideRequestSchema } from '../src/gen/risk/v1/risk_pb.js';
import {
  createOnnxScorer,
  createRowWriter,
  type ManifestFeature,
  type ModelManifest,
  parseManifest,
} from '../src/model/index.js';
import {
  evaluateModel,
  exportGbdtToOnnx,
  featureImportance,
  prAuc,
  precisionAtThreshold,
  recallAtReviewRate,
  rocAuc,
  trainGbdt,
} from '../src/model/train/index.js';
import { createSimulator } from '../src/sim/index.js';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '7' },
    users: { type: 'string', default: '3000' },
    days: { type: 'string', default: '4' },
    'fraud-rate': { type: 'string', default: '0.03' },
    trees: { type: 'string', default: '100' },
    depth: { type: 'string', default: '4' },
    out: { type: 'string', default: join(defaultBundleDir(), 'model') },
    log: { type: 'string' },
    'labelled-only': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    'usage: npm run train -- [--seed 7] [--users 3000] [--days 4] [--fraud-rate 0.03] [--trees 100] [--depth 4] [--out dir]\n' +
      '   or: npm run train -- --log DATA_DIR [--labelled-only] [--trees 100] [--depth 4] [--out dir]   (the decision log and its outcomes)\n' +
      '   or: npm run train -- --data FILE.csv --label COL --out DIR [options]   (docs/training.md; --data x --help)',
  );
  process.exit(0);
}
const num = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
  return n;
};
const seed = num('seed', args.seed);
const users = num('users', args.users);
const days = num('days', args.days);
const fraudRate = num('fraud-rate', args['fraud-rate']);
const nTrees = num('trees', args.trees);
const maxDepth = num('depth', args.depth);

/**
 * Model inputs: the event's own signals plus the window features that carry fraud signal, never
 * the counts of past decisions (`*.blocked_*`): replayed here with rules only, served with the
 * model deciding, they would differ between training and serving (docs/training.md "Skew").
 */
function chooseFeatures(schema: FeatureSchema, decisionDerived: ReadonlySet<string>): ManifestFeature[] {
  const logScaled = /(amount_usd|sum_usd|age_s|age_days)/;
  const names = schema.names.filter((n) => {
    if (decisionDerived.has(n)) return false;
    if (n === 'model.score' || n === 'amount_minor') return false; // output, and currency-dependent
    if (/^(merchant)\./.test(n)) return false; // merchant volume is business size, not risk
    if (/_(1h|24h)$/.test(n) && /\.(sum_usd_1h|blocked_1h)$/.test(n)) return false; // near-copies of 24h/count
    return true;
  });
  return names.map((name) => ({
    name,
    default: null,
    transform: logScaled.test(name) ? 'log1p' : 'identity',
  }));
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const tokenizer = createTokenizer('training-replay-key-not-for-serving');
  let now = 0;
  const clock = () => now;
  const bundle = await loadBundleDir(defaultBundleDir(), {
    tokenizer,
    now: clock,
    skipModel: true,
  });
  const store = createCounterStore({ plan: bundle.features, maxEntities: 5_000_000 });
  const hydrator = createFeatureHydrator(store);

  const rows: Float64Array[] = [];
  const labels: number[] = [];
  const scenarios: string[] = [];
  const engine = createDecisionEngine({
    bundle,
    store,
    clock,
    idempotency: { max: 0, ttlMs: 1 },
    // The vector is only lent for the call (DecisionObserver): keep a copy.
    onDecision: (_e, _r, features) => rows.push(features.slice()),
  });

  let rejected = 0;
  if (args.log !== undefined) {
    const got = await rowsFromLog(resolve(args.log), hydrator.schema, args['labelled-only'] === true);
    rows.push(...got.rows);
    labels.push(...got.labels);
    scenarios.push(...got.labels.map((l) => (l === 1 ? 'fraud (outcome)' : 'legit')));
  } else {
    const sim = createSimulator({ seed, users, durationMs: days * 86_400_000, fraudRate });
    for (const rec of sim.events()) {
      now = rec.at;
      const ev = eventFromProto(fromJson(DecideRequestSchema, rec.request), tokenizer, bundle.features);
      if ('errors' in ev) {
        rejected++;
        continue;
      }
      const before = rows.length;
      await engine.decide(ev.value);
      if (rows.length === before + 1) {
        labels.push(rec.label);
        scenarios.push(rec.scenario);
      }
    }
  }
  console.error(
    `replayed ${rows.length} events (${rejected} rejected by validation) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const features = chooseFeatures(hydrator.schema, decisionFeatureNames(bundle.features));
  const draft: ModelManifest = {
    version: 'draft',
    file: 'model.onnx',
    input: 'features',
    output: 'score',
    features,
    thresholds: { review: 0.5, block: 0.9 },
  };
  const write = createRowWriter(features, hydrator.schema);
  const width = features.length;
  const data = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) write(rows[i] as Float64Array, data, i * width);
  const split = Math.floor(rows.length * 0.7);
  const y = Uint8Array.from(labels);
  const model = trainGbdt(
    { data: data.subarray(0, split * width), nRows: split, nFeatures: width },
    y.subarray(0, split),
    {
      nTrees,
      maxDepth,
      learningRate: 0.1,
      minSamplesLeaf: 20,
      subsample: 0.8,
      seed,
      featureNames: features.map((f) => f.name),
    },
  );
  const digest = createHash('sha256').update(JSON.stringify(model)).digest('hex').slice(0, 10);
  const version = `gbdt-sim-s${seed}-${digest}`;
  const bytes = exportGbdtToOnnx(model, {
    nFeatures: width,
    version,
    docString: 'risk model trained by npm run train on simulator traffic',
  });

  // Evaluate through onnxruntime itself, so the figures describe the artefact that will serve.
  const scorer = await createOnnxScorer(bytes, { ...draft, version }, hydrator.schema);
  const test = rows.slice(split);
  const scores = await scorer.scoreBatch(test);
  await scorer.close();
  const testLabels = y.subarray(split);
  const auc = rocAuc(scores, testLabels);
  const ap = prAuc(scores, testLabels);
  const sorted = Float64Array.from(scores).sort();
  const quantile = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  // Thresholds from the held-out set: block where precision reaches 95 %, review where it reaches 50 %,
  // each capped so the model alone never reviews more than 5 % or blocks more than 1 % of traffic.
  const thresholdAt = (precision: number, maxRate: number) => {
    let t = quantile(1 - maxRate);
    for (let q = 0.5; q < 1; q += 0.0005) {
      const c = quantile(q);
      if (c >= t && precisionAtThreshold(scores, testLabels, c) >= precision) {
        t = c;
        break;
      }
    }
    return Math.min(0.999, Math.max(0.05, Math.round(t * 1000) / 1000));
  };
  const block = thresholdAt(0.95, 0.01);
  const review = Math.min(block, thresholdAt(0.5, 0.05));
  const rate = (th: number) => scores.filter((s) => s >= th).length / scores.length;
  const recallAt = (th: number) => {
    let tp = 0;
    let p = 0;
    scores.forEach((s, i) => {
      if (testLabels[i] === 1) {
        p++;
        if (s >= th) tp++;
      }
    });
    return p === 0 ? 0 : tp / p;
  };

  const evaluation = {
    rows: rows.length,
    trainRows: split,
    testRows: test.length,
    fraudShare: labels.reduce((a, b) => a + b, 0) / labels.length,
    rocAuc: auc,
    prAuc: ap,
    recallAt1PctReview: recallAtReviewRate(scores, testLabels, 0.01),
    recallAt5PctReview: recallAtReviewRate(scores, testLabels, 0.05),
    thresholds: { review, block },
    reviewRate: rate(review),
    blockRate: rate(block),
    recallAtReview: recallAt(review),
    precisionAtReview: precisionAtThreshold(scores, testLabels, review),
    precisionAtBlock: precisionAtThreshold(scores, testLabels, block),
  };
  const byScenario: Record<string, { n: number; flagged: number }> = {};
  scenarios.slice(split).forEach((s, i) => {
    const b = byScenario[s] ?? { n: 0, flagged: 0 };
    byScenario[s] = b;
    b.n++;
    if ((scores[i] as number) >= review) b.flagged++;
  });
  const importance = featureImportance(model);
  const top = [...importance]
    .map((g, i) => [features[i]?.name ?? String(i), g] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10);

  const manifest: ModelManifest = {
    ...draft,
    version,
    thresholds: { review, block },
    training: {
      command:
        args.log !== undefined
          ? `npm run train -- --log ${args.log}${args['labelled-only'] ? ' --labelled-only' : ''} --trees ${nTrees} --depth ${maxDepth}`
          : `npm run train -- --seed ${seed} --users ${users} --days ${days} --fraud-rate ${fraudRate} --trees ${nTrees} --depth ${maxDepth}`,
      algorithm: `gradient-boosted trees, logistic loss, ${nTrees} trees, depth ${maxDepth}`,
      data:
        args.log !== undefined
          ? 'the decision log and its outcomes (recorded feature snapshots), split by time 70/30'
          : 'simulator (src/sim), split by time 70/30',
      evaluation,
    },
  };
  const check = parseManifest(JSON.parse(JSON.stringify(manifest)), hydrator.schema);
  if ('errors' in check) throw new Error(check.errors.join('; '));
  const out = resolve(args.out as string);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'model.onnx'), bytes);
  await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // The report beside the model: the manifest's evaluation, the CSV trainer's metrics (recall at
  // review rates, calibration, importance) and the share flagged per fraud scenario.
  const gbdt = evaluateModel(
    scores,
    testLabels,
    importance,
    features.map((f) => f.name),
  );
  const report = { version, command: manifest.training?.command, evaluation, gbdt, byScenario };
  await writeFile(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = [
    `# Model ${version}`,
    '',
    `Trained by \`${String(manifest.training?.command)}\` on ${String(manifest.training?.data)}; figures on the later 30 % (${test.length} events), through onnxruntime.`,
    '',
    `ROC-AUC ${gbdt.rocAuc}, PR-AUC ${gbdt.prAuc}; recall at 0.5 / 1 / 5 % reviewed: ${Object.values(gbdt.recallAtReviewed).join(' / ')}.`,
    `Thresholds: review ${review} (${(100 * evaluation.reviewRate).toFixed(2)} % of traffic, precision ${evaluation.precisionAtReview.toFixed(3)}), block ${block} (${(100 * evaluation.blockRate).toFixed(2)} %, precision ${evaluation.precisionAtBlock.toFixed(3)}).`,
    '',
    '| scenario | events | flagged at review |',
    '|---|---:|---:|',
    ...Object.entries(byScenario).map(
      ([k, v]) => `| ${k} | ${v.n} | ${((100 * v.flagged) / v.n).toFixed(1)} % |`,
    ),
    '',
    '| score bin | rows | mean predicted | observed fraud rate |',
    '|---|---:|---:|---:|',
    ...gbdt.calibration.map(
      (c) =>
        `| ${c.from.toFixed(1)}–${c.to.toFixed(1)} | ${c.rows} | ${c.meanPredicted ?? '—'} | ${c.observedRate ?? '—'} |`,
    ),
    '',
    '| feature | importance |',
    '|---|---:|',
    ...gbdt.importance.slice(0, 20).map((i) => `| ${i.feature} | ${i.importance} |`),
    '',
  ].join('\n');
  await writeFile(join(out, 'report.md'), md);

  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  console.log(`model ${version}: ${features.length} features, ${nTrees} trees of depth ${maxDepth}`);
  console.log(`held-out (later 30 %, ${test.length} events, ${pct(evaluation.fraudShare)} fraud overall)`);
  console.log(`  ROC-AUC ${auc.toFixed(4)}   PR-AUC ${ap.toFixed(4)}`);
  console.log(
    `  recall at 1 % reviewed ${pct(evaluation.recallAt1PctReview)}   at 5 % reviewed ${pct(evaluation.recallAt5PctReview)}`,
  );
  console.log(
    `  review >= ${review}: flags ${pct(evaluation.reviewRate)} of events, precision ${pct(evaluation.precisionAtReview)}, recall ${pct(evaluation.recallAtReview)}`,
  );
  console.log(
    `  block  >= ${block}: flags ${pct(evaluation.blockRate)} of events, precision ${pct(evaluation.precisionAtBlock)}`,
  );
  console.log('  flagged at review threshold, by scenario:');
  for (const [s, b] of Object.entries(byScenario).sort())
    console.log(
      `    ${s.padEnd(18)} ${String(b.flagged).padStart(6)} / ${String(b.n).padEnd(6)} ${pct(b.flagged / b.n)}`,
    );
  console.log(`  top features by gain: ${top.map(([n]) => n).join(', ')}`);
  console.log(
    `wrote ${join(out, 'model.onnx')} and manifest.json in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * Training rows from the decision log (docs/decision-log.md): each decision's recorded feature
 * snapshot, laid out by this bundle's schema by name, exactly what served decisions saw, labelled by
 * its latest outcome: fraud for CHARGEBACK, CONFIRMED_FRAUD and REVIEW_DECLINED, legitimate for the
 * others and, unless `labelledOnly`, for decisions without an outcome (as chargeback-based labels
 * are). In log order, which is decision order, so the 70/30 split is by time.
 */
async function rowsFromLog(
  dataDir: string,
  schema: FeatureSchema,
  labelledOnly: boolean,
): Promise<{ rows: Float64Array[]; labels: number[] }> {
  const decided: { id: string; row: Float64Array }[] = [];
  const outcome = new Map<string, string>();
  const snapshot = createSnapshotReader(schema);
  for await (const r of readDecisionLog(join(dataDir, 'decisions'))) {
    if (r.kind === 'outcome') {
      outcome.set(String(r.decisionId), String(r.type));
      continue;
    }
    if (r.kind !== 'decision' || r.featureNames === undefined) continue;
    const row = snapshot(r.featureNames as readonly string[] | undefined, r.f as LoggedSnapshot | undefined);
    decided.push({ id: String(r.decisionId), row });
  }
  const rows: Float64Array[] = [];
  const labels: number[] = [];
  for (const d of decided) {
    const o = outcome.get(d.id);
    if (o === undefined && labelledOnly) continue;
    rows.push(d.row);
    labels.push(o !== undefined && FRAUD_OUTCOMES.has(o as OutcomeType) ? 1 : 0);
  }
  if (labels.every((l) => l === 0)) throw new Error(`no fraud outcomes in the decision log under ${dataDir}`);
  return { rows, labels };
}
