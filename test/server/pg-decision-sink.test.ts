import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snapshotFromBase64 } from '../../src/durability/index.js';
import type { Service } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { createPgDecisionSink } from '../../src/server/pg-decision-sink.js';
import { paymentRequest, testService } from '../helpers.js';
import { dropSchema, SHARED_DATABASE_URL, sql, uniqueSchema } from '../pg-servers.js';

// The PostgreSQL decision sink (RISK_DECISION_SINKS=pg) against the machine's PostgreSQL: each test
// has schemas of its own, dropped after. Without PostgreSQL these fail.

const schemas: string[] = [];
const dirs: string[] = [];
const services: Service[] = [];
let n = 0;
const fresh = (what: string) => {
  const s = uniqueSchema(`${what}${n++}`);
  schemas.push(s);
  return s;
};
beforeAll(async () => {
  await sql('SELECT 1');
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A TCP relay to PostgreSQL the test can cut, as a network partition would. */
async function relay(): Promise<{ url: string; cut(on: boolean): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(5432, '127.0.0.1');
    for (const x of [client, upstream]) {
      sockets.add(x);
      x.on('error', () => undefined);
      x.on('close', () => sockets.delete(x));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(SHARED_DATABASE_URL);
  url.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: url.toString(),
    cut(on) {
      cut = on;
      if (on) for (const x of sockets) x.destroy();
    },
    async close() {
      for (const x of sockets) x.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

const outcome = (i: number) => ({
  kind: 'outcome',
  outcomeId: `o-${i}`,
  decisionId: `d-${i}`,
  eventId: `e-${i}`,
  type: 'REFUND',
  decision: 'ALLOW',
  at: new Date(Date.UTC(2026, 11, 2, 0, 0, i)).toISOString(),
});

describe('PostgreSQL decision sink', () => {
  it('needs DATABASE_URL, named at start-up', () => {
    expect(() => loadConfig({ RISK_DECISION_SINKS: 'pg' })).toThrow(
      /RISK_DECISION_SINKS=pg needs DATABASE_URL/,
    );
    expect(() => loadConfig({ RISK_DECISION_SINKS: 'kafka' })).toThrow(/kafka is not pg or nats/);
    expect(() => loadConfig({ RISK_DECISION_SINKS: 'nats' })).toThrow(
      /RISK_DECISION_SINKS=nats needs NATS_URL/,
    );
    expect(
      loadConfig({
        RISK_DECISION_SINKS: 'pg, nats',
        DATABASE_URL: SHARED_DATABASE_URL,
        NATS_URL: 'nats://x:4222',
      }).decisionSinks,
    ).toBe('pg, nats');
  });

  it('lands every decision made through the service, with its content, features and outcome', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-pg-sink-'));
    dirs.push(dataDir);
    const schema = fresh('sink');
    const s = await testService({
      databaseUrl: SHARED_DATABASE_URL,
      pgSchema: fresh('bundle'),
      decisionSinks: 'pg',
      decisionPgSchema: schema,
      decisionLog: 'file',
      dataDir,
    });
    services.push(s);
    const answers: Record<string, unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const body = paymentRequest(`pg-sink-${i}`, {
        account: { id: 'user-9', email: 'ana.secret@example.com', phone: '+4915112345678' },
      });
      const res = await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: body });
      expect(res.statusCode).toBe(200);
      answers.push(res.json());
    }
    const first = answers[0] as { decisionId: string };
    const out = await s.http.inject({
      method: 'POST',
      url: '/v1/outcomes',
      payload: { decisionId: first.decisionId, type: 'CHARGEBACK', reportedBy: 'disputes' },
    });
    expect(out.statusCode).toBe(201);
    const [sink] = s.decisionSinks;
    await sink?.flush();
    expect(sink?.stats()).toMatchObject({ appended: 31, written: 31, dropped: 0, queued: 0 });

    const rows = await sql<{
      decision_id: string;
      event_id: string;
      at: Date;
      decision: string;
      score: number;
      model_score: number | null;
      bundle_version: string;
      model_version: string;
      feature_schema: string;
      record: { event: unknown; reasons: unknown; fb: string; schema: string };
    }>(`SELECT * FROM "${schema}".decisions ORDER BY event_id`);
    expect(rows).toHaveLength(30);
    const byId = new Map(rows.map((r) => [r.decision_id, r]));
    for (const a of answers as {
      decisionId: string;
      eventId: string;
      decision: string;
      score: number;
      modelScore?: number;
      bundleVersion: string;
      modelVersion: string;
      reasons: unknown;
    }[]) {
      const r = byId.get(a.decisionId);
      expect(r, a.decisionId).toBeDefined();
      expect(r).toMatchObject({
        event_id: a.eventId,
        decision: a.decision,
        score: a.score,
        model_score: a.modelScore ?? null,
        bundle_version: a.bundleVersion,
        model_version: a.modelVersion,
      });
      expect(r?.record.reasons).toEqual(a.reasons);
      expect(r?.feature_schema).toBe(r?.record.schema);
      expect(r?.at).toBeInstanceOf(Date);
    }
    // The features by name, through the schema table: the 30th payment saw the 29 before it.
    const [named] = await sql<{ fb: string; names: string[] }>(
      `SELECT d.record->>'fb' AS fb, fs.names
         FROM "${schema}".decisions d JOIN "${schema}".feature_schemas fs ON fs.id = d.feature_schema
        WHERE d.event_id = 'pg-sink-29'`,
    );
    const f = snapshotFromBase64(named?.fb ?? '');
    expect(f[named?.names.indexOf('card.count_1h') ?? -1]).toBe(29);
    // Tokenised only: no raw email, phone or card number anywhere in the table.
    const [{ text } = { text: '' }] = await sql<{ text: string }>(
      `SELECT string_agg(record::text, '') AS text FROM "${schema}".decisions`,
    );
    expect(text).toContain('example.com');
    for (const raw of ['ana.secret', '4915112345678', '4111111111111111']) expect(text).not.toContain(raw);

    const outcomes = await sql(`SELECT outcome_id, decision_id, event_id, type FROM "${schema}".outcomes`);
    expect(outcomes).toEqual([
      {
        outcome_id: out.json().outcomeId,
        decision_id: first.decisionId,
        event_id: 'pg-sink-0',
        type: 'CHARGEBACK',
      },
    ]);
    const metrics = (await s.http.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('risk_decision_sink{sink="pg",state="written"} 31');
    expect(metrics).toContain('risk_decision_sink{sink="pg",state="dropped"} 0');
  });

  it('keeps a bounded queue while PostgreSQL is unreachable, drops only beyond it, and recovers', async () => {
    const schema = fresh('outage');
    const r = await relay();
    const errors: number[] = [];
    const sink = createPgDecisionSink({
      url: r.url,
      schema,
      batchSize: 10,
      flushMs: 20,
      maxQueue: 100,
      timeoutMs: 1000,
      onError: (_err, failures) => errors.push(failures),
    });
    try {
      for (let i = 0; i < 20; i++) expect(sink.append(outcome(i))).toBe(true);
      await sink.flush();
      expect(sink.stats()).toMatchObject({ written: 20, queued: 0, dropped: 0 });
      r.cut(true);
      // 250 records while the server is out of reach: 100 wait, 150 are dropped, none waited for.
      let accepted = 0;
      for (let i = 20; i < 270; i++) if (sink.append(outcome(i))) accepted++;
      expect(accepted).toBe(100);
      expect(sink.stats()).toMatchObject({ appended: 120, dropped: 150, queued: 100 });
      await sink.flush();
      await sink.flush();
      expect(sink.stats().errors).toBeGreaterThanOrEqual(1);
      expect(sink.stats().written).toBe(20);
      // Back: the retries write everything that waited.
      r.cut(false);
      for (let t = 0; t < 200 && sink.stats().written < 120; t++)
        await new Promise((ok) => setTimeout(ok, 50));
      expect(sink.stats()).toMatchObject({ appended: 120, written: 120, dropped: 150, queued: 0 });
      expect(errors[0]).toBe(1);
      const ids = await sql<{ outcome_id: string }>(
        `SELECT outcome_id FROM "${schema}".outcomes ORDER BY at`,
      );
      expect(ids.map((x) => x.outcome_id)).toEqual(Array.from({ length: 120 }, (_, i) => `o-${i}`));
    } finally {
      await sink.close();
      await r.close();
    }
  });

  it('drops a batch PostgreSQL refuses (counted) instead of retrying it forever, and goes on', async () => {
    const schema = fresh('refused');
    const refused: number[] = [];
    const sink = createPgDecisionSink({
      url: SHARED_DATABASE_URL,
      schema,
      batchSize: 10,
      flushMs: 20,
      maxQueue: 100,
      onError: (_err, failures) => refused.push(failures),
    });
    try {
      sink.append({ ...outcome(1), at: 'not a time' });
      await sink.flush();
      sink.append(outcome(2));
      await sink.flush();
      expect(sink.stats()).toMatchObject({ appended: 2, written: 1, dropped: 1, errors: 1, queued: 0 });
      expect(refused).toEqual([0]);
      expect(await sql(`SELECT outcome_id FROM "${schema}".outcomes`)).toEqual([{ outcome_id: 'o-2' }]);
    } finally {
      await sink.close();
    }
  });

  it('close drops what it cannot write within its budget, counted', async () => {
    const r = await relay();
    r.cut(true);
    const sink = createPgDecisionSink({
      url: r.url,
      schema: fresh('close'),
      batchSize: 10,
      flushMs: 20,
      maxQueue: 100,
      timeoutMs: 500,
      closeTimeoutMs: 300,
    });
    for (let i = 0; i < 25; i++) sink.append(outcome(i));
    await sink.close();
    expect(sink.stats()).toMatchObject({ appended: 25, written: 0, dropped: 25, queued: 0 });
    expect(sink.append(outcome(99))).toBe(false);
    await r.close();
  });
});
