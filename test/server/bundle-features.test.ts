import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenizer } from '../../src/domain/index.js';
import { BundleError, defaultBundleDir, loadBundleDir } from '../../src/engine/index.js';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { exportLogisticToOnnx } from '../../src/model/train/index.js';
import type { Service } from '../../src/server/app.js';
import { bindGrpc } from '../../src/server/grpc.js';
import { paymentRequest, testService } from '../helpers.js';
import { decideClient } from './grpc-client.js';

// Acceptance of the features issue: a window, a metric and a typed custom attribute are bundle
// edits; a rule compares a numeric attribute with a number and a model reads it as an input.

let dir: string;
let service: Service | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundle-features-'));
  await cp(defaultBundleDir(), dir, { recursive: true });
});
afterEach(async () => {
  await service?.close();
  service = undefined;
  await rm(dir, { recursive: true, force: true });
});

type Section = {
  attributes: Record<string, string>;
  entities: { name: string; windows: string[]; metrics: Record<string, unknown> }[];
};
const editJson = async <T>(file: string, f: (doc: T) => void) => {
  const doc = JSON.parse(await readFile(join(dir, file), 'utf8')) as T;
  f(doc);
  await writeFile(join(dir, file), JSON.stringify(doc, null, 2));
};

/** The edits: a `balance` number and a `vip` bool attribute, a 30d window and a max metric on cards. */
async function editFeatures(): Promise<void> {
  await editJson<Section>('features.json', (doc) => {
    doc.attributes = { balance: 'number', vip: 'bool', opened: 'timestamp' };
    const card = doc.entities.find((e) => e.name === 'card');
    if (card === undefined) throw new Error('no card entity');
    card.windows.push('30d');
    card.metrics.max_usd = { op: 'max', of: 'amount_usd' };
  });
}

/** A rule on the attribute and a model whose only input is it: score = sigmoid(0.01 × balance − 5). */
async function ruleAndModelOnBalance(): Promise<void> {
  await editJson<{ rules: unknown[] }>('rules.json', (doc) => {
    doc.rules.push({
      id: 'high_balance',
      action: 'REVIEW',
      when: "type == 'PAYMENT' and attr.balance > 1000 and attr.vip == false",
      reason: { code: 'high_balance', message: 'balance {attr.balance} above 1000' },
    });
  });
  await writeFile(join(dir, 'model', 'balance.onnx'), exportLogisticToOnnx([0.01], -5));
  await editJson<Record<string, unknown>>('model/manifest.json', (m) => {
    m.version = 'balance-1';
    m.file = 'balance.onnx';
    m.features = [{ name: 'attr.balance', default: 0, transform: 'identity' }];
    m.thresholds = { review: 0.5, block: 0.999 };
  });
}

const post = (s: Service, body: unknown, url = '/v1/decisions?features=true') =>
  s.http.inject({ method: 'POST', url, payload: body as object });
const withAttributes = (id: string, attributes: Record<string, string>) => ({
  event: { ...paymentRequest(id).event, attributes },
});

describe('features declared in the bundle', () => {
  it('parses declared attributes at the edge: rules compare them as numbers and the model reads them', async () => {
    await editFeatures();
    await ruleAndModelOnBalance();
    service = await testService({ bundleDir: dir });
    const rich = await post(service, withAttributes('e-rich', { balance: '5000', vip: 'false' }));
    expect(rich.statusCode, rich.body).toBe(200);
    const r = rich.json();
    expect(r.modelVersion).toBe('balance-1');
    expect(r.modelScore).toBeCloseTo(1 / (1 + Math.exp(-45)), 6);
    expect(r.reasons.map((x: { code: string }) => x.code)).toEqual(
      expect.arrayContaining(['high_balance', 'model_high_risk']),
    );
    expect(r.reasons.find((x: { code: string }) => x.code === 'high_balance').message).toBe(
      'balance 5000 above 1000',
    );
    expect(r.features).toMatchObject({ 'attr.balance': 5000, 'attr.vip': 0, 'card.count_30d': 0 });

    // The same rule with the numbers on the other side of 1000, and a bool that says vip.
    const poor = (await post(service, withAttributes('e-poor', { balance: '999.5', vip: '1' }))).json();
    expect(poor.modelScore).toBeCloseTo(1 / (1 + Math.exp(-(9.995 - 5))), 5);
    expect(poor.reasons.map((x: { code: string }) => x.code)).not.toContain('high_balance');
    // Text compared as text would put "5000" below "999.5"; and a missing attribute is missing.
    const none = (await post(service, withAttributes('e-none', {}))).json();
    expect(none.features).not.toHaveProperty(['attr.balance']);
    expect(none.reasons.map((x: { code: string }) => x.code)).not.toContain('high_balance');
    // The new metric and window count from the first charge on.
    expect(none.features).toMatchObject({ 'card.count_30d': 2, 'card.max_usd_30d': expect.any(Number) });
  });

  it('rejects a value that is not of its declared type with 400 / INVALID_ARGUMENT naming the attribute', async () => {
    await editFeatures();
    service = await testService({ bundleDir: dir });
    for (const [attributes, field] of [
      [{ balance: 'lots' }, 'event.attributes.balance'],
      [{ balance: '0x10' }, 'event.attributes.balance'],
      [{ vip: 'yes' }, 'event.attributes.vip'],
      [{ opened: 'yesterday' }, 'event.attributes.opened'],
    ] as const) {
      const res = await post(service, withAttributes(`bad-${field}`, attributes));
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().violations.map((d: { field: string }) => d.field)).toContain(field);
      expect(res.body).not.toContain('lots'); // the value is described, never echoed
    }
    const ok = await post(
      service,
      withAttributes('good', { opened: '2024-05-01T10:00:00+02:00', balance: '-1.5e3' }),
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().features).toMatchObject({
      'attr.opened': Date.parse('2024-05-01T08:00:00Z'),
      'attr.balance': -1500,
    });

    const port = await bindGrpc(service.grpc.server, '127.0.0.1', 0);
    const client = decideClient(port);
    try {
      const req = fromJson(DecideRequestSchema, withAttributes('bad-grpc', { balance: 'NaN' }) as JsonValue);
      const err = await client.decide(req).catch((e: unknown) => e as { code: number; details: string });
      expect((err as { code: number }).code).toBe(status.INVALID_ARGUMENT);
      expect((err as { details: string }).details).toContain('event.attributes.balance');
    } finally {
      client.close();
    }
  });

  it('carries counters over a live bundle change: kept windows keep counting, new ones start empty', async () => {
    service = await testService();
    for (const id of ['c1', 'c2', 'c3'])
      expect((await post(service, paymentRequest(id))).statusCode).toBe(200);
    await editFeatures();
    const next = await loadBundleDir(dir, { tokenizer: service.tokenizer, now: () => 0 });
    const before = service.engine.store;
    await service.engine.swapBundle(next).model?.close();
    expect(service.engine.store).not.toBe(before);
    const after = (await post(service, paymentRequest('c4'))).json();
    expect(after.bundleVersion).toBe(next.version);
    expect(after.features).toMatchObject({ 'card.count_1h': 3, 'card.count_24h': 3, 'card.count_30d': 0 });
    expect(after.features['card.age_s']).toBeGreaterThanOrEqual(0);
    const again = (await post(service, paymentRequest('c5'))).json();
    expect(again.features).toMatchObject({ 'card.count_1h': 4, 'card.count_30d': 1 });
  });

  it('rejects a features section whose names do not resolve, naming where', async () => {
    await editJson<Section>('features.json', (doc) => {
      (doc.entities[0] as unknown as { key: unknown }).key = 'card.pan';
      (doc.entities[1] as Section['entities'][number]).windows = ['2h'];
      doc.attributes = { balance: 'money' };
    });
    const err = await loadBundleDir(dir, { tokenizer: createTokenizer('k'.repeat(20)), now: () => 0 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BundleError);
    const text = (err as BundleError).problems.join('\n');
    expect(text).toContain(
      'features.json: attributes.balance: type must be string, number, bool or timestamp',
    );
    expect(text).toContain('features.json: entities.user.key[0]: unknown field "card.pan"');
    expect(text).toContain('features.json: entities.card.windows[0]: unknown window');

    // A rule naming a feature the section does not declare is rejected with its position.
    await cp(join(defaultBundleDir(), 'features.json'), join(dir, 'features.json'));
    await editJson<{ rules: { when: string }[] }>('rules.json', (doc) => {
      (doc.rules[1] as { when: string }).when = 'card.count_30d > 3';
    });
    const ruleErr = await loadBundleDir(dir, {
      tokenizer: createTokenizer('k'.repeat(20)),
      now: () => 0,
    }).catch((e: unknown) => e);
    expect((ruleErr as BundleError).problems.join('\n')).toMatch(
      /rules\.json: rule card_velocity_1h at 1:1: unknown field 'card\.count_30d'/,
    );
  });
});
