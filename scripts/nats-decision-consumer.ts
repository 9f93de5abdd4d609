/**
 * `npm run consume:nats -- [--url nats://127.0.0.1:4222] [--stream RISK_DECISIONS] [--subject 'risk.decisions.>'] [--durable NAME] [--max N]`:
 * an example consumer of the JetStream decision sink (docs/decision-log.md "NATS JetStream sink").
 * It reads with a durable pull consumer of its own (created if missing, explicit acks), prints one
 * line per message (`subject decisionId decision score` and the top features) and acks it after
 * printing, so a restarted consumer goes on where it stopped. Without --max it runs until SIGINT.
 */
import { parseArgs } from 'node:util';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
    stream: { type: 'string', default: process.env.RISK_NATS_STREAM ?? 'RISK_DECISIONS' },
    subject: { type: 'string', default: `${process.env.RISK_NATS_SUBJECT_PREFIX ?? 'risk'}.decisions.>` },
    durable: { type: 'string', default: 'example-consumer' },
    max: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    "usage: npm run consume:nats -- [--url nats://127.0.0.1:4222] [--stream RISK_DECISIONS] [--subject 'risk.decisions.>'] [--durable example-consumer] [--max N] [--json]",
  );
  process.exit(0);
}
const max = args.max === undefined ? Number.POSITIVE_INFINITY : Number(args.max);

/** A decision message as the sink publishes it (the fields this example reads). */
interface DecisionMessage {
  kind: 'decision' | 'outcome';
  decisionId: string;
  eventId: string;
  decision?: string;
  score?: number;
  type?: string;
  features?: Record<string, number | null>;
}

const nc = await connect({ servers: args.url.split(','), name: 'risk-example-consumer' });
const jsm = await jetstreamManager(nc);
// A durable consumer: the server remembers what it acked, across restarts of this process.
await jsm.consumers.add(args.stream, {
  durable_name: args.durable,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  filter_subject: args.subject,
});
const consumer = await jetstream(nc).consumers.get(args.stream, args.durable);
let seen = 0;
process.once('SIGINT', () => void nc.close());
while (seen < max && !nc.isClosed()) {
  const batch = await consumer.fetch({ max_messages: Math.min(256, max - seen), expires: 2000 });
  let got = 0;
  for await (const m of batch) {
    got++;
    seen++;
    const d = m.json<DecisionMessage>();
    if (args.json) console.log(JSON.stringify({ subject: m.subject, ...d }));
    else {
      const top = Object.entries(d.features ?? {})
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
