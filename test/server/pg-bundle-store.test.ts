import { cp, mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../../src/engine/index.js';
import type { Service } from '../../src/server/app.js';
import type { Config } from '../../src/server/config.js';
import { headChannel } from '../../src/server/pg-bundle-schema.js';
import { paymentRequest, testService } from '../helpers.js';
import { dropSchema, SHARED_DATABASE_URL, sql, uniqueSchema } from '../pg-servers.js';

// The PostgreSQL bundle source (DATABASE_URL) with replicas in this process: each test has a schema
// of its own in the machine's PostgreSQL, all dropped after. Without PostgreSQL these fail.

const base = uniqueSchema('store');
let n = 0;
const schemas: string[] = [];
let dir: string;
const services: Service[] = [];
beforeAll(async () => {
  // Fails here, not skipped, when PostgreSQL is missing.
  await sql('SELECT 1');
  dir = await mkdtemp(join(tmpdir(), 'pg-bundle-'));
  await cp(defaultBundleDir(), dir, { recursive: true });
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const freshSchema = () => {
  const s = `${base}_${n++}`;
  schemas.push(s);
  return s;
};
const replica = async (schema: string, overrides: Partial<Config> = {}) => {
  const s = await testService({
    bundleDir: dir,
    databaseUrl: SHARED_DATABASE_URL,
    pgSchema: schema,
    bundleWatch: 0,
    ...overrides,
  });
  services.push(s);
  return s;
};
const close = async (s: Service) => {
  services.splice(services.indexOf(s), 1);
  await s.close();
};
const BIG = `@reason big_payment: payment of {amount_usd} USD is above 100 USD
block if type == 'PAYMENT' and amount_usd > 100 USD`;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
const admin = (s: Service, method: Method, url: string, payload?: object, headers = {}) =>
  s.http.inject({ method, url: `/admin/v1${url}`, ...(payload !== undefined ? { payload } : {}), headers });
const decide = async (s: Service, id: string, patch: Record<string, unknown> = {}) =>
  (
    await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: paymentRequest(id, patch) })
  ).json() as {
    bundleVersion: string;
    reasons: { code: string }[];
  };
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);
const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 3000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const headRow = async (schema: string) =>
  (
    await sql<{ revision: string; version: string; lists: number }>(
      `SELECT revision, version, lists FROM "${schema}".risk_bundle_head`,
    )
  )[0];
const listed = async (s: Service, id: string, ip: string) =>
  codes(await decide(s, id, { network: { ip, ipCountry: 'DE' } })).includes('ip_blocklisted');

describe('PostgreSQL bundle source', { timeout: 30_000 }, () => {
  it('publishes on one replica, live on the other; a restart serves the head; diff, versions and rollback', async () => {
    const schema = freshSchema();
    const a = await replica(schema);
    const b = await replica(schema);
    const first = a.engine.bundle.version;
    expect(b.engine.bundle.version).toBe(first);
    expect(a.control.current()).toMatchObject({ store: 'postgres', revision: 1 });
    expect(codes(await decide(b, 'p0'))).not.toContain('big_payment');

    const put = await admin(a, 'PUT', '/rules/big_payment', { text: BIG }, { 'x-risk-actor': 'ana' });
    expect(put.statusCode, put.body).toBe(200);
    const v = put.json().version as string;
    expect(v).not.toBe(first);
    expect(a.engine.bundle.version).toBe(v);
    await until(() => b.engine.bundle.version === v, 'the publish to be live on b');
    const d = await decide(b, 'p1');
    expect([d.bundleVersion, codes(d).includes('big_payment')]).toEqual([v, true]);

    const versions = (await admin(b, 'GET', '/bundle/versions')).json().versions;
    expect(versions.map((x: { version: string; source: string }) => [x.version, x.source])).toEqual([
      [first, 'start'],
      [v, 'admin'],
    ]);
    const audit = (await admin(b, 'GET', '/audit')).json().entries;
    expect(audit.find((e: { action: string }) => e.action === 'publish')).toMatchObject({
      by: 'ana (loopback)',
      rule: 'big_payment',
      previous: first,
      version: v,
      diff: {
        files: { 'rules.txt': 'changed' },
        rules: { added: ['big_payment'], removed: [], changed: [] },
      },
    });
    const diff = await admin(b, 'GET', `/bundle/diff?from=${first}&to=${v}`);
    expect(diff.statusCode, diff.body).toBe(200);
    expect(diff.json()).toMatchObject({ from: first, to: v, files: { 'rules.txt': 'changed' } });
    expect(diff.json().lines['rules.txt']).toContain('+@id big_payment\n+@reason big_payment:');
    expect((await admin(b, 'GET', `/bundle/diff?from=${first}`)).json().violations[0].field).toBe('to');
    expect((await admin(b, 'GET', `/bundle/diff?from=${first}&to=default@000000000000`)).statusCode).toBe(
      404,
    );

    // The files are in PostgreSQL, the model once for both versions (content-addressed).
    const rows = await sql<{ versions: string; files: string; blobs: string }>(
      `SELECT (SELECT count(*) FROM "${schema}".risk_bundle_versions) AS versions,
              (SELECT count(*) FROM "${schema}".risk_bundle_files WHERE path = 'model/model.onnx') AS files,
              (SELECT count(DISTINCT sha256) FROM "${schema}".risk_bundle_files WHERE path = 'model/model.onnx') AS blobs`,
    );
    expect(rows[0]).toEqual({ versions: '2', files: '2', blobs: '1' });

    // A restart serves the head, not the directory.
    await close(a);
    const c = await replica(schema);
    expect(c.engine.bundle.version).toBe(v);
    expect(codes(await decide(c, 'p2'))).toContain('big_payment');

    const back = await admin(c, 'POST', '/bundle/rollback', { version: first }, { 'x-risk-actor': 'ana' });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json().version).toBe(first);
    await until(() => b.engine.bundle.version === first, 'the rollback to be live on b');
    expect(codes(await decide(b, 'p3'))).not.toContain('big_payment');
    expect(await headRow(schema)).toEqual({ revision: '3', version: first, lists: 0 });
    expect((await admin(c, 'POST', '/bundle/rollback', { version: 'default@000000000000' })).statusCode).toBe(
      404,
    );

    // DELETE /rules/{id} publishes the bundle without it (here: the version rolled back from, again).
    await admin(c, 'PUT', '/rules/big_payment', { text: BIG });
    const del = await admin(c, 'DELETE', '/rules/big_payment');
    expect(del.statusCode, del.body).toBe(200);
    expect(del.json().version).toBe(first);
    expect((await admin(c, 'DELETE', '/rules/big_payment')).statusCode).toBe(404);
  });

  it('shares live list items: added on one replica, matched on the other, kept over a restart', async () => {
    const schema = freshSchema();
    const a = await replica(schema);
    const b = await replica(schema);
    expect(await listed(b, 'l0', '198.51.100.9')).toBe(false);
    const add = await admin(a, 'POST', '/lists/blocked_ips/items', {
      value: '198.51.100.0/24',
      reason: 'botnet',
    });
    expect(add.statusCode, add.body).toBe(201);
    const v = add.json().version as string;
    expect(v).toMatch(/\+lists\.1$/);
    await until(() => b.engine.bundle.version === v, 'the list item to be live on b');
    expect(await listed(b, 'l1', '198.51.100.9')).toBe(true);

    // A publish keeps the live items, on both replicas.
    const put = await admin(b, 'PUT', '/rules/big_payment', { text: BIG });
    expect(put.statusCode, put.body).toBe(200);
    await until(() => a.engine.bundle.version === put.json().version, 'the publish on a');
    expect(await listed(a, 'l2', '198.51.100.77')).toBe(true);

    const del = await admin(b, 'DELETE', `/lists/blocked_ips/items/${encodeURIComponent('198.51.100.0/24')}`);
    expect(del.statusCode, del.body).toBe(200);
    await admin(b, 'POST', '/lists/blocked_ips/items', { value: '192.0.2.0/24', reason: 'again' });
    await until(() => a.engine.bundle.version.endsWith('+lists.3'), 'both list changes on a');
    expect(await listed(a, 'l3', '198.51.100.9')).toBe(false);
    expect(await listed(a, 'l4', '192.0.2.1')).toBe(true);

    await close(a);
    await close(b);
    const c = await replica(schema);
    expect(c.engine.bundle.version).toMatch(/\+lists\.3$/);
    expect(await listed(c, 'l5', '192.0.2.1')).toBe(true);
    expect(await listed(c, 'l6', '198.51.100.9')).toBe(false);
    const actions = (await c.control.audit()).map((e) => e.action);
    expect(actions).toEqual(['load', 'list-add', 'publish', 'list-remove', 'list-add']);
  });

  it('serialises concurrent publishes from two replicas: each builds on the other, none is lost', async () => {
    const schema = freshSchema();
    const a = await replica(schema);
    const b = await replica(schema);
    const first = a.engine.bundle.version;
    const ids = ['conc_a0', 'conc_b0', 'conc_a1', 'conc_b1', 'conc_a2', 'conc_b2'];
    const answers = await Promise.all(
      ids.map((id) =>
        admin(id.startsWith('conc_a') ? a : b, 'PUT', `/rules/${id}`, {
          action: 'REVIEW',
          when: 'amount_usd > 100000 USD',
          reason: { code: id, message: id },
        }),
      ),
    );
    for (const r of answers) expect(r.statusCode, r.body).toBe(200);
    expect(await headRow(schema)).toMatchObject({ revision: String(1 + ids.length) });
    const head = (await headRow(schema))?.version as string;
    await until(
      () => a.engine.bundle.version === head && b.engine.bundle.version === head,
      'both on the head',
    );
    const diff = (await admin(a, 'GET', `/bundle/diff?from=${first}&to=${head}`)).json();
    expect([...diff.rules.added].sort()).toEqual([...ids].sort());
    // Each publish added one rule and removed none: it was made on the head before it.
    const publishes = (await a.control.audit()).filter((e) => e.action === 'publish');
    expect(publishes.map((e) => [e.diff?.rules.added.length, e.diff?.rules.removed.length])).toEqual(
      ids.map(() => [1, 0]),
    );
  });

  it('rejects a bad bundle or rule, audited with line:column, and changes nothing', async () => {
    const schema = freshSchema();
    const a = await replica(schema);
    const b = await replica(schema);
    const first = a.engine.bundle.version;
    const bad = await admin(
      a,
      'PUT',
      '/rules/x',
      { text: '@reason x\nreview if card.nope > 1' },
      { 'x-risk-actor': 'ana' },
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.json().code).toBe('RISK_ERR_BUNDLE_INVALID');
    expect(bad.json().violations[0].description).toMatch(
      /rules\.txt: rule x at \d+:11: unknown field 'card\.nope'/,
    );
    const badJson = await admin(a, 'POST', '/bundle/publish', { files: { 'rules.json': '{ not json' } });
    expect(badJson.statusCode).toBe(422);
    expect(await headRow(schema)).toEqual({ revision: '1', version: first, lists: 0 });
    const rejects = (await b.control.audit()).filter((e) => e.action === 'reject');
    expect(rejects).toHaveLength(2);
    expect(rejects[0]).toMatchObject({ by: 'ana (loopback)', rule: 'x' });
    expect(rejects[0]?.problems?.[0]).toMatch(/rules\.txt: rule x at \d+:11: unknown field/);

    // Client mistakes are 400s naming the field, before anything is loaded.
    const cases: [string, unknown, string][] = [
      ['/rules/x', [1], 'rule'],
      ['/rules/x', { text: 42 }, 'text'],
      ['/rules/x', { text: 'review if amount_usd > 1', when: 'x' }, 'when'],
      ['/rules/x', { text: '@id y\nreview if amount_usd > 1' }, 'text'],
      ['/rules/x', { text: '@id x\nreview if amount_usd > 1\n@id x2\nblock if amount_usd > 2' }, 'text'],
      ['/rules/x', { text: 'nonsense' }, 'text'],
      [
        '/rules/x',
        { id: 'y', action: 'REVIEW', when: 'amount_usd > 1', reason: { code: 'y', message: 'y' } },
        'id',
      ],
      ['/rules/bad%20id', { text: 'review if amount_usd > 1' }, 'id'],
    ];
    for (const [url, payload, field] of cases) {
      const r = await admin(a, 'PUT', url, payload as object);
      expect([r.statusCode, r.json().code, r.json().violations?.[0]?.field], JSON.stringify(payload)).toEqual(
        [400, 'RISK_ERR_INPUT_INVALID', field],
      );
    }
    expect((await admin(a, 'DELETE', '/rules/nope')).statusCode).toBe(404);
    expect(a.engine.bundle.version).toBe(first);
    expect(b.engine.bundle.version).toBe(first);
  });

  it('follows the head by polling alone when LISTEN is off', async () => {
    const schema = freshSchema();
    const a = await replica(schema);
    const b = await replica(schema, { pgListen: 0, bundlePollMs: 200 });
    const put = await admin(a, 'PUT', '/rules/big_payment', { text: BIG });
    expect(put.statusCode, put.body).toBe(200);
    const t0 = Date.now();
    await until(() => b.engine.bundle.version === put.json().version, 'the poll to find the head', 2000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(codes(await decide(b, 'poll'))).toContain('big_payment');
  });

  it('connects the listener again after PostgreSQL drops it, and catches up at once', async () => {
    const schema = freshSchema();
    const a = await replica(schema);
    const b = await replica(schema, { bundlePollMs: 60_000 });
    const listeners = () =>
      sql<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
        `risk-listen:${schema}`,
      ]);
    await until(async () => (await listeners()).length === 2, 'both listeners');
    // Both listeners dropped (as a server restart or a failover would), then a publish while b's is down.
    await sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
      `risk-listen:${schema}`,
    ]);
    const put = await admin(a, 'PUT', '/rules/big_payment', { text: BIG });
    expect(put.statusCode, put.body).toBe(200);
    // The poll is a minute away: only the listener, connected again, can bring it.
    await until(
      () => b.engine.bundle.version === put.json().version,
      'b to catch up after reconnecting',
      3000,
    );
    await until(async () => (await listeners()).length === 2, 'both listeners back');
    const again = await admin(a, 'PUT', '/rules/big_payment', { text: BIG.replace('100 USD', '200 USD') });
    await until(
      () => b.engine.bundle.version === again.json().version,
      'a NOTIFY on the new connection',
      1000,
    );
  });

  it('answers 503 STORE_UNAVAILABLE while PostgreSQL is unreachable, decides on, and recovers', async () => {
    const schema = freshSchema();
    // A TCP relay to PostgreSQL the test can cut, as a network partition would.
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = connect(5432, '127.0.0.1');
      for (const x of [client, upstream]) {
        sockets.add(x);
        x.on('error', () => undefined);
        x.on('close', () => sockets.delete(x));
      }
      client.pipe(upstream).pipe(client);
    });
    let cut = false;
    relay.on('connection', (c) => {
      if (cut) c.destroy();
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as AddressInfo).port;
    try {
      const url = new URL(SHARED_DATABASE_URL);
      url.host = `127.0.0.1:${port}`;
      const a = await replica(schema, { databaseUrl: url.toString() });
      const first = a.engine.bundle.version;
      cut = true;
      for (const x of sockets) x.destroy();
      const put = await admin(a, 'PUT', '/rules/big_payment', { text: BIG });
      expect([put.statusCode, put.json().code]).toEqual([503, 'RISK_ERR_STORE_UNAVAILABLE']);
      expect((await admin(a, 'GET', '/audit')).statusCode).toBe(503);
      expect((await decide(a, 'u1')).bundleVersion).toBe(first);
      cut = false;
      const again = await admin(a, 'PUT', '/rules/big_payment', { text: BIG });
      expect(again.statusCode, again.body).toBe(200);
      expect(codes(await decide(a, 'u2'))).toContain('big_payment');
    } finally {
      for (const x of sockets) x.destroy();
      await new Promise((r) => relay.close(r));
    }
  });

  it('keeps serving when a head does not load here, and a rollback from this replica fixes the head', async () => {
    const schema = freshSchema();
    const a = await replica(schema);
    const first = a.engine.bundle.version;
    // A head written past the checks (as a replica with other code might): rules.json is not JSON.
    const broken = 'broken@000000000001';
    await sql(
      `WITH blob AS (
         INSERT INTO "${schema}".risk_bundle_blobs VALUES ('0badc0de', convert_to('{ not json', 'UTF8')) RETURNING sha256
       ), v AS (
         INSERT INTO "${schema}".risk_bundle_versions (version, name, created_at, created_by) VALUES ($1, 'broken', now(), 'test') RETURNING version
       )
       INSERT INTO "${schema}".risk_bundle_files (version, path, sha256)
       SELECT (SELECT version FROM v), path, CASE WHEN path = 'rules.json' THEN (SELECT sha256 FROM blob) ELSE sha256 END
         FROM "${schema}".risk_bundle_files WHERE version = $2`,
      [broken, first],
    );
    await sql(`UPDATE "${schema}".risk_bundle_head SET revision = revision + 1, version = $1`, [broken]);
    await sql('SELECT pg_notify($1, $2)', [
      headChannel(schema),
      JSON.stringify({ revision: 2, version: broken, lists: 0 }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.engine.bundle.version).toBe(first);
    expect((await decide(a, 'h0')).bundleVersion).toBe(first);
    // SIGHUP's path reads the head again: still rejected, still serving.
    await expect(a.control.reload('sighup')).rejects.toThrow(/bundle rejected/);
    expect(a.engine.bundle.version).toBe(first);

    const back = await admin(a, 'POST', '/bundle/rollback', { version: first });
    expect(back.statusCode, back.body).toBe(200);
    expect(await headRow(schema)).toEqual({ revision: '3', version: first, lists: 0 });
  });
});
