import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../../src/engine/index.js';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import type { Service } from '../../src/server/app.js';
import type { Config } from '../../src/server/config.js';
import { bindGrpc } from '../../src/server/grpc.js';
import { paymentRequest, testService } from '../helpers.js';
import { decideClient } from './grpc-client.js';
import { spawnService } from './spawn-service.js';

// Rules change at run time: a saved edit, SIGHUP or the admin API; a bad bundle changes nothing.

let dir: string;
let dataDir: string;
let service: Service | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cp-bundle-'));
  dataDir = await mkdtemp(join(tmpdir(), 'cp-data-'));
  await cp(defaultBundleDir(), dir, { recursive: true });
});
afterEach(async () => {
  await service?.close();
  service = undefined;
  await rm(dir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

const start = async (overrides: Partial<Config> = {}) => {
  service = await testService({ bundleDir: dir, dataDir, journalMode: 'off', ...overrides });
  return service;
};
const BIG = `
@id big_payment
@reason big_payment: payment of {amount_usd} USD is above 100 USD
block if type == 'PAYMENT' and amount_usd > 100 USD
`;
const decide = async (s: Service, id: string, patch: Record<string, unknown> = {}, headers = {}) =>
  s.http.inject({ method: 'POST', url: '/v1/decisions', payload: paymentRequest(id, patch), headers });
const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);
const admin = (
  s: Service,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: object,
  headers = {},
) =>
  s.http.inject({ method, url: `/admin/v1${url}`, ...(payload !== undefined ? { payload } : {}), headers });
const until = async (check: () => Promise<boolean>, what: string, ms = 3000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const listedOn = async (s: Service, id: string, a: string) =>
  codes((await decide(s, id, { network: { ip: a, ipCountry: 'DE' } })).json()).includes('ip_blocklisted');

describe('live rule changes', () => {
  it('serves a saved edit of the watched directory within a second; an invalid one changes nothing', async () => {
    const s = await start({ bundleWatch: 1 });
    const before = s.engine.bundle.version;
    expect(codes((await decide(s, 'w0')).json())).not.toContain('big_payment');
    const rulesTxt = join(dir, 'rules.txt');
    await writeFile(rulesTxt, `${await readFile(rulesTxt, 'utf8')}${BIG}`);
    const t0 = Date.now();
    await until(async () => s.engine.bundle.version !== before, 'the edit to be served');
    expect(Date.now() - t0).toBeLessThan(1500);
    const after = (await decide(s, 'w1')).json();
    expect(after.bundleVersion).toBe(s.engine.bundle.version);
    expect(codes(after)).toContain('big_payment');
    expect(after.decision).toBe('BLOCK');

    // A broken edit: rejected with line:column in the audit trail; the last good bundle serves on.
    const good = s.engine.bundle.version;
    await writeFile(rulesTxt, `${await readFile(rulesTxt, 'utf8')}\n@id broken\nblock if amount_usd >\n`);
    await until(async () => (await s.control.audit()).some((e) => e.action === 'reject'), 'the rejection');
    const reject = (await s.control.audit()).find((e) => e.action === 'reject');
    expect(reject?.problems?.join('\n')).toMatch(
      /rules\.txt: rule broken at \d+:22: unexpected end of expression/,
    );
    expect(s.engine.bundle.version).toBe(good);
    expect((await decide(s, 'w2')).json().bundleVersion).toBe(good);
  });

  it('publishes, validates, lists versions, diffs and rolls back through the admin API', async () => {
    const s = await start();
    const first = s.engine.bundle.version;
    const current = await readFile(join(dir, 'rules.txt'), 'utf8');
    const invalid = await admin(s, 'POST', '/bundle/validate', {
      files: { 'rules.txt': `${current}\n@id x\nreview if card.nope > 1\n` },
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().code).toBe('RISK_ERR_BUNDLE_INVALID');
    expect(invalid.json().violations[0].description).toMatch(
      /rules\.txt: rule x at \d+:11: unknown field 'card\.nope'/,
    );
    expect(s.engine.bundle.version).toBe(first);

    const valid = await admin(s, 'POST', '/bundle/validate', { files: { 'rules.txt': current + BIG } });
    expect(valid.statusCode, valid.body).toBe(200);
    expect(s.engine.bundle.version).toBe(first); // validating serves nothing

    const pub = await admin(
      s,
      'POST',
      '/bundle/publish',
      { files: { 'rules.txt': current + BIG } },
      { 'x-risk-actor': 'ana' },
    );
    expect(pub.statusCode, pub.body).toBe(200);
    expect(pub.json().version).toBe(valid.json().version);
    const d = (await decide(s, 'p1')).json();
    expect([d.bundleVersion, codes(d).includes('big_payment')]).toEqual([pub.json().version, true]);

    const versions = (await admin(s, 'GET', '/bundle/versions')).json().versions;
    expect(versions.map((v: { version: string; source: string }) => [v.version, v.source])).toEqual([
      [first, 'start'],
      [pub.json().version, 'admin'],
    ]);
    const audit = (await admin(s, 'GET', '/audit')).json().entries;
    const published = audit.find((e: { action: string }) => e.action === 'publish');
    expect(published).toMatchObject({
      by: 'ana (loopback)',
      previous: first,
      diff: { files: { 'rules.txt': 'changed' }, rules: { added: ['big_payment'], removed: [] } },
    });

    const back = await admin(s, 'POST', '/bundle/rollback', { version: first }, { 'x-risk-actor': 'ana' });
    expect(back.json().version).toBe(first);
    expect(codes((await decide(s, 'p2')).json())).not.toContain('big_payment');
    expect((await admin(s, 'POST', '/bundle/rollback', { version: 'default@000000000000' })).statusCode).toBe(
      404,
    );
  });

  it('publishes one rule (JSON or text), deletes it, and diffs two versions (files)', async () => {
    const s = await start();
    const first = s.engine.bundle.version;
    const check = await admin(s, 'POST', '/rules/big_payment/validate', { text: BIG });
    expect([check.statusCode, check.json().valid]).toEqual([200, true]);
    const badCheck = await admin(s, 'POST', '/rules/x/validate', { text: 'review if card.nope > 1' });
    expect([badCheck.statusCode, badCheck.json().code]).toEqual([422, 'RISK_ERR_BUNDLE_INVALID']);
    expect(s.engine.bundle.version).toBe(first); // validating serves nothing
    const put = await s.http.inject({
      method: 'PUT',
      url: '/admin/v1/rules/big_payment',
      payload: {
        action: 'BLOCK',
        when: "type == 'PAYMENT' and amount_usd > 100 USD",
        reason: { code: 'big_payment', message: 'payment of {amount_usd} USD is above 100 USD' },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    const d = (await decide(s, 'r1')).json();
    expect([d.bundleVersion, d.decision, codes(d).includes('big_payment')]).toEqual([
      put.json().version,
      'BLOCK',
      true,
    ]);
    const diff = (await admin(s, 'GET', `/bundle/diff?from=${first}&to=${put.json().version}`)).json();
    expect(diff).toMatchObject({
      files: { 'rules.json': 'changed' },
      rules: { added: ['big_payment'], removed: [], changed: [] },
    });
    expect(diff.lines['rules.json']).toMatch(/^\+ {6}"id": "big_payment",$/m);

    // The same rule as text: it moves from rules.json to rules.txt, and is "changed".
    const text = await s.http.inject({
      method: 'PUT',
      url: '/admin/v1/rules/big_payment',
      payload: {
        text: "@reason big_payment: above 500 USD\nreview if type == 'PAYMENT' and amount_usd > 500 USD",
      },
    });
    expect(text.statusCode, text.body).toBe(200);
    const moved = (
      await admin(s, 'GET', `/bundle/diff?from=${put.json().version}&to=${text.json().version}`)
    ).json();
    expect(moved).toMatchObject({
      files: { 'rules.json': 'changed', 'rules.txt': 'changed' },
      rules: { added: [], removed: [], changed: ['big_payment'] },
    });
    const del = await admin(s, 'DELETE', '/rules/big_payment');
    expect(del.statusCode, del.body).toBe(200);
    expect(codes((await decide(s, 'r2')).json())).not.toContain('big_payment');
    expect((await admin(s, 'GET', '/bundle/diff?to=x')).json().violations[0].field).toBe('from');
  });

  it('adds and removes list items live: a CIDR item blocks the addresses inside it on the next decision', async () => {
    const s = await start({ journalMode: 'interval' });
    const ip = (a: string) => ({ network: { ip: a, ipCountry: 'DE' } });
    const listed = (id: string, a: string) => listedOn(s, id, a);
    expect(await listed('l0', '198.51.100.9')).toBe(false);
    const add = await admin(
      s,
      'POST',
      '/lists/blocked_ips/items',
      { value: '198.51.100.0/24', reason: 'botnet', expiresAt: '2099-01-01T00:00:00Z' },
      { 'x-risk-actor': 'ana' },
    );
    expect(add.statusCode, add.body).toBe(201);
    expect(add.json().item).toMatchObject({
      value: '198.51.100.0/24',
      reason: 'botnet',
      addedBy: 'ana (loopback)',
    });
    const blocked = (await decide(s, 'l1', ip('198.51.100.9'))).json();
    expect([blocked.decision, codes(blocked)[0]]).toEqual(['BLOCK', 'ip_blocklisted']);
    expect(blocked.bundleVersion).toMatch(/\+lists\.1$/);
    expect(await listed('l2', '198.51.101.9')).toBe(false);
    // A reload keeps live items.
    await s.control.reload('file');
    expect(await listed('l3', '198.51.100.200')).toBe(true);
    const del = await admin(s, 'DELETE', `/lists/blocked_ips/items/${encodeURIComponent('198.51.100.0/24')}`);
    expect(del.statusCode, del.body).toBe(200);
    expect(await listed('l4', '198.51.100.9')).toBe(false);
    expect((await admin(s, 'POST', '/lists/nope/items', { value: 'x' })).statusCode).toBe(404);
    expect((await admin(s, 'POST', '/lists/blocked_ips/items', { value: 'not-an-ip' })).statusCode).toBe(400);
    const actions = (await s.control.audit()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['list-add', 'list-remove']));

    // Live items survive a restart on the same DATA_DIR: the audit trail is applied again.
    await admin(s, 'POST', '/lists/blocked_ips/items', { value: '192.0.2.0/24', reason: 'again' });
    await s.close();
    service = undefined;
    const again = await start({ journalMode: 'interval' });
    expect(await listedOn(again, 'r1', '192.0.2.77')).toBe(true);
    expect(await listedOn(again, 'r2', '198.51.100.9')).toBe(false);
  });
});

describe('API keys', () => {
  const ADMIN = 'admin-key-0123456789abcdef';
  const DECIDE = 'decide-key-0123456789abcdef';
  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

  it('keeps admin and decide keys apart on both transports', async () => {
    const s = await start({ adminKeys: ADMIN, decideKeys: DECIDE });
    expect((await admin(s, 'GET', '/bundle')).statusCode).toBe(401);
    expect((await admin(s, 'GET', '/bundle', undefined, bearer(DECIDE))).statusCode).toBe(403);
    expect((await admin(s, 'GET', '/bundle', undefined, { 'x-api-key': ADMIN })).statusCode).toBe(200);
    expect((await admin(s, 'GET', '/bundle', undefined, bearer('wrong-key-0123456789'))).statusCode).toBe(
      401,
    );
    expect((await decide(s, 'k0')).statusCode).toBe(401);
    expect((await decide(s, 'k1', {}, bearer(ADMIN))).statusCode).toBe(403);
    expect((await decide(s, 'k2', {}, bearer(DECIDE))).statusCode).toBe(200);
    // Refused before the body is read: an invalid body without a key is still a 401.
    const bad = await s.http.inject({ method: 'POST', url: '/v1/decisions', payload: { nope: 1 } });
    expect(bad.statusCode).toBe(401);

    const port = await bindGrpc(s.grpc.server, '127.0.0.1', 0);
    const client = decideClient(port);
    try {
      const req = fromJson(DecideRequestSchema, paymentRequest('g1') as JsonValue);
      const code = (key?: string) =>
        client.decide(req, key === undefined ? {} : { metadata: { authorization: `Bearer ${key}` } }).then(
          () => status.OK,
          (e: { code: number }) => e.code,
        );
      expect(await code()).toBe(status.UNAUTHENTICATED);
      expect(await code(ADMIN)).toBe(status.PERMISSION_DENIED);
      expect(await code(DECIDE)).toBe(status.OK);
    } finally {
      client.close();
    }
  });

  it('with no admin key, answers loopback callers only; decisions need no key but refuse an admin key', async () => {
    const s = await start({ decideKeys: '' });
    expect(s.adminLoopbackOnly).toBe(true);
    expect((await admin(s, 'GET', '/bundle')).statusCode).toBe(200);
    const remote = await s.http.inject({
      method: 'GET',
      url: '/admin/v1/bundle',
      remoteAddress: '203.0.113.5',
    });
    expect(remote.statusCode).toBe(403);
    expect(remote.json().message).toContain('loopback');
    expect((await decide(s, 'o1')).statusCode).toBe(200);
  });
});

describe('SIGHUP', () => {
  it('reloads the bundle instead of killing the process; a bad bundle keeps the old one', async () => {
    const p = await spawnService({ RISK_BUNDLE_DIR: dir, RISK_BUNDLE_WATCH: '0', LOG_LEVEL: 'info' });
    try {
      const ask = async (id: string) =>
        (
          await fetch(`http://127.0.0.1:${p.httpPort}/v1/decisions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(paymentRequest(id)),
          })
        ).json() as Promise<{ bundleVersion: string; reasons: { code: string }[] }>;
      const before = (await ask('h0')).bundleVersion;
      await writeFile(join(dir, 'rules.txt'), `${await readFile(join(dir, 'rules.txt'), 'utf8')}${BIG}`);
      p.child.kill('SIGHUP');
      await until(async () => (await ask(`h-${Date.now()}`)).bundleVersion !== before, 'the reload');
      expect(codes(await ask('h1'))).toContain('big_payment');
      await writeFile(join(dir, 'rules.json'), '{ not json');
      p.child.kill('SIGHUP');
      await until(async () => p.output().includes('SIGHUP: bundle rejected'), 'the rejection to be logged');
      expect(codes(await ask('h2'))).toContain('big_payment');
      expect(p.child.exitCode).toBeNull();
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }, 30_000);
});
