import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { SchemaRecord } from '../engine/index.js';
import { createBatchSink, type DecisionSink } from './batch-sink.js';
import { type SinkRecord, sinkRecordOf } from './sink-record.js';

/** Options for createNatsDecisionSink. */
export interface NatsDecisionSinkOptions {
  /** nats://host:port (NATS_URL; several comma-separated). */
  readonly url: string;
  /** First token(s) of every subject: `<prefix>.decisions.<DECISION>`, `<prefix>.outcomes.<TYPE>`. */
  readonly subjectPrefix: string;
  /** The JetStream stream holding those subjects (created if missing). */
  readonly stream: string;
  /** Messages older than this are removed by the stream (0: kept until max bytes). */
  readonly maxAgeMs: number;
  /** Bytes the stream keeps at most, oldest removed first (0: unlimited). */
  readonly maxBytes: number;
  /** Records of one batch: published together, their acks awaited together (the bound on acks in flight). */
  readonly batchSize: number;
  readonly flushMs: number;
  readonly maxQueue: number;
  /**
   * `each` (default): every message is a JetStream publish with its own ack; a message the stream
   * refuses fails its batch. `batch`: the batch's messages go out as plain publishes and only the
   * last one is acknowledged: the server stores one connection's messages in order, so that ack
   * says the batch reached the stream, and a connection lost during the batch fails it, but a
   * single message the stream refused by itself (a limit) goes unnoticed. About a fifth of the
   * client's CPU per message.
   */
  readonly acks?: 'each' | 'batch';
  /** Budget of a connection attempt and of one batch's acks. */
  readonly timeoutMs?: number;
  readonly closeTimeoutMs?: number;
  readonly onError?: (err: Error, failures: number) => void;
  readonly onRecover?: (failures: number) => void;
}

/** JetStream's duplicate window: a batch retried within it is stored once (Nats-Msg-Id). */
const DUPLICATE_WINDOW_MS = 120_000;
const NANOS = 1_000_000;

/** The subjects of the stream, for a prefix. */
export function natsSinkSubjects(prefix: string): { decisions: string; outcomes: string; schemas: string } {
  return {
    decisions: `${prefix}.decisions.>`,
    outcomes: `${prefix}.outcomes.>`,
    schemas: `${prefix}.schemas.>`,
  };
}

/**
 * One record as a JetStream message (docs/decision-log.md "NATS JetStream sink"): the line the
 * file log writes, byte for byte (serialised once for all), on a subject naming the decision or
 * the outcome type; `Nats-Msg-Id` is the decision or outcome id.
 */
export function natsMessageOf(x: SinkRecord, prefix: string): { subject: string; id: string; line: string } {
  return x.kind === 'outcome'
    ? { subject: `${prefix}.outcomes.${x.record.type}`, id: x.record.outcomeId, line: x.line }
    : { subject: `${prefix}.decisions.${x.result.decision}`, id: x.result.decisionId, line: x.line };
}

/**
 * The decision log on NATS JetStream subjects, for stream processors downstream (Flink): each
 * batch is published asynchronously and its acks awaited together, so at most `batchSize` acks are
 * in flight. `Nats-Msg-Id` is the decision (or outcome) id, so a batch retried after a lost ack is
 * stored once. The connection reconnects by itself; while the server is unreachable the batch is
 * retried with backoff and the queue stays bounded (drops counted).
 */
export function createNatsDecisionSink(options: NatsDecisionSinkOptions): DecisionSink {
  const timeoutMs = options.timeoutMs ?? 5000;
  const subjects = natsSinkSubjects(options.subjectPrefix);
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let streamReady = false;
  /** Disconnections seen on the current connection: a batch acknowledged as a whole fails across one. */
  let disconnects = 0;
  const ackEach = (options.acks ?? 'each') === 'each';
  const encoder = new TextEncoder();

  const ensureStream = async (jsm: JetStreamManager) => {
    const want = [subjects.decisions, subjects.outcomes, subjects.schemas];
    const info = await jsm.streams.info(options.stream).catch((err: unknown) => {
      if ((err as { code?: number }).code === 10059 || (err as Error).name === 'StreamNotFoundError')
        return undefined;
      throw err;
    });
    if (info === undefined) {
      await jsm.streams.add({
        name: options.stream,
        subjects: want,
        max_age: options.maxAgeMs * NANOS,
        max_bytes: options.maxBytes > 0 ? options.maxBytes : -1,
        duplicate_window: DUPLICATE_WINDOW_MS * NANOS,
      });
      return;
    }
    const have = info.config.subjects ?? [];
    const missing = want.filter((s) => !have.includes(s));
    if (missing.length > 0) await jsm.streams.update(options.stream, { subjects: [...have, ...missing] });
  };
  const ready = async (): Promise<JetStreamClient> => {
    if (nc === undefined || nc.isClosed()) {
      const c = await connect({
        servers: options.url.split(',').map((s) => s.trim()),
        name: 'risk-decision-sink',
        timeout: timeoutMs,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
      nc = c;
      js = jetstream(c, { timeout: timeoutMs });
      void (async () => {
        for await (const st of c.status()) if (st.type === 'disconnect') disconnects++;
      })().catch(() => undefined);
      streamReady = false;
    }
    if (!streamReady) {
      await ensureStream(await jetstreamManager(nc, { timeout: timeoutMs }));
      streamReady = true;
    }
    return js as JetStreamClient;
  };

  /** When each feature schema was last published on this stream (republished before max age removes it). */
  const schemaSent = new Map<string, number>();
  const republishMs = Math.min(3_600_000, options.maxAgeMs > 0 ? options.maxAgeMs / 2 : 3_600_000);
  const write = async (batch: readonly object[]) => {
    const client = await ready();
    const conn = nc as NatsConnection;
    const seen = disconnects;
    const acks: Promise<unknown>[] = [];
    const messages: { subject: string; data: Uint8Array; id: string }[] = [];
    const schemas: SchemaRecord[] = [];
    const t = Date.now();
    for (const r of batch) {
      const x = sinkRecordOf(r);
      if (x === undefined) continue;
      if (
        x.kind === 'decision' &&
        t - (schemaSent.get(x.schema.id) ?? Number.NEGATIVE_INFINITY) >= republishMs
      ) {
        // The names of `f`, before the first decision laid out by them (a consumer gets them by subject).
        schemaSent.set(x.schema.id, t);
        schemas.push(x.schema);
        messages.push({
          subject: `${options.subjectPrefix}.schemas.${x.schema.id}`,
          data: encoder.encode(JSON.stringify(x.schema)),
          id: `schema-${x.schema.id}`,
        });
      }
      const m = natsMessageOf(x, options.subjectPrefix);
      messages.push({ subject: m.subject, data: encoder.encode(m.line), id: m.id });
    }
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as (typeof messages)[number];
      if (ackEach || i === messages.length - 1)
        acks.push(client.publish(m.subject, m.data, { msgID: m.id, timeout: timeoutMs }));
      else {
        const h = headers();
        h.set('Nats-Msg-Id', m.id);
        conn.publish(m.subject, m.data, { headers: h });
      }
    }
    const results = await Promise.allSettled(acks);
    const failed =
      results.find((r) => r.status === 'rejected') ??
      (disconnects !== seen
        ? ({ status: 'rejected', reason: new Error('NATS connection lost during the batch') } as const)
        : undefined);
    if (failed !== undefined) {
      // The stream may be gone (a server restarted without its store): check it on the retry, and
      // send the batch's schemas again.
      streamReady = false;
      for (const x of schemas) schemaSent.delete(x.id);
      throw (failed as PromiseRejectedResult).reason;
    }
  };

  return createBatchSink({
    name: 'nats',
    maxQueue: options.maxQueue,
    batchSize: options.batchSize,
    flushMs: options.flushMs,
    write,
    async end() {
      const c = nc;
      nc = undefined;
      if (c !== undefined && !c.isClosed()) await c.close().catch(() => undefined);
    },
    ...(options.onError !== undefined ? { onError: options.onError } : {}),
    ...(options.onRecover !== undefined ? { onRecover: options.onRecover } : {}),
    ...(options.closeTimeoutMs !== undefined ? { closeTimeoutMs: options.closeTimeoutMs } : {}),
  });
}
