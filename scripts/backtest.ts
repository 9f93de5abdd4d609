/**
 * `npm run backtest -- --candidate DIR [--live DIR] [--data DATA_DIR] [--from T] [--to T] [--sample N] [--json]`:
 * runs a candidate bundle against the live one over the decision log under DATA_DIR/decisions
 * (docs/backtest.md) and prints the report as markdown, or as JSON with --json. Read-only: no live
 * state is touched, so it can run beside the service on the same DATA_DIR.
 * With `--csv FILE --map MAPPING.json` it runs over a labelled CSV instead (docs/backtest.md "Over a CSV").
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTokenizer } from '../src/domain/index.js';
import {
  type BacktestReport,
  backtest,
  backtestEvents,
  backtestParallel,
  type CsvMapping,
  csvEvents,
  defaultBundleDir,
  loadBundleDir,
  parseCsvMapping,
  readDecisionLog,
} from '../src/engine/index.js';

const { values: args } = parseArgs({
  options: {
    candidate: { type: 'string' },
    live: { type: 'string', default: process.env.RISK_BUNDLE_DIR ?? defaultBundleDir() },
    data: { type: 'string', default: process.env.DATA_DIR ?? './data' },
    from: { type: 'string' },
    to: { type: 'string' },
    sample: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
    csv: { type: 'string' },
    workers: { type: 'string', default: '1' },
    map: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
const usage =
  'usage: npm run backtest -- --candidate DIR [--live DIR] [--data DATA_DIR] [--from RFC3339] [--to RFC3339] [--sample 20] [--workers 1] [--json]\n' +
  '       npm run backtest -- --candidate DIR [--live DIR] --csv FILE --map MAPPING.json [--sample 20] [--json]';
if (args.help) {
  console.log(usage);
  process.exit(0);
}
if (args.candidate === undefined) {
  console.error(`--candidate is required\n${usage}`);
  process.exit(2);
}
const time = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) {
    console.error(`--${name} must be an RFC 3339 time, got ${v}`);
    process.exit(2);
  }
  return ms;
};
const from = time('from', args.from);
const to = time('to', args.to);
const opts = { tokenizer: createTokenizer(Buffer.alloc(32)), now: Date.now };
const load = async (dir: string) => {
  try {
    return await loadBundleDir(resolve(dir), opts);
  } catch (err) {
    console.error(`${dir}: ${(err as Error).message}`);
    process.exit(2);
  }
};
const live = await load(args.live);
const candidate = await load(args.candidate);
const report = args.csv === undefined ? await overLog() : await overCsv(args.csv);
async function overLog() {
  const workers = Number(args.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    console.error(`--workers must be an integer from 1 to 64, got ${args.workers}`);
    process.exit(2);
  }
  const dir = join(resolve(args.data), 'decisions');
  const range = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  if (workers === 1)
    return backtest(readDecisionLog(dir), { live, candidate, ...range, sample: Number(args.sample) });
  // Segments spread over worker threads, each loading both bundles from their directories.
  return backtestParallel(
    {
      dir,
      liveDir: resolve(args.live),
      candidateDir: resolve(args.candidate as string),
      ...range,
      sample: Number(args.sample),
      workers,
    },
    load,
  );
}
async function overCsv(path: string) {
  if (args.map === undefined) {
    console.error(`--csv needs --map MAPPING.json\n${usage}`);
    process.exit(2);
  }
  let mapping: CsvMapping;
  try {
    const parsed = parseCsvMapping(JSON.parse(readFileSync(args.map, 'utf8')));
    if ('errors' in parsed) throw new Error(parsed.errors.join('\n'));
    mapping = parsed.value;
  } catch (err) {
    console.error(`${args.map}: ${(err as Error).message}`);
    process.exit(2);
  }
  try {
    return await backtestEvents(
      csvEvents({ path }, mapping, opts.tokenizer, { attributes: live.features.attributes }),
      { live, candidate, sample: Number(args.sample) },
    );
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
await live.model?.close();
await candidate.model?.close();
console.log(args.json ? JSON.stringify(report, null, 2) : markdown(report));

function markdown(r: BacktestReport): string {
  const pct = (x: number) => (Number.isNaN(x) ? '—' : `${(100 * x).toFixed(1)} %`);
  const lines = [
    `# Backtest: ${r.candidateVersion} against ${r.liveVersion}`,
    '',
    `${r.events} decisions${r.from !== undefined ? ` from ${r.from} to ${r.to}` : ''}, ${Math.round(r.eventsPerSecond)} events/s.`,
    r.rejected !== undefined
      ? 'Over a CSV: both bundles decided every row on fresh counters.'
      : r.recordedDiffers > 0
        ? `The live bundle decides ${r.recordedDiffers} of them differently from the record (other versions served then).`
        : 'The live bundle decides every one as recorded.',
    '',
    '| decision | recorded | live | candidate |',
    '|---|---:|---:|---:|',
    ...(['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'] as const).map(
      (a) => `| ${a} | ${r.mix.recorded[a]} | ${r.mix.live[a]} | ${r.mix.candidate[a]} |`,
    ),
    '',
    ...(r.rejected !== undefined && r.rejected.rows > 0
      ? [`${r.rejected.rows} rows made no event; the first: ${r.rejected.sample.join('; ')}`, '']
      : []),
    `**${r.changed} decisions change.**`,
    '',
    '| labelled | fraud | | flagged | precision | recall |',
    '|---:|---:|---|---:|---:|---:|',
    `| ${r.labels.labelled} | ${r.labels.fraud} | live | ${r.labels.live.flagged} | ${pct(r.labels.live.precision)} | ${pct(r.labels.live.recall)} |`,
    `| | | candidate | ${r.labels.candidate.flagged} | ${pct(r.labels.candidate.precision)} | ${pct(r.labels.candidate.recall)} |`,
    '',
    '| rule | live | candidate | live shadow | candidate shadow |',
    '|---|---:|---:|---:|---:|',
    ...r.rules.map(
      (x) => `| ${x.id} | ${x.live} | ${x.candidate} | ${x.liveShadow} | ${x.candidateShadow} |`,
    ),
    '',
    '| event | live | candidate | candidate reasons |',
    '|---|---|---|---|',
    ...r.changedSample.map(
      (c) => `| ${c.eventId} | ${c.live} | ${c.candidate} | ${c.candidateReasons.join(', ')} |`,
    ),
  ];
  return lines.join('\n');
}
