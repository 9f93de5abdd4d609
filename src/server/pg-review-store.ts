import pg from 'pg';
import { RiskError } from '../domain/index.js';
import { createPgSchema, quoteIdent } from './create-pg-schema.js';
import { type CaseChange, type ReviewCase, viewOf } from './review-case.js';
import type { ReviewStore } from './review-store.js';

/** What the PostgreSQL review store needs. */
export interface PgReviewStoreOptions {
  /** DATABASE_URL. */
  readonly url: string;
  /** RISK_PG_SCHEMA: the schema of the cases table (created if missing). */
  readonly schema: string;
  readonly log?: { warn(o: object, m: string): void };
}

interface Row {
  case_id: string;
  created_at: Date;
  status: ReviewCase['status'];
  claimed_by: string | null;
  claimed_at: Date | null;
  lease_expires_at: Date | null;
  verdict: Exclude<ReviewCase['verdict'], undefined> | null;
  note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  outcome_id: string | null;
  body: Omit<ReviewCase, 'caseId' | 'createdAt' | 'status'>;
}

/** The parts of a case that never change, kept as one jsonb column. */
const bodyOf = (c: ReviewCase) => ({
  decisionId: c.decisionId,
  eventId: c.eventId,
  score: c.score,
  ...(c.modelScore !== undefined ? { modelScore: c.modelScore } : {}),
  topReasons: c.topReasons,
  reasons: c.reasons,
  features: c.features,
  event: c.event,
});

/** Cases one INSERT carries at most. */
const INSERT_CHUNK = 500;

const iso = (d: Date | null) => (d === null ? undefined : d.toISOString());

function caseOfRow(r: Row): ReviewCase {
  const at = (k: string, d: Date | null) => (d === null ? {} : { [k]: d.toISOString() });
  const text = (k: string, v: string | null) => (v === null ? {} : { [k]: v });
  return {
    caseId: r.case_id,
    ...r.body,
    createdAt: iso(r.created_at) as string,
    status: r.status,
    ...text('claimedBy', r.claimed_by),
    ...at('claimedAt', r.claimed_at),
    ...at('leaseExpiresAt', r.lease_expires_at),
    ...text('verdict', r.verdict),
    ...text('note', r.note),
    ...text('resolvedBy', r.resolved_by),
    ...at('resolvedAt', r.resolved_at),
    ...text('outcomeId', r.outcome_id),
  } as ReviewCase;
}

/**
 * Creates `risk_review_cases` in `schema` if missing (under an advisory lock, so replicas starting
 * together do not race on the DDL): one row per case, its state in columns (status, the lease:
 * claimed_by and lease_expires_at, the verdict) and what never changes (reasons, features, event)
 * in `body`.
 */
export async function ensurePgReviewSchema(client: pg.ClientBase, schema: string): Promise<void> {
  await createPgSchema(
    client,
    schema,
    'risk_review_schema',
    (s) => `
      CREATE TABLE IF NOT EXISTS ${s}.risk_review_cases (
        case_id text PRIMARY KEY,
        seq bigserial NOT NULL,
        created_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('open', 'claimed', 'resolved')),
        claimed_by text,
        claimed_at timestamptz,
        lease_expires_at timestamptz,
        verdict text CHECK (verdict IN ('APPROVE', 'DECLINE')),
        note text,
        resolved_by text,
        resolved_at timestamptz,
        outcome_id text,
        body jsonb NOT NULL
      );
      CREATE INDEX IF NOT EXISTS risk_review_cases_status_created
        ON ${s}.risk_review_cases (status, created_at DESC, seq DESC);
    `,
  );
}

/**
 * The review store shared by replicas (docs/review-queue.md). Every change is one conditional UPDATE
 * (`… WHERE case_id = $1 AND <the case allows it> RETURNING *`): PostgreSQL serialises updates of a
 * row and re-checks the condition on the row as the first committed it, so of two replicas claiming
 * one case exactly one gets the row back. New cases arrive in batches (one INSERT from arrays).
 */
export async function createPgReviewStore(options: PgReviewStoreOptions): Promise<ReviewStore> {
  const s = quoteIdent(options.schema);
  const t = `${s}.risk_review_cases`;
  const pool = new pg.Pool({ connectionString: options.url, max: 3 });
  pool.on('error', (err) => options.log?.warn({ err: String(err) }, 'PostgreSQL connection lost'));
  const db = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> => {
    try {
      return (await pool.query<R>(text, values)).rows;
    } catch (err) {
      options.log?.warn({ err: String(err) }, 'review store (PostgreSQL) call failed');
      throw new RiskError('RISK_ERR_STORE_UNAVAILABLE', 'the review store (PostgreSQL) is unavailable', [], {
        cause: err,
      });
    }
  };
  try {
    const client = await pool.connect();
    try {
      await ensurePgReviewSchema(client, options.schema);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  const get = async (id: string) => {
    const rows = await db<Row>(`SELECT * FROM ${t} WHERE case_id = $1`, [id]);
    return rows[0] === undefined ? undefined : caseOfRow(rows[0]);
  };
  /** Runs a conditional UPDATE … RETURNING *; no row: the case as it is is the conflict, or there is none. */
  const change = async (id: string, text: string, values: unknown[], nowMs: number): Promise<CaseChange> => {
    const rows = await db<Row>(text, values);
    if (rows[0] !== undefined) return { case: caseOfRow(rows[0]) };
    const c = await get(id);
    return c === undefined ? undefined : { conflict: viewOf(c, nowMs) };
  };
  const OPEN = `(status = 'open' OR (status = 'claimed' AND lease_expires_at <= $1))`;
  const WHERE = {
    all: 'TRUE',
    open: OPEN,
    claimed: `(status = 'claimed' AND lease_expires_at > $1)`,
    resolved: `status = 'resolved'`,
  } as const;
  return {
    kind: 'postgres',
    async insert(cases) {
      // One statement per chunk, the rows as one JSON array: one parameter for PostgreSQL to parse,
      // not an array literal of escaped documents.
      for (let i = 0; i < cases.length; i += INSERT_CHUNK) {
        const rows = cases.slice(i, i + INSERT_CHUNK).map((c) => ({
          id: c.caseId,
          at: c.createdAt,
          status: c.status,
          body: bodyOf(c),
        }));
        await db(
          `INSERT INTO ${t} (case_id, created_at, status, body)
           SELECT x->>'id', (x->>'at')::timestamptz, x->>'status', x->'body'
             FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(x, n) ORDER BY n
           ON CONFLICT (case_id) DO NOTHING`,
          [JSON.stringify(rows)],
        );
      }
    },
    get,
    async list(status, limit, nowMs) {
      const rows = await db<Row>(
        `SELECT * FROM ${t} WHERE ${WHERE[status]} AND $1::timestamptz IS NOT NULL
         ORDER BY created_at DESC, seq DESC LIMIT $2`,
        [new Date(nowMs).toISOString(), limit],
      );
      return rows.map(caseOfRow);
    },
    claim: (id, analyst, nowMs, leaseMs) =>
      change(
        id,
        `UPDATE ${t} SET status = 'claimed', claimed_by = $2, claimed_at = $3, lease_expires_at = $4
          WHERE case_id = $1 AND (status = 'open'
             OR (status = 'claimed' AND (claimed_by = $2 OR lease_expires_at <= $3)))
          RETURNING *`,
        [id, analyst, new Date(nowMs).toISOString(), new Date(nowMs + leaseMs).toISOString()],
        nowMs,
      ),
    release: (id, analyst, nowMs) =>
      change(
        id,
        `UPDATE ${t} SET status = 'open', claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL
          WHERE case_id = $1 AND status = 'claimed' AND claimed_by = $2 RETURNING *`,
        [id, analyst],
        nowMs,
      ),
    resolve: (id, analyst, r, nowMs) =>
      change(
        id,
        `UPDATE ${t} SET status = 'resolved', lease_expires_at = NULL, verdict = $3, note = $4,
                resolved_by = $2, resolved_at = $5, outcome_id = $6
          WHERE case_id = $1 AND status = 'claimed' AND claimed_by = $2 RETURNING *`,
        [id, analyst, r.verdict, r.note ?? null, new Date(nowMs).toISOString(), r.outcomeId],
        nowMs,
      ),
    async counts(nowMs) {
      const rows = await db<{ open: string; claimed: string; resolved: string }>(
        `SELECT count(*) FILTER (WHERE ${WHERE.open}) AS open,
                count(*) FILTER (WHERE ${WHERE.claimed}) AS claimed,
                count(*) FILTER (WHERE ${WHERE.resolved}) AS resolved
           FROM ${t}`,
        [new Date(nowMs).toISOString()],
      );
      const r = rows[0];
      return {
        open: Number(r?.open ?? 0),
        claimed: Number(r?.claimed ?? 0),
        resolved: Number(r?.resolved ?? 0),
      };
    },
    async prune(beforeMs) {
      const rows = await db(
        `DELETE FROM ${t} WHERE status = 'resolved' AND resolved_at < $1 RETURNING case_id`,
        [new Date(beforeMs).toISOString()],
      );
      return rows.length;
    },
    close: () => pool.end(),
  };
}
