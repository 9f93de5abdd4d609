/**
 * `npm run consume:nats -- [--url nats://127.0.0.1:4222] [--stream RISK_DECISIONS] [--subject 'risk.decisions.>'] [--durable NAME] [--max N]`:
 * an example consumer of the JetStream decision sink (docs/decision-log.md "NATS JetStream sink").
 * It reads with a durable pull consumer of its own (created if missing, explicit acks), names each
 * decision's features by its schema (looked up once per schema id: the last message on
 * `<prefix>.schemas.<id>`), prints one line per message (`subject decisionId decision score` and a
 * few non-zero features; with --json the record with `features` by name) and acks it after
 * printing, so a restarted consumer goes on where it stopped. Without --max it runs until SIGINT;
 * with it, it stops after N messages or when none came for two seconds.
 */
import { parseArgs } from 'node:util';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
    stream: { type: 'string', default: process.env.RISK_NATS_STREAM ?? 'RISK_DECISIONS' },
    prefix: { type: 'string', default: process.env.RISK_NATS_SUBJECT_PREFIX ?? 'risk' },
    subject: { type: 'string' },
    durable: { type: 'string', default: 'example-consumer' },
    max: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    "usage: npm run consume:nats -- [--url nats://127.0.0.1:4222] [--stream RISK_DECISIONS] [--prefix risk] [--subject '<prefix>.decisions.>'] [--durable example-consumer] [--max N] [--json]",
  );
  process.exit(0);
}
const subject = args.subject ?? `${args.prefix}.decisions.>`;
const max = args.max === undefined ? Number.POSITIVE_INFINITY : Number(args.max);

/** A decision message as the sink publishes it (the fields this example reads). */
interface DecisionMessage {
  kind: 'decision' | 'outcome';
  decisionId: string;
  eventId: string;
  decision?: string;
  score?: number;
  type?: string;
  /** Feature schema id and the snapshot laid out by it: base64 of little-endian float64s, NaN missing (decisions only). */
  schema?: string;
  fb?: string;
}

const nc = await connect({ servers: args.url.split(','), name: 'risk-example-consumer' });
const jsm = await jetstreamManager(nc);
// A durable consumer: the server remembers what it acked, across restarts of this process.
await jsm.consumers.add(args.stream, {
  durable_name: args.durable,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  filter_subject: subject,
});
// Feature names by schema id: a schema changes only with a bundle's features, so this stays small.
const schemas = new Map<string, readonly string[]>();
const namesOf = async (id: string): Promise<readonly string[]> => {
  let names = schemas.get(id);
  if (names === undefined) {
    const m = await jsm.streams.getMessage(args.stream, { last_by_subj: `${args.prefix}.schemas.${id}` });
    names = m === null ? [] : m.json<{ names: string[] }>().names;
    schemas.set(id, names);
  }
  return names;
};
const consumer = await jetstream(nc).consumers.get(args.stream, args.durable);
let seen = 0;
process.once('SIGINT', () => void nc.close());
while (seen < max && !nc.isClosed()) {
  const batch = await consumer.fetch({ max_messages: Math.min(256, max - seen), expires: 2000 });
  let got = 0;
  for await (const m of batch) {
    got++;
    seen++;
    const { fb, ...d } = m.json<DecisionMessage>();
    const names = d.schema !== undefined ? await namesOf(d.schema) : [];
    const bytes = Buffer.from(fb ?? '', 'base64');
    const value = (i: number) => {
      const v = (i + 1) * 8 <= bytes.length ? bytes.readDoubleLE(i * 8) : Number.NaN;
      return Number.isNaN(v) ? null : v;
    };
    const features = Object.fromEntries(names.map((n, i) => [n, value(i)]));
    if (args.json) console.log(JSON.stringify({ subject: m.subject, ...d, features }));
    else {
      const top = Object.entries(features)
        .filter(([, v]) => v !== null && v !== 0)
        .slice(0, 3)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      console.log(`${m.subject} ${d.decisionId} ${d.decision ?? d.type} ${d.score ?? ''} ${top}`.trimEnd());
    }
    m.ack();
  }
  if (got === 0 && args.max !== undefined) break;
}
await nc.close();
