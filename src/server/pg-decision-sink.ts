import pg from 'pg';
import type { SchemaRecord } from '../engine/index.js';
import { createBatchSink, type DecisionSink } from './batch-sink.js';
import { createPgSchema, quoteIdent } from './create-pg-schema.js';
import { sinkRecordOf } from './sink-record.js';

/** Options for createPgDecisionSink. */
export interface PgDecisionSinkOptions {
  /** postgres://… (DATABASE_URL). */
  readonly url: string;
  /** Schema of the tables (created if missing). */
  readonly schema: string;
  readonly batchSize: number;
  readonly flushMs: number;
  readonly maxQueue: number;
  /** Budget of one connection attempt and of one batch's statement. */
  readonly timeoutMs?: number;
  readonly closeTimeoutMs?: number;
  readonly onError?: (err: Error, failures: number) => void;
  readonly onRecover?: (failures: number) => void;
}

/**
 * Creates the sink's tables if they are missing, under a transaction-scoped advisory lock so
 * replicas starting together do not race on the DDL (docs/decision-log.md "PostgreSQL sink"):
 * `decisions` (one row per decision, the record as jsonb), `feature_schemas` (the names of a
 * record's `f`, by schema id) and `outcomes`.
 */
export async function ensurePgDecisionSchema(client: pg.ClientBase, schema: string): Promise<void> {
  await createPgSchema(
    client,
    schema,
    'risk_decision_sink',
    (s) => `
      CREATE TABLE IF NOT EXISTS ${s}.feature_schemas (
        id text PRIMARY KEY,
        names jsonb NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${s}.decisions (
        decision_id text PRIMARY KEY,
        event_id text NOT NULL,
        at timestamptz NOT NULL,
        decision text NOT NULL,
        score double precision NOT NULL,
        model_score double precision,
        bundle_version text NOT NULL,
        model_version text NOT NULL,
        feature_schema text NOT NULL,
        record jsonb NOT NULL
      );
      CREATE INDEX IF NOT EXISTS decisions_event_id ON ${s}.decisions (event_id);
      CREATE INDEX IF NOT EXISTS decisions_at ON ${s}.decisions (at);
      CREATE TABLE IF NOT EXISTS ${s}.outcomes (
        outcome_id text PRIMARY KEY,
        decision_id text NOT NULL,
        event_id text NOT NULL,
        type text NOT NULL,
        at timestamptz NOT NULL,
        record jsonb NOT NULL
      );
      CREATE INDEX IF NOT EXISTS outcomes_decision_id ON ${s}.outcomes (decision_id);
    `,
  );
}

/**
 * The decision log in PostgreSQL: batches of records written by one statement (the new feature
 * schemas, the outcomes and the decisions, each `INSERT … SELECT FROM jsonb_array_elements(…) ON
 * CONFLICT DO NOTHING`, so a retried batch is harmless) over one connection, reconnected after any failure.
 * While the server is down the batch is retried with backoff and the queue stays bounded.
 */
export function createPgDecisionSink(options: PgDecisionSinkOptions): DecisionSink {
  const s = quoteIdent(options.schema);
  const timeoutMs = options.timeoutMs ?? 5000;
  // The batch travels as three JSON arrays of the records' own lines: joining strings is all the
  // service does (no per-column arrays to escape); PostgreSQL takes the columns out of the jsonb.
  const insert = `
    WITH fs AS (
      INSERT INTO ${s}.feature_schemas (id, names)
      SELECT e->>'id', e->'names' FROM jsonb_array_elements($1::jsonb) AS e
      ON CONFLICT DO NOTHING
    ), o AS (
      INSERT INTO ${s}.outcomes (outcome_id, decision_id, event_id, type, at, record)
      SELECT e->>'outcomeId', e->>'decisionId', e->>'eventId', e->>'type', (e->>'at')::timestamptz, e
      FROM jsonb_array_elements($2::jsonb) AS e
      ON CONFLICT DO NOTHING
    )
    INSERT INTO ${s}.decisions (decision_id, event_id, at, decision, score, model_score, bundle_version,
      model_version, feature_schema, record)
    SELECT e->>'decisionId', e->>'eventId', (e->>'at')::timestamptz, e->>'decision', (e->>'score')::float8,
      (e->>'modelScore')::float8, e->>'bundleVersion', e->>'modelVersion', e->>'schema', e
    FROM jsonb_array_elements($3::jsonb) AS e
    ON CONFLICT DO NOTHING`;
  let client: pg.Client | undefined;
  /** Feature schemas this connection's statements have committed (a reconnect forgets none: the rows stay). */
  const stored = new Set<string>();

  const connected = async (): Promise<pg.Client> => {
    if (client !== undefined) return client;
    const c = new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs + 1000,
      application_name: 'risk-decision-sink',
    });
    // A lost connection is noticed by the next write, which reconnects.
    c.on('error', () => {
      if (client === c) client = undefined;
    });
    try {
      await c.connect();
      await ensurePgDecisionSchema(c, options.schema);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    client = c;
    return c;
  };
  const drop = async (c: pg.Client) => {
    if (client === c) client = undefined;
    await c.end().catch(() => undefined);
  };

  const write = async (batch: readonly object[]) => {
    const schemas = new Map<string, SchemaRecord>();
    const outcomes: string[] = [];
    const decisions: string[] = [];
    for (const r of batch) {
      const x = sinkRecordOf(r);
      if (x === undefined) continue;
      if (x.kind === 'outcome') outcomes.push(x.line);
      else {
        if (!stored.has(x.schema.id)) schemas.set(x.schema.id, x.schema);
        decisions.push(x.line);
      }
    }
    const c = await connected();
    const fresh = [...schemas.values()];
    try {
      await c.query(insert, [JSON.stringify(fresh), `[${outcomes.join(',')}]`, `[${decisions.join(',')}]`]);
    } catch (err) {
      // Data exceptions and constraint violations (SQLSTATE classes 22, 23) come back on a retry.
      const code = String((err as { code?: unknown }).code ?? '');
      if (code.startsWith('22') || code.startsWith('23'))
        throw Object.assign(err as Error, { permanent: true });
      await drop(c);
      throw err;
    }
    for (const x of fresh) stored.add(x.id);
  };

  return createBatchSink({
    name: 'pg',
    maxQueue: options.maxQueue,
    batchSize: options.batchSize,
    flushMs: options.flushMs,
    write,
    async end() {
      if (client !== undefined) await drop(client);
    },
    ...(options.onError !== undefined ? { onError: options.onError } : {}),
    ...(options.onRecover !== undefined ? { onRecover: options.onRecover } : {}),
    ...(options.closeTimeoutMs !== undefined ? { closeTimeoutMs: options.closeTimeoutMs } : {}),
  });
}
