import type { DecisionSink } from './batch-sink.js';
import { type Config, decisionSinkNames } from './config.js';
import { createNatsDecisionSink } from './nats-decision-sink.js';
import { createPgDecisionSink } from './pg-decision-sink.js';

/** Where sink failures are logged (the service's logger). */
export interface SinkLog {
  warn(o: object, msg: string): void;
  info(o: object, msg: string): void;
}

/**
 * The sinks RISK_DECISION_SINKS names, built from the configuration (docs/decision-log.md). A
 * failing sink is logged as degraded on its first failure and every 100th after, and once more
 * when it recovers: the message and code only (records never reach the log).
 */
export function createDecisionSinks(config: Config, log: SinkLog): DecisionSink[] {
  const common = (sink: string) => ({
    batchSize: config.decisionSinkBatch,
    flushMs: config.decisionSinkFlushMs,
    maxQueue: config.decisionSinkMaxQueue,
    onError: (err: Error, failures: number) => {
      if (failures === 0)
        log.warn(
          { sink, err: err.message, code: (err as { code?: unknown }).code },
          'decision sink refused a batch: dropped (counted in risk_decision_sink{state="dropped"})',
        );
      else if (failures === 1 || failures % 100 === 0)
        log.warn(
          { sink, failures, err: err.message, code: (err as { code?: unknown }).code },
          'decision sink degraded: write failed, retrying with backoff (records queue up to RISK_DECISION_SINK_MAX_QUEUE, then are dropped)',
        );
    },
    onRecover: (failures: number) => log.info({ sink, failures }, 'decision sink recovered'),
  });
  return decisionSinkNames(config).map((name) =>
    name === 'pg'
      ? createPgDecisionSink({ url: config.databaseUrl, schema: config.decisionPgSchema, ...common('pg') })
      : createNatsDecisionSink({
          url: config.natsUrl,
          subjectPrefix: config.natsSubjectPrefix,
          stream: config.natsStream,
          maxAgeMs: config.natsMaxAgeHours * 3_600_000,
          maxBytes: config.natsMaxMb * 1024 * 1024,
          acks: config.natsAcks === 'batch' ? 'batch' : 'each',
          ...common('nats'),
        }),
  );
}
