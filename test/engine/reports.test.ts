import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Action,
  createTokenizer,
  FRAUD_OUTCOMES,
  fieldQuality,
  type OutcomeType,
} from '../../src/domain/index.js';
import { readDecisionLog } from '../../src/durability/index.js';
import {
  type Bundle,
  defaultBundleDir,
  loadBundleDir,
  parseLogRange,
  renderRiskMarkdown,
  renderShadowMarkdown,
  riskReport,
  SCORE_BINS,
  shadowReport,
} from '../../src/engine/index.js';
import { type BuiltDecision, buildDecisionLog } from '../decision-log-builder.js';
import { testService } from '../helpers.js';

const N = 800;
const D1 = Date.parse('2026-11-30T00:00:00.000Z');
const D2 = D1 + 3_600_000;
const ACTIONS: readonly Action[] = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'];
const CHAMPION = { review: 0.05, block: 0.997 };
const CHALLENGER = { review: 0.2, block: 0.5 };

let dataDir: string;
let bundleDir: string;
let built: BuiltDecision[];
let bundle: Bundle;
const logDir = () => join(dataDir, 'decisions');

/** The default bundle with two shadow rules and its own model as a challenger on every event. */
function reportBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'risk-report-bundle-'));
  cpSync(defaultBundleDir(), dir, { recursive: true });
  const rulesFile = join(dir, 'rules.json');
  const rules = JSON.parse(readFileSync(rulesFile, 'utf8')) as { rules: unknown[] };
  rules.rules.push(
    {
      id: 'shadow_login_block',
      action: 'BLOCK',
      mode: 'shadow',
      when: "type == 'LOGIN'",
      reason: { code: 'shadow_login', message: 'a login' },
    },
    {
      id: 'shadow_never',
      action: 'REVIEW',
      mode: 'shadow',
      when: "type == 'PAYMENT' and amount_usd < 0",
      reason: { code: 'shadow_never', message: 'never' },
    },
  );
  writeFileSync(rulesFile, JSON.stringify(rules));
  cpSync(join(dir, 'model'), join(dir, 'challenger'), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'model/manifest.json'), 'utf8')) as object;
  writeFileSync(
    join(dir, 'challenger/manifest.json'),
    JSON.stringify({ ...manifest, version: 'challenger-1', thresholds: CHALLENGER }),
  );
  const meta = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as object;
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify({ ...meta, challenger: { share: 1 } }));
  return dir;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'risk-report-'));
  bundleDir = reportBundle();
  built = await buildDecisionLog({
    dataDir,
    bundleDir,
    events: N,
    seed: 5,
    users: 300,
    fraudRate: 0.05,
    // Two batches an hour apart; some decisions labelled twice (the later label wins).
    wallTime: (i) => (i < N / 2 ? D1 + i : D2 + i - N / 2),
    outcomes: (i, label): OutcomeType[] => {
      if (i % 50 === 1) return ['REVIEW_APPROVED', 'CHARGEBACK'];
      if (label === 1) return ['CONFIRMED_FRAUD'];
      if (i % 9 === 0) return ['FALSE_POSITIVE'];
      if (i % 13 === 0) return ['REFUND'];
      return [];
    },
  });
  bundle = await loadBundleDir(bundleDir, { tokenizer: createTokenizer(Buffer.alloc(32)), now: Date.now });
}, 120_000);
afterAll(async () => {
  await bundle?.model?.close();
  await bundle?.challenger?.model.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
});

const isFraud = (d: BuiltDecision) =>
  d.outcomes.length > 0 && FRAUD_OUTCOMES.has(d.outcomes[d.outcomes.length - 1] as OutcomeType);
const count = <T>(xs: readonly T[], f: (x: T) => boolean) => xs.filter(f).length;
const nearestRank = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(q * s.length) - 1];
};
const tier = (x: number, t: { review: number; block: number }) => (x >= t.block ? 2 : x >= t.review ? 1 : 0);
/** The log's decision records, parsed plainly: the oracle for what only the log holds (hits, timings). */
const rawDecisions = () =>
  readdirSync(logDir())
    .sort()
    .flatMap((f) => readFileSync(join(logDir(), f), 'utf8').split('\n'))
    .filter((l) => l.startsWith('{"kind":"decision"'))
    .map((l) => JSON.parse(l) as { liveHits: string[]; shadowHits: string[]; timings: unknown[] });

function expectMix(r: Awaited<ReturnType<typeof riskReport>>, ds: readonly BuiltDecision[]) {
  expect(r.decisions).toBe(ds.length);
  for (const a of ACTIONS) {
    const c = count(ds, (d) => d.result.decision === a);
    expect(r.mix.byDecision[a]).toEqual({ count: c, share: c / ds.length });
  }
}

describe('risk report', () => {
  it('counts the decision mix, rules, outcomes, scores, latency and data quality exactly', async () => {
    const r = await riskReport(readDecisionLog(logDir()), { top: 100 });
    expectMix(r, built);
    expect(r.first).toBe(new Date(D1).toISOString());
    expect(r.last).toBe(new Date(D2 + N / 2 - 1).toISOString());
    const types = new Set(built.map((d) => d.event.type));
    expect(r.mix.byEventType.map((t) => t.type).sort()).toEqual([...types].sort());
    for (const t of r.mix.byEventType) {
      const of = built.filter((d) => d.event.type === t.type);
      expect(t.count).toBe(of.length);
      for (const a of ACTIONS) expect(t.byDecision[a]).toBe(count(of, (d) => d.result.decision === a));
    }

    // Rules: every hit the log recorded, counted.
    const raw = rawDecisions();
    expect(raw).toHaveLength(N);
    const hits = new Map<string, number>();
    for (const d of raw) for (const id of d.liveHits) hits.set(id, (hits.get(id) ?? 0) + 1);
    expect(r.rules.live.length).toBe(hits.size);
    for (const x of r.rules.live)
      expect(x).toEqual({ id: x.id, hits: hits.get(x.id), rate: (hits.get(x.id) ?? 0) / N });
    const logins = count(built, (d) => d.event.type === 'LOGIN');
    expect(logins).toBeGreaterThan(0);
    expect(r.rules.shadow).toEqual([{ id: 'shadow_login_block', hits: logins, rate: logins / N }]);

    // Outcomes: every record by type; the latest one labels.
    const byType: Record<string, number> = {};
    for (const d of built) for (const t of d.outcomes) byType[t] = (byType[t] ?? 0) + 1;
    for (const [t, c] of Object.entries(r.outcomes.byType)) expect(c).toBe(byType[t] ?? 0);
    const labelled = built.filter((d) => d.outcomes.length > 0);
    const fraud = labelled.filter(isFraud);
    expect(r.outcomes.labelled).toBe(labelled.length);
    expect(r.outcomes.fraud).toBe(fraud.length);
    expect(fraud.length).toBeGreaterThan(0);
    expect(r.outcomes.fraudRate).toBe(fraud.length / N);
    for (const a of ACTIONS)
      expect(r.outcomes.byDecision[a]).toEqual({
        decisions: count(built, (d) => d.result.decision === a),
        labelled: count(labelled, (d) => d.result.decision === a),
        fraud: count(fraud, (d) => d.result.decision === a),
        notFraud: count(labelled, (d) => d.result.decision === a && !isFraud(d)),
      });
    expect(r.outcomes.allowedFraud).toBe(count(fraud, (d) => d.result.decision === 'ALLOW'));
    expect(r.outcomes.blockedFalsePositives).toBe(
      count(labelled, (d) => d.result.decision === 'BLOCK' && !isFraud(d)),
    );

    // Scores: the histogram holds every score; quantiles by nearest rank.
    const scores = built.flatMap((d) => (d.result.modelScore === undefined ? [] : [d.result.modelScore]));
    const m = r.scores.model;
    expect(m?.count).toBe(scores.length);
    expect(m?.bins).toHaveLength(SCORE_BINS);
    expect(m?.bins.reduce((s, b) => s + b.count, 0)).toBe(scores.length);
    expect(m?.bins[0]?.count).toBe(count(scores, (s) => s < 1 / SCORE_BINS));
    expect(m?.p50).toBe(nearestRank(scores, 0.5));
    expect(m?.p90).toBe(nearestRank(scores, 0.9));
    expect(m?.p99).toBe(nearestRank(scores, 0.99));
    expect(r.scores.challengers).toHaveLength(1);
    const c = r.scores.challengers[0];
    expect(c?.version).toBe('challenger-1');
    expect((c?.count ?? 0) + (c?.failed ?? 0)).toBe(N);
    expect(c?.bins.reduce((s, b) => s + b.count, 0)).toBe(c?.count);

    // Latency from every decision's recorded timings; degraded as decided.
    expect(r.latency.total.count).toBe(N);
    expect(r.latency.stages.map((s) => s.stage)).toContain('model');
    for (const s of r.latency.stages) expect(s.p50).toBeLessThanOrEqual(s.p99);
    expect(r.degraded.decisions).toBe(count(built, (d) => d.result.degraded.length > 0));

    // Data quality by source (event type), the rates of fieldQuality over the events decided.
    expect(r.quality.sources.reduce((s, q) => s + q.events, 0)).toBe(N);
    for (const q of r.quality.sources) {
      const evs = built.filter((d) => d.event.type === q.source).map((d) => d.event);
      expect(q.events).toBe(evs.length);
      for (const f of q.fields) {
        const checks = evs.flatMap((e) => fieldQuality(e).filter((x) => x.field === f.field));
        const denominator = f.field.startsWith('attributes.') ? evs.length : checks.length;
        expect(f.events).toBe(denominator);
        expect(f.present).toBe(count(checks, (x) => x.present) / denominator);
        expect(f.valid).toBe(count(checks, (x) => x.valid) / denominator);
      }
    }
    const payments = r.quality.sources.find((q) => q.source === 'PAYMENT');
    expect(payments?.fields.map((f) => f.field).slice(0, 5)).toEqual([
      'device.id',
      'network.ip',
      'payment.card.country',
      'account.email',
      'account.phone',
    ]);
  }, 60_000);

  it('selects decisions by when they were made: [from, to)', async () => {
    const second = await riskReport(readDecisionLog(logDir()), { from: D2 });
    expectMix(second, built.slice(N / 2));
    expect(second.from).toBe(new Date(D2).toISOString());
    const first = await riskReport(readDecisionLog(logDir()), { to: D2 });
    expectMix(first, built.slice(0, N / 2));
    // Outcomes join to the decisions in range only.
    expect(first.outcomes.labelled + second.outcomes.labelled).toBe(
      count(built, (d) => d.outcomes.length > 0),
    );
    const one = await riskReport(readDecisionLog(logDir()), { from: D1 + 10, to: D1 + 11 });
    expectMix(one, built.slice(10, 11));
    const none = await riskReport(readDecisionLog(logDir()), { from: D2 + N });
    expect(none.decisions).toBe(0);
    expect(none.mix.byDecision.ALLOW.share).toBeNaN();
    expect(none.scores.model).toBeUndefined();
    expect(JSON.parse(JSON.stringify(none)).outcomes.fraudRate).toBeNull();
  });

  it('reads the same without feature snapshots and with decisions out of range skipped unparsed', async () => {
    const same = (r: object) => ({ ...r, seconds: 0, eventsPerSecond: 0 });
    for (const range of [{}, { from: D2 }, { to: D2 }, { from: D1 + 10, to: D2 + 5 }]) {
      const full = await riskReport(readDecisionLog(logDir()), range);
      const lean = await riskReport(
        readDecisionLog(logDir(), undefined, { features: false, ...range }),
        range,
      );
      expect(same(lean)).toEqual(same(full));
      const fullShadow = await shadowReport(readDecisionLog(logDir()), { ...range, bundle });
      const leanShadow = await shadowReport(
        readDecisionLog(logDir(), undefined, { features: false, ...range }),
        { ...range, bundle },
      );
      expect(same(leanShadow)).toEqual(same(fullShadow));
    }
    let decisions = 0;
    let outcomes = 0;
    for await (const r of readDecisionLog(logDir(), undefined, { features: false, from: D2 })) {
      if (r.kind === 'decision') {
        decisions++;
        expect(r.f).toBeUndefined();
        expect(r.event).toBeTypeOf('object');
      } else if (r.kind === 'outcome') outcomes++;
    }
    expect(decisions).toBe(N / 2);
    // Outcome lines always pass: they may label a decision in range.
    expect(outcomes).toBe(built.reduce((s, d) => s + d.outcomes.length, 0));
  });

  it('renders markdown tables', async () => {
    const md = renderRiskMarkdown(await riskReport(readDecisionLog(logDir())));
    for (const heading of [
      '## Decision mix',
      '## Top rules',
      '## Outcomes',
      '## Model scores',
      '## Latency',
      '## Data quality',
    ])
      expect(md).toContain(heading);
    expect(md).toContain('| decision | count | share |');
    expect(md).toContain('| shadow_login_block | shadow |');
    expect(md).toContain('| model | count | mean | p50 | p90 | p99 |');
    expect(md).toMatch(/\| PAYMENT \| device\.id \| \d+ \|/);
    expect(md).toContain('| 0.95–1.00 |');
  });
});

describe('shadow report', () => {
  it('scores each shadow rule against the live policy and the labels', async () => {
    const r = await shadowReport(readDecisionLog(logDir()), { bundle });
    expect(r.decisions).toBe(N);
    expect(r.bundleVersion).toBe(bundle.version);
    const labelled = built.filter((d) => d.outcomes.length > 0);
    const fraud = labelled.filter(isFraud);
    expect(r.labels.labelled).toBe(labelled.length);
    expect(r.labels.fraud).toBe(fraud.length);
    const liveFlagged = labelled.filter(
      (d) => d.result.decision === 'REVIEW' || d.result.decision === 'BLOCK',
    );
    expect(r.labels.live.labelled).toBe(liveFlagged.length);
    expect(r.labels.live.recall).toBe(count(liveFlagged, isFraud) / fraud.length);

    const logins = built.filter((d) => d.event.type === 'LOGIN');
    const rule = r.rules.find((x) => x.id === 'shadow_login_block');
    expect(rule).toBeDefined();
    expect(rule?.action).toBe('BLOCK');
    expect(rule?.hits).toBe(logins.length);
    expect(rule?.rate).toBe(logins.length / N);
    expect(rule?.overlap).toBe(count(logins, (d) => d.result.decision !== 'ALLOW'));
    expect(rule?.new).toBe(count(logins, (d) => d.result.decision === 'ALLOW'));
    // Promoted, a BLOCK rule blocks every login it hits unless already blocked or allowlisted.
    const allowlisted = (d: BuiltDecision) =>
      d.result.decision === 'ALLOW' && d.result.reasons.some((x) => x.action === 'ALLOW');
    const changes = logins.filter((d) => d.result.decision !== 'BLOCK' && !allowlisted(d));
    expect(rule?.changed).toBe(changes.length);
    for (const a of ACTIONS.filter((x) => x !== 'BLOCK')) {
      const n = count(changes, (d) => d.result.decision === a);
      expect(rule?.changes?.find((c) => c.from === a)?.count ?? 0).toBe(n);
    }
    expect(rule?.changes?.every((c) => c.to === 'BLOCK')).toBe(true);
    const hitLabelled = logins.filter((d) => d.outcomes.length > 0);
    expect(rule?.labels).toEqual({
      labelled: hitLabelled.length,
      fraud: count(hitLabelled, isFraud),
      precision: hitLabelled.length === 0 ? Number.NaN : count(hitLabelled, isFraud) / hitLabelled.length,
      recall: count(hitLabelled, isFraud) / fraud.length,
    });
    expect(rule?.newFraud).toBe(count(hitLabelled, (d) => isFraud(d) && d.result.decision === 'ALLOW'));
    // A shadow rule of the bundle that never fired is listed with nothing.
    expect(r.rules.find((x) => x.id === 'shadow_never')).toMatchObject({ hits: 0, changed: 0, changes: [] });
  }, 60_000);

  it('compares the champion with the challenger on the events both scored', async () => {
    const r = await shadowReport(readDecisionLog(logDir()), { bundle });
    expect(r.challengers).toHaveLength(1);
    const c = r.challengers[0];
    const scored = built.filter((d) => d.result.modelScore !== undefined);
    expect(c?.version).toBe('challenger-1');
    expect(c?.scored).toBe(scored.length);
    expect(c?.failed).toBe(N - scored.length);
    // The same model: equal scores, tiers that differ only by the thresholds.
    expect(c?.meanAbsDiff).toBe(0);
    expect(c?.correlation).toBeCloseTo(1, 9);
    const agree = count(
      scored,
      (d) =>
        tier(d.result.modelScore as number, CHAMPION) === tier(d.result.modelScore as number, CHALLENGER),
    );
    expect(c?.agreement).toBe(agree / scored.length);
    const tiers = [0, 1, 2].map((i) =>
      [0, 1, 2].map((j) =>
        count(
          scored,
          (d) =>
            tier(d.result.modelScore as number, CHAMPION) === i &&
            tier(d.result.modelScore as number, CHALLENGER) === j,
        ),
      ),
    );
    expect(c?.tiers).toEqual(tiers);
    const labelled = scored.filter((d) => d.outcomes.length > 0);
    expect(c?.labels.labelled).toBe(labelled.length);
    expect(c?.labels.fraud).toBe(count(labelled, isFraud));
    expect(c?.labels.champion.auc).toBeGreaterThan(0.5);
    expect(c?.labels.challenger.auc).toBe(c?.labels.champion.auc);
    const flagged = labelled.filter((d) => tier(d.result.modelScore as number, CHALLENGER) >= 1);
    expect(c?.labels.challenger.labelled).toBe(flagged.length);
    expect(c?.labels.challenger.fraud).toBe(count(flagged, isFraud));

    // Without the bundle: no actions, no tiers, the rest the same.
    const bare = await shadowReport(readDecisionLog(logDir()));
    expect(bare.rules.map((x) => x.id)).toEqual(['shadow_login_block']);
    expect(bare.rules[0]?.changes).toBeUndefined();
    expect(bare.challengers[0]?.tiers).toBeUndefined();
    expect(bare.challengers[0]?.agreement).toBe(c?.agreement);
  }, 60_000);

  it('renders markdown tables', async () => {
    const md = renderShadowMarkdown(await shadowReport(readDecisionLog(logDir()), { bundle }));
    expect(md).toContain('## Shadow rules');
    expect(md).toMatch(/\| shadow_login_block \| BLOCK \| \d+ \|/);
    expect(md).toContain('### challenger-1');
    expect(md).toContain('| champion \\ challenger | none | review | block |');
    expect(md).toContain('| model | labelled | fraud | AUC | precision | recall |');
  });
});

describe('parseLogRange', () => {
  it.each([
    [undefined, undefined, {}],
    ['2026-12-01T00:00:00Z', undefined, { from: Date.parse('2026-12-01T00:00:00Z') }],
    [undefined, '2026-12-01T01:00:00.5+01:00', { to: Date.parse('2026-12-01T00:00:00.5Z') }],
  ])('accepts %s .. %s', (from, to, value) => {
    expect(parseLogRange(from, to)).toEqual({ value });
  });
  it.each([
    ['yesterday', undefined, 'from'],
    ['2026-12-01', undefined, 'from'],
    [undefined, '2026-12-01T00:00:00', 'to'],
    ['2026-12-02T00:00:00Z', '2026-12-01T00:00:00Z', 'to'],
    ['2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z', 'to'],
  ])('refuses %s .. %s naming %s', (from, to, field) => {
    const r = parseLogRange(from, to);
    expect('errors' in r && r.errors.map((e) => e.field)).toEqual([field]);
  });
});

describe('GET /admin/v1/reports/*', () => {
  it('serves both reports as JSON and as markdown downloads; bad parameters are 400s naming the field', async () => {
    const s = await testService({ dataDir, decisionLog: 'file', bundleDir });
    try {
      const get = (url: string) => s.http.inject({ method: 'GET', url, remoteAddress: '127.0.0.1' });
      const risk = await get('/admin/v1/reports/risk');
      expect(risk.statusCode).toBe(200);
      expect(risk.json().kind).toBe('risk');
      expect(risk.json().decisions).toBe(N);
      const ranged = await get(`/admin/v1/reports/risk?from=${new Date(D2).toISOString()}&format=json`);
      expect(ranged.json().decisions).toBe(N / 2);
      const md = await get(`/admin/v1/reports/risk?format=md&to=${new Date(D2).toISOString()}`);
      expect(md.statusCode).toBe(200);
      expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(md.headers['content-disposition']).toBe(
        'attachment; filename="risk-report-all-to-2026-11-30T01-00-00-000Z.md"',
      );
      expect(md.body).toContain('# Risk report');
      expect(md.body).toContain(`${N / 2} decisions`);
      const shadow = await get('/admin/v1/reports/shadow');
      expect(shadow.statusCode).toBe(200);
      expect(shadow.json().rules[0]).toMatchObject({ id: 'shadow_login_block', action: 'BLOCK' });
      expect(shadow.json().challengers[0].version).toBe('challenger-1');
      const shadowMd = await get('/admin/v1/reports/shadow?format=md');
      expect(shadowMd.headers['content-disposition']).toBe(
        'attachment; filename="shadow-report-all-to-all.md"',
      );
      expect(shadowMd.body).toContain('## Shadow rules');

      for (const [query, field] of [
        ['from=yesterday', 'from'],
        ['to=2026-01-01T00:00:00Z&from=2026-02-01T00:00:00Z', 'to'],
        ['format=xml', 'format'],
        ['top=0', 'top'],
        ['bogus=1', 'bogus'],
        ['from=2026-01-01T00:00:00Z&from=2026-01-02T00:00:00Z', 'from'],
      ] as const)
        for (const kind of ['risk', 'shadow']) {
          const res = await get(`/admin/v1/reports/${kind}?${query}`);
          expect(res.statusCode, `${kind}?${query}`).toBe(400);
          expect(res.json().code).toBe('RISK_ERR_INPUT_INVALID');
          expect(res.json().violations.map((v: { field: string }) => v.field)).toEqual([field]);
        }
      // Admin auth applies: not from loopback without an admin key.
      const remote = await s.http.inject({
        method: 'GET',
        url: '/admin/v1/reports/risk',
        remoteAddress: '192.0.2.1',
      });
      expect(remote.statusCode).toBe(403);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('is a conflict with the decision log off', async () => {
    const s = await testService({ decisionLog: 'off' });
    try {
      const res = await s.http.inject({
        method: 'GET',
        url: '/admin/v1/reports/risk',
        remoteAddress: '127.0.0.1',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('RISK_ERR_NO_DECISION_LOG');
    } finally {
      await s.close();
    }
  });
});

describe('npm run report (scripts/report.ts)', () => {
  const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
  const script = join(process.cwd(), 'scripts', 'report.ts');
  const run = async (...args: string[]) => {
    try {
      const r = await promisify(execFile)(tsx, [script, ...args], { encoding: 'utf8' });
      return { status: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { status: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('exits 2 naming what is wrong', async () => {
    const cases: [string[], string][] = [
      [[], '--log DATA_DIR is required'],
      [['--log', '/nonexistent-risk-dir'], 'does not exist'],
      [['--log', '/tmp'], 'no decision log segments'],
      [['--log', 'x', '--from', 'yesterday'], '--from must be an RFC 3339 time'],
      [
        ['--log', 'x', '--from', '2026-12-02T00:00:00Z', '--to', '2026-12-01T00:00:00Z'],
        '--to must be after from',
      ],
      [['--log', 'x', '--format', 'pdf'], '--format must be md or json'],
      [['--log', 'x', '--top', '0'], '--top must be an integer'],
      [['--log', 'x', '--nope'], "Unknown option '--nope'"],
    ];
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      expect(results[i]?.status, args.join(' ')).toBe(2);
      expect(results[i]?.stderr).toContain(message);
      expect(results[i]?.stderr).toContain('usage: npm run report');
    }
  }, 180_000);

  it('writes both reports, as markdown and as JSON', async () => {
    const out = join(dataDir, 'risk.json');
    const [md, json, shadow] = await Promise.all([
      run('--log', dataDir, '--to', new Date(D2).toISOString()),
      run('--log', dataDir, '--format', 'json', '--out', out),
      run('--log', dataDir, '--shadow', '--bundle', bundleDir, '--format', 'md'),
    ]);
    expect(md.status).toBe(0);
    expect(md.stdout).toContain('# Risk report');
    expect(md.stdout).toContain(`${N / 2} decisions`);
    expect(json.status).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.kind).toBe('risk');
    expect(r.decisions).toBe(N);
    expect(shadow.status).toBe(0);
    expect(shadow.stdout).toMatch(/\| shadow_login_block \| BLOCK \| \d+ \|/);
    expect(shadow.stdout).toContain('### challenger-1');
  }, 180_000);
});
