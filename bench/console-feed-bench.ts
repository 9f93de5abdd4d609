/**
 * `npm run bench:console [-- --decisions N]`: what the console's live feed costs per decision
 * (src/server/console-feed.ts `observe`), against a baseline measured in the same run: the decision
 * log's record made for each decision (`decisionRecord`, which the service makes anyway). Cases:
 * nobody listening (the summary slot, rule hits and the ring only), one listener under the default
 * cap of 200 events a second (almost every decision is counted, not sent) and one listener with the
 * cap lifted (every decision serialised and written). Rounds are interleaved, each starting at another case, so every
 * case sees the same machine state; the table prints ns per decision and the ratio to the baseline.
 */
import { parseArgs } from 'node:util';
import type { DecisionResult, RiskEvent } from '../src/domain/index.js';
import { createTokenizer } from '../src/domain/index.js';
import { decisionRecord, defaultBundleDir, loadBundleDir } from '../src/engine/index.js';
import { createConsoleFeed, type FeedSink } from '../src/server/index.js';

const { values } = parseArgs({ options: { decisions: { type: 'string', default: '200000' } } });
const N = Number(values.decisions);

const bundle = await loadBundleDir(defaultBundleDir(), {
  tokenizer: createTokenizer(Buffer.alloc(32)),
  now: Date.now,
  skipModel: true,
});
const schema = bundle.features.schema;
const features = Float64Array.from({ length: schema.size }, (_, i) => (i % 7 === 0 ? Number.NaN : i));
const event = {
  eventId: 'evt-bench',
  type: 'PAYMENT',
  occurredAtMs: Date.now(),
  attributes: {},
} as unknown as RiskEvent;
const decisions = ['ALLOW', 'ALLOW', 'ALLOW', 'ALLOW', 'ALLOW', 'ALLOW', 'REVIEW', 'BLOCK'] as const;
const results: DecisionResult[] = decisions.map((d, i) => ({
  decisionId: `00000000-0000-4000-8000-00000000000${i}`,
  eventId: `evt-${i}`,
  decision: d,
  score: i / 10,
  modelScore: i / 20,
  reasons:
    d === 'ALLOW' ? [] : [{ code: 'card_velocity_1h', message: 'card charged 5 times', source: 'RULE' }],
  bundleVersion: bundle.version,
  modelVersion: 'none',
  degraded: [],
  timings: ['features', 'lists', 'device', 'model', 'sequences', 'rules', 'combine', 'commit'].map(
    (stage, k) => ({
      stage,
      micros: 20 + k * 7 + i,
    }),
  ),
  replayed: false,
  timeBasis: 'EVENT_TIME',
  windowTime: '2026-12-02T00:00:00.000Z',
}));
const hits = [[], [], ['card_velocity_1h'], [], ['card_velocity_1h', 'bin_enumeration'], [], [], []];
const sink: FeedSink = { write: () => true, once: () => undefined, end: () => undefined };

const make = (listeners: number, maxPerSecond: number) => {
  const feed = createConsoleFeed({ historySeconds: 900, recent: 2000, maxPerSecond });
  for (let i = 0; i < listeners; i++) feed.subscribe(sink);
  return feed;
};
const feeds = {
  'no listener': make(0, 200),
  'one listener, 200/s cap': make(1, 200),
  'one listener, no cap': make(1, Number.MAX_SAFE_INTEGER),
};

const record = (i: number) =>
  decisionRecord(
    event,
    results[i & 7] as DecisionResult,
    features,
    schema,
    [],
    hits[i & 7] as string[],
    undefined,
    0,
  );
const cases: [string, (i: number) => void][] = [
  ['baseline: decisionRecord', (i) => void record(i)],
  ...Object.entries(feeds).map(
    ([name, feed]) =>
      [
        `decisionRecord + observe, ${name}`,
        (i: number) =>
          feed.observe(event, results[i & 7] as DecisionResult, hits[i & 7] as string[], record(i)),
      ] as [string, (i: number) => void],
  ),
];

const ROUNDS = 10;
const per = N / ROUNDS;
const total = new Map<string, number>(cases.map(([n]) => [n, 0]));
for (let round = 0; round < ROUNDS + 1; round++)
  // Each round starts at another case, so no case always runs right after the same one.
  for (let c = 0; c < cases.length; c++) {
    const [name, run] = cases[(c + round) % cases.length] as [string, (i: number) => void];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < per; i++) run(i);
    const ns = Number(process.hrtime.bigint() - t0);
    // The first round warms the JIT up and is not counted.
    if (round > 0) total.set(name, (total.get(name) as number) + ns);
  }
const base = (total.get('baseline: decisionRecord') as number) / N;
console.log(`console feed: ${N.toLocaleString('en')} decisions per case, ${ROUNDS} interleaved rounds\n`);
console.log(`${'case'.padEnd(58)} ${'ns/decision'.padStart(12)} ${'× baseline'.padStart(11)}`);
for (const [name] of cases) {
  const ns = (total.get(name) as number) / N;
  console.log(`${name.padEnd(58)} ${ns.toFixed(0).padStart(12)} ${(ns / base).toFixed(2).padStart(11)}`);
}
const s = feeds['one listener, 200/s cap'].stats();
console.log(
  `\ncapped listener: ${s.sent.toLocaleString('en')} sent, ${s.sampledOut.toLocaleString('en')} counted, not sent`,
);
for (const f of Object.values(feeds)) f.close();
