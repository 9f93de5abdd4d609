import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snapshotFromBase64 } from '../../src/durability/index.js';
import type { Service } from '../../src/server/app.js';
import { paymentRequest, testService } from '../helpers.js';
import { deleteStream, ownNats, readStream, SHARED_NATS_URL, uniqueNatsNames } from '../nats-servers.js';

// The NATS JetStream decision sink (RISK_DECISION_SINKS=nats) against the machine's NATS (streams of
// this run's own, deleted after) and, for the outage, a nats-server this test starts and stops.
// Without NATS these fail.

const run = promisify(execFile);
const streams: string[] = [];
const dirs: string[] = [];
const services: Service[] = [];
beforeAll(async () => {
  const nc = await connect({ servers: SHARED_NATS_URL });
  await (await jetstreamManager(nc)).getAccountInfo();
  await nc.close();
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  for (const s of streams) await deleteStream(s);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Answer = {
  decisionId: string;
  eventId: string;
  decision: string;
  score: number;
  modelScore?: number;
  bundleVersion: string;
  modelVersion: string;
  reasons: unknown;
};

describe('NATS JetStream decision sink', () => {
  it.each(['each', 'batch'] as const)(
    'publishes every decision and outcome; a separate durable consumer reads them back as answered (acks %s)',
    async (acks) => {
      const names = uniqueNatsNames(`svc_${acks}`);
      streams.push(names.stream);
      const dataDir = mkdtempSync(join(tmpdir(), 'risk-nats-sink-'));
      dirs.push(dataDir);
      const s = await testService({
        decisionSinks: 'nats',
        natsUrl: SHARED_NATS_URL,
        natsSubjectPrefix: names.prefix,
        natsStream: names.stream,
        natsAcks: acks,
        decisionLog: 'file',
        dataDir,
      });
      services.push(s);
      const answers: Answer[] = [];
      for (let i = 0; i < 25; i++) {
        const body = paymentRequest(`nats-sink-${i}`, {
          account: { id: 'user-5', email: 'ana.secret@example.com', phone: '+4915112345678' },
          ...(i % 5 === 4
            ? { payment: { ...paymentRequest('x').event.payment, amountMinor: 900_000_00 } }
            : {}),
        });
        const res = await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: body });
        expect(res.statusCode).toBe(200);
        answers.push(res.json());
      }
      const out = await s.http.inject({
        method: 'POST',
        url: '/v1/outcomes',
        payload: { decisionId: answers[3]?.decisionId, type: 'CONFIRMED_FRAUD', reportedBy: 'analyst 7' },
      });
      expect(out.statusCode).toBe(201);
      const [sink] = s.decisionSinks;
      await sink?.flush();
      expect(sink?.stats()).toMatchObject({ appended: 26, written: 26, dropped: 0, queued: 0, errors: 0 });
      // More than one kind of decision, so the subjects differ.
      expect(new Set(answers.map((a) => a.decision)).size).toBeGreaterThan(1);

      const got = await readStream(names.stream, `${names.prefix}.decisions.>`, 25);
      expect(got.map((m) => m.body.decisionId)).toEqual(answers.map((a) => a.decisionId));
      // The feature names travel once, on the schema's own subject, before the first decision using them.
      const schemas = await readStream(names.stream, `${names.prefix}.schemas.>`, 5);
      expect(schemas).toHaveLength(1);
      const schema = schemas[0]?.body as { kind: string; id: string; names: string[] };
      expect(schemas[0]?.subject).toBe(`${names.prefix}.schemas.${schema.id}`);
      expect(schema.kind).toBe('schema');
      for (const [i, m] of got.entries()) {
        const a = answers[i] as Answer;
        expect(m.subject).toBe(`${names.prefix}.decisions.${a.decision}`);
        expect(m.msgId).toBe(a.decisionId);
        expect(m.body).toMatchObject({
          kind: 'decision',
          eventId: a.eventId,
          decision: a.decision,
          score: a.score,
          bundleVersion: a.bundleVersion,
          modelVersion: a.modelVersion,
          reasons: a.reasons,
          schema: schema.id,
          event: { eventId: a.eventId, account: { id: 'user-5', emailDomain: 'example.com' } },
        });
        expect(m.body.modelScore).toBe(a.modelScore);
        // The snapshot as the file log has it: base64 of the float64s (NaN missing), in the schema's order.
        const f = snapshotFromBase64(m.body.fb as string);
        expect(f).toHaveLength(schema.names.length);
        const features = Object.fromEntries(schema.names.map((n, k) => [n, f[k]]));
        // The nth payment of the card saw n before it.
        expect(features['card.count_1h']).toBe(i);
        expect(features.amount_usd).toBeGreaterThan(0);
      }
      const text = JSON.stringify(got);
      for (const raw of ['ana.secret', '4915112345678', '4111111111111111']) expect(text).not.toContain(raw);

      const outcomes = await readStream(names.stream, `${names.prefix}.outcomes.>`, 1);
      expect(outcomes).toEqual([
        {
          subject: `${names.prefix}.outcomes.CONFIRMED_FRAUD`,
          msgId: out.json().outcomeId,
          body: expect.objectContaining({
            kind: 'outcome',
            decisionId: answers[3]?.decisionId,
            eventId: 'nats-sink-3',
            type: 'CONFIRMED_FRAUD',
          }),
        },
      ]);
      const metrics = (await s.http.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('risk_decision_sink{sink="nats",state="written"} 26');

      // The documented example consumer reads the same decisions with a durable of its own.
      const { stdout } = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/nats-decision-consumer.ts',
          '--url',
          SHARED_NATS_URL,
          '--stream',
          names.stream,
          '--prefix',
          names.prefix,
          '--max',
          '25',
          '--json',
        ],
        { cwd: join(import.meta.dirname, '../..') },
      );
      const lines = stdout
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as { decisionId: string; subject: string; features: Record<string, number | null> },
        );
      expect(lines.map((l) => l.decisionId)).toEqual(answers.map((a) => a.decisionId));
      // It names the features by the schema it looked up by id.
      expect(lines.map((l) => l.features['card.count_1h'])).toEqual(answers.map((_, i) => i));
    },
    30_000,
  );

  it('a batch published twice is stored once (Nats-Msg-Id is the decision id)', async () => {
    const names = uniqueNatsNames('dedupe');
    streams.push(names.stream);
    const { createNatsDecisionSink } = await import('../../src/server/nats-decision-sink.js');
    const sink = createNatsDecisionSink({
      url: SHARED_NATS_URL,
      subjectPrefix: names.prefix,
      stream: names.stream,
      maxAgeMs: 3_600_000,
      maxBytes: 0,
      batchSize: 10,
      flushMs: 50,
      maxQueue: 100,
    });
    const outcome = { kind: 'outcome', outcomeId: 'o-1', decisionId: 'd-1', eventId: 'e-1', type: 'REFUND' };
    sink.append(outcome);
    await sink.flush();
    sink.append({ ...outcome });
    await sink.flush();
    await sink.close();
    expect(sink.stats()).toMatchObject({ appended: 2, written: 2 });
    const got = await readStream(names.stream, `${names.prefix}.>`, 2);
    expect(got.map((m) => m.msgId)).toEqual(['o-1']);
  });

  it.each(['each', 'batch'] as const)(
    'keeps a bounded queue while its NATS server is down, drops only beyond it (counted), and catches up (acks %s)',
    async (acks) => {
      const nats = await ownNats();
      await nats.start();
      const names = uniqueNatsNames(`outage_${acks}`);
      try {
        const s = await testService({
          decisionSinks: 'nats',
          natsUrl: nats.url,
          natsSubjectPrefix: names.prefix,
          natsStream: names.stream,
          natsAcks: acks,
          decisionSinkBatch: 10,
          decisionSinkFlushMs: 20,
          decisionSinkMaxQueue: 40,
        });
        services.push(s);
        const decide = async (id: string) => {
          const res = await s.http.inject({
            method: 'POST',
            url: '/v1/decisions',
            payload: paymentRequest(id),
          });
          expect(res.statusCode).toBe(200);
          return (res.json() as Answer).decisionId;
        };
        const [sink] = s.decisionSinks;
        if (sink === undefined) throw new Error('no sink');
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) ids.push(await decide(`up-${i}`));
        await sink.flush();
        expect(sink.stats()).toMatchObject({ written: 10, dropped: 0 });

        await nats.stop();
        // Decisions go on, answered as fast as before; the sink queues 40 (plus one batch in flight).
        for (let i = 0; i < 120; i++) ids.push(await decide(`down-${i}`));
        const during = sink.stats();
        expect(during.appended + during.dropped).toBe(130);
        expect(during.dropped).toBeGreaterThanOrEqual(120 - 40 - 10);
        expect(during.queued).toBeLessThanOrEqual(50);

        await nats.start();
        for (let t = 0; t < 300 && sink.stats().queued > 0; t++) await new Promise((r) => setTimeout(r, 50));
        const after = sink.stats();
        expect(after).toMatchObject({ queued: 0, dropped: during.dropped, written: during.appended });
        expect(after.errors).toBeGreaterThanOrEqual(1);
        const got = await readStream(names.stream, `${names.prefix}.decisions.>`, 200, nats.url);
        // Exactly the records kept: the first ones of the outage, in order; the rest were dropped.
        expect(got.map((m) => m.msgId)).toEqual(ids.slice(0, after.written));
      } finally {
        await Promise.all(services.splice(0).map((x) => x.close()));
        await nats.dispose();
      }
    },
    60_000,
  );
});
