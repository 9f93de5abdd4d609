/**
 * `npm run bench:sinks [-- --decisions 20000 --rounds 3 --concurrency 16]`: what the decision log and
 * its sinks cost end-to-end decision throughput (docs/decision-log.md; issue target: < 5 % against
 * logging off). Four services in this process, on the embedded default bundle with the journal off:
 * no log, the NDJSON files, files + PostgreSQL (BENCH_DATABASE_URL, default the machine's `test`
 * database, a schema of its own dropped after) and files + NATS JetStream (BENCH_NATS_URL, a
 * stream of its own deleted after). Each round runs one slice of `--decisions` fresh decisions per
 * service, in rotating order so all see the same machine drift, through `engine.decide` with
 * `--concurrency` callers, yielding to the event loop as a server does between requests so the
 * writers run during the slice. A slice's time ends when every sink has written everything it
 * took: the serialisation and I/O the sinks cost are in the figure. Prints decisions/s per
 * configuration pooled over the rounds and the ratio to "off".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { RiskEvent } from '../src/domain/index.js';
import { buildService, loadConfig, type Service } from '../src/server/index.js';
import { domainEvents } from './domain-events.js';
import { pickTemplates } from './pick-templates.js';
import { DEFAULT_BUNDLE_DIR } from './repo-root.js';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    only: { type: 'string', default: 'off,file,file+pg,file+nats,file+nats(batch acks)' },
  },
});
const N = Number(values.decisions);
const ROUNDS = Number(values.rounds);
const C = Number(values.concurrency);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const id = `${process.pid}_${Date.now().toString(36)}`;
const pgSchema = `risk_bench_sinks_${id}`;
const bundleSchema = `risk_bench_bundle_${id}`;
const stream = `RISK_BENCH_${id}`.toUpperCase();
const dataDir = mkdtempSync(join(tmpdir(), 'risk-bench-sinks-'));

const configs: Record<string, Record<string, string>> = {
  off: { RISK_DECISION_LOG: 'off' },
  file: { RISK_DECISION_LOG: 'file' },
  'file+pg': {
    RISK_DECISION_LOG: 'file',
    RISK_DECISION_SINKS: 'pg',
    DATABASE_URL,
    RISK_PG_SCHEMA: bundleSchema,
    RISK_DECISION_PG_SCHEMA: pgSchema,
  },
  'file+nats': {
    RISK_DECISION_LOG: 'file',
    RISK_DECISION_SINKS: 'nats',
    NATS_URL,
    RISK_NATS_SUBJECT_PREFIX: `riskbench.${id}`,
    RISK_NATS_STREAM: stream,
  },
  'file+nats(batch acks)': {
    RISK_DECISION_LOG: 'file',
    RISK_DECISION_SINKS: 'nats',
    NATS_URL,
    RISK_NATS_SUBJECT_PREFIX: `riskbench.${id}b`,
    RISK_NATS_STREAM: `${stream}B`,
    RISK_NATS_ACKS: 'batch',
  },
};
const names = values.only.split(',').filter((n) => n in configs);

const services = new Map<string, Service>();
for (const name of names) {
  const env = {
    LOG_LEVEL: 'warn',
    RISK_JOURNAL_MODE: 'off',
    RISK_BUNDLE_DIR: DEFAULT_BUNDLE_DIR,
    DATA_DIR: join(dataDir, name),
    ...configs[name],
  };
  services.set(name, await buildService(loadConfig(env), { logger: false }));
}

const templates = pickTemplates(N);
/** Decides `events` with C callers, yielding to the event loop every few decisions as a server would. */
async function slice(s: Service, events: readonly RiskEvent[]): Promise<{ seconds: number; cpu: number }> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let next = 0;
  const caller = async () => {
    for (let k = 0; next < events.length; k++) {
      await s.engine.decide(events[next++] as RiskEvent);
      if (k % 8 === 7) await new Promise((r) => setImmediate(r));
    }
  };
  await Promise.all(Array.from({ length: C }, caller));
  // Until every record taken has been written (the files' group commit and each sink).
  await s.flushDecisionLog();
  for (const sink of s.decisionSinks) while (sink.stats().queued > 0) await sink.flush();
  const c = process.cpuUsage(c0);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 };
}

type Total = { seconds: number; cpu: number; decisions: number };
const totals = new Map<string, Total>(names.map((n) => [n, { seconds: 0, cpu: 0, decisions: 0 }]));
// Warm-up slice per service, not counted.
for (const name of names) {
  const s = services.get(name) as Service;
  await slice(s, domainEvents(s.tokenizer, templates.slice(0, Math.min(N, 5000)), `warm-${name}`));
}
for (let r = 0; r < ROUNDS; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length] as string);
  for (const name of order) {
    const s = services.get(name) as Service;
    const events = domainEvents(s.tokenizer, templates, `r${r}-${name}`);
    const { seconds, cpu } = await slice(s, events);
    const t = totals.get(name) as Total;
    t.seconds += seconds;
    t.cpu += cpu;
    t.decisions += events.length;
    process.stderr.write(
      `round ${r + 1}/${ROUNDS} ${name}: ${Math.round(events.length / seconds)} decisions/s, ${((cpu / events.length) * 1e6).toFixed(1)} µs CPU each\n`,
    );
  }
}

const base = totals.get('off');
const baseRate = base !== undefined ? base.decisions / base.seconds : Number.NaN;
const baseCpu = base !== undefined ? base.cpu / base.decisions : Number.NaN;
console.log(
  `\nDecision-log overhead: ${N} decisions x ${ROUNDS} rounds per configuration, ${C} callers, in process`,
);
console.log(
  "(wall: until every sink wrote everything, the servers' own CPU included when they share the machine;",
);
console.log(' CPU: this process only, user + system, per decision, the writers included)\n');
console.log(
  '| configuration | decisions/s (wall) | ratio to off | CPU per decision | CPU ratio to off | sink written | sink dropped | sink errors |',
);
console.log(
  '| ------------- | -----------------: | -----------: | ---------------: | ---------------: | -----------: | -----------: | ----------: |',
);
for (const name of names) {
  const t = totals.get(name) as Total;
  const rate = t.decisions / t.seconds;
  const cpu = t.cpu / t.decisions;
  const sinks = (services.get(name) as Service).decisionSinks.map((x) => x.stats());
  const sum = (k: 'written' | 'dropped' | 'errors') =>
    sinks.length === 0 ? '–' : String(sinks.reduce((a, x) => a + x[k], 0));
  console.log(
    `| ${name} | ${Math.round(rate)} | ${(rate / baseRate).toFixed(3)} | ${(cpu * 1e6).toFixed(1)} µs | ${(cpu / baseCpu).toFixed(3)} | ${sum('written')} | ${sum('dropped')} | ${sum('errors')} |`,
  );
}

for (const s of services.values()) await s.close();
if (names.includes('file+pg')) {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
  await c.query(`DROP SCHEMA IF EXISTS "${bundleSchema}" CASCADE`);
  await c.end();
}
if (names.some((n) => n.startsWith('file+nats'))) {
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  for (const x of [stream, `${stream}B`]) await jsm.streams.delete(x).catch(() => undefined);
  await nc.close();
}
rmSync(dataDir, { recursive: true, force: true });
