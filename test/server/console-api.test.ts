import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../../src/engine/index.js';
import { loadApiKeys } from '../../src/server/api-keys.js';
import type { Service } from '../../src/server/app.js';
import { CONSOLE_CSP, registerConsoleStatic } from '../../src/server/console-static.js';
import { paymentRequest, testService } from '../helpers.js';

const ADMIN = 'admin-key-console-0001';
const READONLY = 'readonly-key-console-0001';
const DECIDE = 'decide-key-console-0001';
const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

let service: Service;
let dataDir: string;
const decisions: { decisionId: string; eventId: string; decision: string }[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'risk-console-api-'));
  service = await testService({
    dataDir,
    decisionLog: 'file',
    decisionLogFlushMs: 20,
    adminKeys: ADMIN,
    readonlyKeys: READONLY,
    decideKeys: DECIDE,
    // Only the last two decisions are kept whole in memory: older ones are read from the log.
    consoleRecent: 2,
    // The model always scores here, however loaded the machine: contributions need its score.
    modelTimeoutMs: 2000,
    defaultTimeoutMs: 5000,
  });
  for (let i = 0; i < 6; i++) {
    const res = await service.http.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: bearer(DECIDE),
      payload: paymentRequest(`api-${i}`),
    });
    expect(res.statusCode).toBe(200);
    decisions.push(res.json());
  }
});
afterAll(async () => {
  await service.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const call = (key: string | undefined, method: string, url: string, payload?: unknown) =>
  service.http.inject({
    method: method as 'GET',
    url,
    headers: key === undefined ? {} : bearer(key),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

describe('the read-only key', () => {
  const rule = { text: '@id ro_probe\n@reason ro_probe: probe\nreview if amount_usd > 100000' };
  // [method, url, body, admin status, read-only status]
  const table: [string, string, unknown, number, number][] = [
    ['GET', '/admin/v1/bundle', undefined, 200, 200],
    ['GET', '/admin/v1/bundle/versions', undefined, 200, 200],
    ['GET', '/admin/v1/audit', undefined, 200, 200],
    ['GET', '/admin/v1/rules', undefined, 200, 200],
    ['GET', '/admin/v1/rules/card_velocity_1h', undefined, 200, 200],
    ['GET', '/admin/v1/lists', undefined, 200, 200],
    ['GET', '/admin/v1/lists/blocked_ips/items', undefined, 200, 200],
    ['GET', '/admin/v1/live/summary?seconds=5', undefined, 200, 200],
    ['POST', '/admin/v1/rules/ro_probe/validate', rule, 200, 200],
    ['POST', '/admin/v1/bundle/validate', { files: {} }, 200, 200],
    ['POST', '/admin/v1/backtest', { sample: 0 }, 200, 200],
    ['PUT', '/admin/v1/rules/ro_probe', rule, 200, 403],
    ['DELETE', '/admin/v1/rules/ro_probe', undefined, 200, 403],
    ['POST', '/admin/v1/bundle/publish', { files: {} }, 200, 403],
    ['POST', '/admin/v1/bundle/reload', undefined, 200, 403],
    ['POST', '/admin/v1/bundle/rollback', { version: 'nope@000000000000' }, 404, 403],
    ['POST', '/admin/v1/lists/blocked_ips/items', { value: '198.51.100.9' }, 201, 403],
    ['DELETE', '/admin/v1/lists/blocked_ips/items/198.51.100.9%2F32', undefined, 200, 403],
    ['GET', '/admin/v1/review/cases?status=all', undefined, 200, 200],
    ['GET', '/admin/v1/quality', undefined, 200, 200],
    ['GET', '/admin/v1/alerts', undefined, 200, 200],
    ['GET', '/admin/v1/reports/risk', undefined, 200, 200],
    ['POST', '/admin/v1/review/cases/no-such-case/claim', { analyst: 'ana' }, 404, 403],
    ['POST', '/admin/v1/review/cases/no-such-case/resolve', { analyst: 'ana', verdict: 'DECLINE' }, 404, 403],
  ];
  it.each(table)(
    '%s %s: read-only first (refused changes change nothing), then admin',
    async (method, url, body, adminStatus, roStatus) => {
      const before = service.control.current().version;
      const ro = await call(READONLY, method, url, body);
      expect(ro.statusCode, ro.body).toBe(roStatus);
      if (roStatus === 403) {
        expect(ro.json().code).toBe('RISK_ERR_PERMISSION_DENIED');
        expect(service.control.current().version).toBe(before);
      }
      const ad = await call(ADMIN, method, url, body);
      expect(ad.statusCode, ad.body).toBe(adminStatus);
    },
  );

  it('may not decide; decide keys, unknown keys and no key may not read the admin API', async () => {
    const ro = await call(READONLY, 'POST', '/v1/decisions', paymentRequest('ro-decide'));
    expect(ro.statusCode).toBe(403);
    expect(ro.json().code).toBe('RISK_ERR_PERMISSION_DENIED');
    expect((await call(DECIDE, 'GET', '/admin/v1/live/summary')).statusCode).toBe(403);
    expect((await call('not-a-key-of-this-service', 'GET', '/admin/v1/rules')).statusCode).toBe(401);
    expect((await call(undefined, 'GET', `/admin/v1/decisions/${decisions[0]?.decisionId}`)).statusCode).toBe(
      401,
    );
  });

  it('is read from RISK_READONLY_KEYS and RISK_READONLY_KEYS_FILE', () => {
    const file = join(dataDir, 'ro-keys');
    writeFileSync(file, '# analysts\nreadonly-from-file-000001\n');
    const keys = loadApiKeys({
      adminKeys: '',
      adminKeysFile: '',
      decideKeys: '',
      decideKeysFile: '',
      readonlyKeys: 'readonly-from-list-00001',
      readonlyKeysFile: file,
    });
    expect(keys.readonlyConfigured).toBe(true);
    expect(keys.adminConfigured).toBe(false);
    expect(keys.roleOf('readonly-from-file-000001')).toBe('readonly');
    expect(keys.roleOf('readonly-from-list-00001')).toBe('readonly');
    expect(keys.roleOf('readonly-from-list-00002')).toBe('unknown');
    expect(() =>
      loadApiKeys({
        adminKeys: '',
        adminKeysFile: '',
        decideKeys: '',
        decideKeysFile: '',
        readonlyKeys: 'short',
      }),
    ).toThrow(/16 characters/);
  });
});

describe('GET /admin/v1/decisions/:id', () => {
  it('finds a recent decision in memory and an older one in the decision log, by either id', async () => {
    const recent = decisions.at(-1) as (typeof decisions)[number];
    const a = await call(READONLY, 'GET', `/admin/v1/decisions/${recent.decisionId}`);
    expect(a.statusCode).toBe(200);
    expect(a.json().source).toBe('memory');
    const old = decisions[0] as (typeof decisions)[number];
    const b = await call(READONLY, 'GET', `/admin/v1/decisions/${old.eventId}`);
    expect(b.statusCode).toBe(200);
    const body = b.json();
    expect(body.source).toBe('log');
    expect(body.decision.decisionId).toBe(old.decisionId);
    expect(body.decision.f).toBeUndefined();
    // Features by name, as the decision used them.
    expect(body.features.amount_minor).toBe(12999);
    expect(body.features['card.count_1h']).toBe(0);
    // The fifth charge of the card: its velocity reason.
    const fifth = (await call(ADMIN, 'GET', `/admin/v1/decisions/${decisions[4]?.decisionId}`)).json();
    expect(fifth.decision.decision).toBe('REVIEW');
    expect(fifth.decision.reasons[0].code).toBe('card_velocity_1h');
    expect(fifth.features['card.count_1h']).toBe(4);
  });

  it('explains the logged snapshot with the serving model: the margin is the model score', async () => {
    for (const d of [decisions[0], decisions.at(-1)]) {
      const body = (await call(ADMIN, 'GET', `/admin/v1/decisions/${d?.decisionId}`)).json();
      const c = body.contributions;
      expect(c.available, c.reason).toBe(true);
      expect(c.link).toBe('sigmoid');
      expect(c.top.length).toBeGreaterThan(0);
      expect(c.top.length).toBeLessThanOrEqual(12);
      const mags = c.top.map((x: { contribution: number }) => Math.abs(x.contribution));
      expect(mags).toEqual([...mags].sort((x, y) => y - x));
      expect(1 / (1 + Math.exp(-c.margin))).toBeCloseTo(body.decision.modelScore, 5);
    }
  });

  it('answers 404 for an unknown id', async () => {
    const r = await call(ADMIN, 'GET', '/admin/v1/decisions/no-such-decision');
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('RISK_ERR_UNKNOWN_RESOURCE');
  });
});

describe('rules in the text form', () => {
  it('lists the rules of both files and gives each in the text form, which validates as it is', async () => {
    const list = (await call(READONLY, 'GET', '/admin/v1/rules')).json().rules as {
      id: string;
      form: string;
    }[];
    const json = JSON.parse(readFileSync(join(defaultBundleDir(), 'rules.json'), 'utf8')).rules as unknown[];
    expect(list.filter((r) => r.form === 'json')).toHaveLength(json.length);
    expect(list.some((r) => r.id === 'disposable_email_payment' && r.form === 'text')).toBe(true);
    // Every rule converted to the text form compiles to a valid bundle.
    for (const r of list) {
      const t = (await call(ADMIN, 'GET', `/admin/v1/rules/${r.id}`)).json();
      expect(t.exists).toBe(true);
      const v = await call(ADMIN, 'POST', `/admin/v1/rules/${r.id}/validate`, { text: t.text });
      expect(v.statusCode, `${r.id}: ${v.body}`).toBe(200);
    }
  }, 60_000);

  it('gives the line a rule starts on in rules.txt, so compile errors land on the editor line', async () => {
    for (const id of ['card_velocity_1h', 'disposable_email_payment', 'brand_new_rule']) {
      const t = (await call(ADMIN, 'GET', `/admin/v1/rules/${id}`)).json();
      const lines = (t.text as string).split('\n');
      const last = lines.length;
      lines[last - 1] = `${lines[last - 1]} and card.cnt_1h > 1`;
      const col = (lines[last - 1] as string).indexOf('card.cnt_1h') + 1;
      const v = await call(ADMIN, 'POST', `/admin/v1/rules/${id}/validate`, { text: lines.join('\n') });
      expect(v.statusCode).toBe(422);
      const m = /rule (\S+) at (\d+):(\d+): (.*)$/.exec(v.json().violations[0].description);
      expect(m?.[1]).toBe(id);
      expect(Number(m?.[2]) - t.startLine + 1).toBe(last);
      expect(Number(m?.[3])).toBe(col);
      expect(m?.[4]).toBe("unknown field 'card.cnt_1h'");
    }
    const fresh = (await call(ADMIN, 'GET', '/admin/v1/rules/brand_new_rule')).json();
    expect(fresh).toMatchObject({ exists: false, form: 'new' });
    expect((await call(ADMIN, 'GET', '/admin/v1/rules/bad%20id')).statusCode).toBe(400);
  });
});

describe('POST /admin/v1/backtest with one candidate rule', () => {
  it('puts the rule into the serving rules and reports its hits; a bad rule names its field', async () => {
    const text = "@id bt_candidate\n@reason bt_candidate: any payment\nreview if type == 'PAYMENT'";
    const r = await call(READONLY, 'POST', '/admin/v1/backtest', { rule: { id: 'bt_candidate', text } });
    expect(r.statusCode, r.body).toBe(200);
    const report = r.json();
    expect(report.events).toBeGreaterThanOrEqual(6);
    expect(report.rules.find((x: { id: string }) => x.id === 'bt_candidate').candidate).toBe(report.events);
    expect(report.mix.candidate.ALLOW).toBe(0);
    const bad = await call(ADMIN, 'POST', '/admin/v1/backtest', { rule: { id: 'no spaces', text } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().violations[0].field).toBe('rule.id');
    const other = await call(ADMIN, 'POST', '/admin/v1/backtest', { rule: { id: 'another', text } });
    expect(other.statusCode).toBe(400);
    expect(other.json().violations[0].field).toBe('rule.text');
  });
});

describe('the live summary and stream', () => {
  it('summarises the decisions per second with the top rules; a bad window names seconds', async () => {
    const s = (await call(READONLY, 'GET', '/admin/v1/live/summary?seconds=120')).json();
    expect(s.seconds).toHaveLength(120);
    expect(s.decisions).toBeGreaterThanOrEqual(6);
    const sum = s.seconds.reduce((n: number, x: { count: number }) => n + x.count, 0);
    expect(sum).toBe(s.decisions);
    expect(s.topRules[0]).toEqual({ id: 'card_velocity_1h', hits: 2 });
    const bad = await call(READONLY, 'GET', '/admin/v1/live/summary?seconds=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().violations[0].field).toBe('seconds');
  });

  it('streams decisions made after a read-only client connects, over a real port', async () => {
    const base = await service.http.listen({ host: '127.0.0.1', port: 0 });
    const refused = await fetch(`${base}/admin/v1/stream`, { headers: bearer(DECIDE) });
    expect(refused.status).toBe(403);
    const ctl = new AbortController();
    const res = await fetch(`${base}/admin/v1/stream`, { headers: bearer(READONLY), signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const first = await reader.read();
    text += first.value ?? '';
    expect(text).toContain(': connected');
    const sent = await fetch(`${base}/v1/decisions`, {
      method: 'POST',
      headers: { ...bearer(DECIDE), 'content-type': 'application/json' },
      body: JSON.stringify(paymentRequest('streamed-1')),
    });
    const d = (await sent.json()) as { decisionId: string };
    while (!text.includes(d.decisionId)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const line = text.split('\n').find((l) => l.includes(d.decisionId)) as string;
    expect(JSON.parse(line.slice(6))).toMatchObject({
      decisionId: d.decisionId,
      eventId: 'streamed-1',
      type: 'PAYMENT',
    });
    ctl.abort();
    await reader.cancel().catch(() => undefined);
    // The connection's close ends the subscription.
    for (let i = 0; i < 50 && (await summaryStream()).subscribers > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await summaryStream()).subscribers).toBe(0);
  });
});

const summaryStream = async () =>
  (await call(ADMIN, 'GET', '/admin/v1/live/summary?seconds=1')).json().stream;

describe('the console files at /console', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'risk-console-dist-'));
    execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'console', 'build.mjs'), dir]);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the page uncached and the hashed bundles immutable, with the CSP', async () => {
    const app = Fastify();
    registerConsoleStatic(app, dir);
    const redirect = await app.inject('/console');
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/console/');
    const page = await app.inject('/console/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const js = /src="\.\/(app-[A-Z0-9]+\.js)"/.exec(page.body)?.[1] as string;
    const css = /href="\.\/(app-[A-Z0-9]+\.css)"/.exec(page.body)?.[1] as string;
    const script = await app.inject(`/console/${js}`);
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject(`/console/${css}`)).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await app.inject('/console/..%2Fpackage.json')).statusCode).toBe(404);
    expect((await app.inject('/console/nope.js')).statusCode).toBe(404);
    await app.close();
  });

  it('says how to build it when it is not built, and is not served with RISK_CONSOLE=0', async () => {
    const app = Fastify();
    registerConsoleStatic(app, join(dir, 'missing'));
    const r = await app.inject('/console/');
    expect(r.statusCode).toBe(404);
    expect(r.body).toContain('npm run build');
    await app.close();
    const off = await testService({ console: 0 });
    expect((await off.http.inject('/console/')).statusCode).toBe(404);
    expect((await off.http.inject('/console/')).headers['content-security-policy']).toBeUndefined();
    await off.close();
  });
});
