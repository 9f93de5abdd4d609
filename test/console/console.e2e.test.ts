// The analyst console end to end: the real service on a port, the built console in headless Debian
// Chromium (playwright-core with executablePath: browser downloads fail here), driven as an analyst
// would. Screenshots go to test-results/console/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson } from '@bufbuild/protobuf';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, eventFromProto } from '../../src/domain/index.js';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import type { Service } from '../../src/server/app.js';
import { createSimulator } from '../../src/sim/index.js';
import { paymentRequest, testService } from '../helpers.js';
import { type Receiver, startReceiver } from '../server/alert-receiver.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SHOTS = join(ROOT, 'test-results', 'console');
const CHROMIUM = '/usr/bin/chromium';
const ADMIN_KEY = 'console-e2e-admin-key-0001';
const HISTORY = 3000;

let service: Service;
let base: string;
let browser: Browser;
let page: Page;
let dataDir: string;
let receiver: Receiver;
const pageProblems: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const admin = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(`${base}/admin/v1${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
};
const decide = async (body: unknown) => {
  const res = await fetch(`${base}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    decisionId: string;
    eventId: string;
    decision: string;
    reasons: { code: string }[];
  };
};

beforeAll(async () => {
  // CI runs `npm ci` then `npm test` on a clean clone: the console bundle is built here.
  execFileSync(process.execPath, [join(ROOT, 'console', 'build.mjs')], { stdio: 'pipe' });
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'risk-console-e2e-'));
  // A webhook for BLOCK decisions, received on loopback: the quality panel lists the alerts fired.
  receiver = await startReceiver();
  const alertsFile = join(dataDir, 'alerts.json');
  writeFileSync(
    alertsFile,
    JSON.stringify({
      webhooks: [
        {
          id: 'console-e2e',
          url: receiver.url,
          secret: 'console-e2e-webhook-secret',
          triggers: [{ type: 'decision', decisions: ['BLOCK'] }],
        },
      ],
    }),
  );
  // Simulator history first, on its own time (a manual clock), into the decision log.
  const clock = createManualClock(0);
  service = await testService(
    {
      dataDir,
      decisionLog: 'file',
      decisionLogFlushMs: 20,
      adminKeys: ADMIN_KEY,
      alertsFile,
      maxEventSkewMs: 20 * 365 * 86_400_000,
      // The model always scores, however loaded the machine: the search shows its contributions.
      modelTimeoutMs: 2000,
      defaultTimeoutMs: 5000,
    },
    clock.now,
  );
  let n = 0;
  const outcomes: Promise<{ statusCode: number }>[] = [];
  for (const rec of createSimulator({ seed: 11, users: 400, fraudRate: 0.05 }).events()) {
    if (n++ >= HISTORY) break;
    clock.set(rec.at);
    const ev = eventFromProto(
      fromJson(DecideRequestSchema, rec.request),
      service.tokenizer,
      service.engine.bundle.features,
    );
    if ('errors' in ev) throw new Error(JSON.stringify(ev.errors));
    const d = await service.engine.decide(ev.value);
    // Outcomes label the fraud and a share of the rest, so the backtest has precision and recall.
    if (rec.label === 1 || n % 25 === 0)
      outcomes.push(
        service.http.inject({
          method: 'POST',
          url: '/v1/outcomes',
          payload: { decisionId: d.decisionId, type: rec.label === 1 ? 'CONFIRMED_FRAUD' : 'FALSE_POSITIVE' },
        }),
      );
  }
  for (const r of await Promise.all(outcomes)) expect(r.statusCode).toBe(201);
  base = await service.http.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Script errors and CSP refusals fail the run (checked at the end); failed calls are the page's business.
  page.on('pageerror', (err) => pageProblems.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageProblems.push(m.text());
  });
  page.setDefaultTimeout(15_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  await receiver?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

describe('the analyst console in Chromium', { timeout: 30_000 }, () => {
  it('asks for the key, then shows live decisions as they arrive', async () => {
    await page.goto(`${base}/console/`);
    // Without a key the admin API refuses: the console says so.
    await page.getByTestId('auth-error').waitFor();
    expect(await page.getByTestId('auth-error').textContent()).toContain('RISK_ERR_UNAUTHENTICATED');
    await page.fill('input[name=key]', ADMIN_KEY);
    await page.click('header form button');
    await page.getByTestId('bundle-version').filter({ hasText: '@' }).waitFor();
    await page.getByText('open', { exact: true }).waitFor();
    // Decisions sent now reach the page over the stream, newest first.
    const sent: string[] = [];
    for (let i = 0; i < 12; i++) {
      const d = await decide(paymentRequest(`live-${i}`));
      sent.push(d.eventId);
      await new Promise((r) => setTimeout(r, 40));
    }
    await page
      .getByTestId('live-row')
      .filter({ hasText: sent.at(-1) as string })
      .waitFor();
    const rows = await page.getByTestId('live-row').allTextContents();
    for (const id of sent) expect(rows.some((r) => r.includes(id))).toBe(true);
    expect(rows[0]).toContain(sent.at(-1));
    // The same card charged again and again: velocity reviews reach the stream with their reason.
    expect(rows.some((r) => r.includes('REVIEW') && r.includes('card_velocity_1h'))).toBe(true);
    // The per-second charts and top rules (the summary) are drawn.
    await page.getByTestId('top-rule').first().waitFor({ timeout: 8000 });
    expect(await page.locator('[data-testid=chart-mix] canvas').count()).toBe(1);
    expect(await page.locator('[data-testid=chart-latency] canvas').count()).toBe(1);
    await shot('1-live');
  });

  it('finds a decision by id with its reasons, features and model contributions', async () => {
    const d = await decide(paymentRequest('search-me'));
    expect(d.decision).toBe('BLOCK');
    await page.click('[data-testid=tab-search]');
    await page.fill('[data-testid=search-input]', d.decisionId);
    await page.click('[data-testid=search-go]');
    await page.getByTestId('decision-detail').waitFor();
    expect(await page.getByTestId('detail-decision-id').textContent()).toBe(d.decisionId);
    const reasons = await page.getByTestId('reason-row').allTextContents();
    expect(reasons.some((r) => r.includes('card_velocity_1h') && r.includes('BLOCK'))).toBe(true);
    expect(await page.getByTestId('feature-row').count()).toBeGreaterThan(50);
    const contributions = await page.getByTestId('contribution-row').allTextContents();
    expect(contributions.length).toBeGreaterThan(0);
    // The page shows what the API computes.
    const api = (await admin(`/decisions/${d.decisionId}`)) as {
      contributions: { available: boolean; top: { feature: string }[] };
    };
    expect(api.contributions.available).toBe(true);
    expect(contributions[0]).toContain(api.contributions.top[0]?.feature);
    await shot('2-search');
    // By event id too.
    await page.fill('[data-testid=search-input]', 'search-me');
    await page.click('[data-testid=search-go]');
    await page.locator('[data-testid=decision-detail][data-query="search-me"]').waitFor();
    expect(await page.getByTestId('detail-decision-id').textContent()).toBe(d.decisionId);
  });

  it('edits a rule: a mistake is shown at line:column as you type, the fix publishes a new version', async () => {
    const before = (await admin('/bundle')).version as string;
    await page.goto(`${base}/console/#rules/card_velocity_1h`);
    await page.getByTestId('rule-editor').locator('.cm-content').waitFor();
    await page
      .getByTestId('rule-status')
      .filter({ hasText: /^valid/ })
      .waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText keeps the editor's line breaks.
    const original = (await page.locator('.cm-content').innerText()).replace(/\u00a0/g, ' ');
    const line5 = original.split('\n')[4] as string;
    expect(line5).toContain('card.count_1h >= 4');
    const broken = original.replace('card.count_1h >= 4', 'card.cnt_1h >= 4');
    await page.click('.cm-content');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(broken);
    const column = line5.indexOf('card.count_1h >= 4') + 1;
    await page.getByTestId('rule-problem').waitFor();
    const problems = await page.getByTestId('rule-problem').allTextContents();
    expect(problems).toEqual([`5:${column}: unknown field 'card.cnt_1h'`]);
    // The editor marks the word itself.
    await page.locator('.cm-lintRange-error').first().waitFor();
    expect(await page.locator('.cm-lintRange-error').first().textContent()).toBe('card.cnt_1h');
    expect(await page.getByTestId('rule-publish').isDisabled()).toBe(true);
    await shot('3-rule-error');
    // Fixed: valid again, and published.
    const fixed = original.replace('card.count_1h >= 4', 'card.count_1h >= 3');
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(fixed);
    await page
      .getByTestId('rule-status')
      .filter({ hasText: /^valid/ })
      .waitFor();
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0);
    await page.click('[data-testid=rule-publish]');
    await page.getByTestId('rule-published').waitFor();
    const after = (await admin('/bundle')).version as string;
    expect(after).not.toBe(before);
    expect(await page.getByTestId('rule-published').textContent()).toContain(after);
    await page.getByTestId('bundle-version').filter({ hasText: after }).waitFor();
    const served = (await admin('/rules/card_velocity_1h')) as { text: string; form: string };
    expect(served.form).toBe('text');
    expect(served.text).toContain('card.count_1h >= 3');
    await shot('4-rule-published');
  });

  it('adds a list item that the next decision matches, and removes it', async () => {
    await page.click('[data-testid=tab-lists]');
    await page.getByRole('button', { name: 'blocked_devices' }).click();
    await page.fill('[data-testid=list-value]', 'dev-console-e2e');
    await page.click('[data-testid=list-add]');
    await page.getByTestId('list-item').filter({ hasText: 'dev-console-e2e' }).waitFor();
    const device = { id: 'dev-console-e2e', confidence: 0.9 };
    const blocked = await decide(paymentRequest('list-hit', { device }));
    expect(blocked.decision).toBe('BLOCK');
    expect(blocked.reasons.map((r) => r.code)).toContain('device_blocklisted');
    await shot('5-lists');
    await page.getByTestId('list-item').filter({ hasText: 'dev-console-e2e' }).getByRole('button').click();
    await page.getByTestId('list-item').filter({ hasText: 'dev-console-e2e' }).waitFor({ state: 'detached' });
    const items = (await admin('/lists/blocked_devices/items')).items as { value: string }[];
    expect(items.some((i) => i.value === 'dev-console-e2e')).toBe(false);
    const after = await decide(paymentRequest('list-miss', { device }));
    expect(after.reasons.map((r) => r.code)).not.toContain('device_blocklisted');
  });

  it('backtests a candidate rule over the simulator history and shows the figures', async () => {
    const rule = [
      '@id console_candidate',
      '@reason console_candidate: card charged {card.count_1h} times in the hour',
      '@score 0.1',
      "review if type == 'PAYMENT' and card.count_1h >= 2 and amount_usd > 20",
    ].join('\n');
    await page.click('[data-testid=tab-backtest]');
    await page.fill('[data-testid=backtest-rule]', rule);
    await page.click('[data-testid=backtest-run]');
    await page.getByTestId('backtest-results').waitFor({ timeout: 30_000 });
    // The same backtest through the API: the page shows its figures.
    const report = (await admin('/backtest', {
      method: 'POST',
      body: { rule: { id: 'console_candidate', text: rule }, sample: 25 },
    })) as {
      events: number;
      changed: number;
      mix: Record<'live' | 'candidate', Record<string, number>>;
      labels: { labelled: number; candidate: { precision: number; recall: number } };
      rules: { id: string; candidate: number }[];
    };
    expect(report.events).toBeGreaterThanOrEqual(HISTORY);
    expect(report.labels.labelled).toBeGreaterThan(0);
    expect(report.mix.candidate.REVIEW).toBeGreaterThan(report.mix.live.REVIEW as number);
    const shown = Number((await page.getByTestId('backtest-events').textContent())?.replace(/,/g, ''));
    expect(shown).toBe(report.events);
    const review = await page.getByTestId('mix-REVIEW').textContent();
    expect(review).toContain((report.mix.candidate.REVIEW as number).toLocaleString('en'));
    expect(review).toContain((report.mix.live.REVIEW as number).toLocaleString('en'));
    const candidateRow = await page.getByTestId('labels-candidate').textContent();
    expect(candidateRow).toContain(`${(report.labels.candidate.recall * 100).toFixed(1)} %`);
    expect(candidateRow).toContain(`${(report.labels.candidate.precision * 100).toFixed(1)} %`);
    const hits = report.rules.find((r) => r.id === 'console_candidate')?.candidate ?? 0;
    expect(hits).toBeGreaterThan(0);
    const ruleRows = await page.getByTestId('backtest-rule').allTextContents();
    expect(
      ruleRows.some((r) => r.startsWith('console_candidate') && r.includes(hits.toLocaleString('en'))),
    ).toBe(true);
    expect(await page.getByTestId('backtest-change').count()).toBe(Math.min(25, report.changed));
    await shot('6-backtest');
  });

  it('shows data quality per source and field, and the alerts fired', async () => {
    const quality = (await admin('/quality')) as { sources: { source: string; fields: unknown[] }[] };
    const fields = quality.sources.reduce((n, s) => n + s.fields.length, 0);
    expect(fields).toBeGreaterThan(0);
    await receiver.count(1);
    await page.click('[data-testid=tab-quality]');
    await page.getByTestId('quality-row').first().waitFor();
    expect(await page.getByTestId('quality-row').count()).toBe(fields);
    const sources = await page.locator('[data-testid=quality] h3').allTextContents();
    for (const s of quality.sources) expect(sources.some((t) => t.startsWith(s.source))).toBe(true);
    await page.getByTestId('alert-row').first().waitFor();
    const alerts = await page.getByTestId('alert-row').allTextContents();
    expect(alerts[0]).toContain('decision');
    expect(alerts[0]).toContain('console-e2e');
    expect(await page.getByTestId('alerts').textContent()).toContain(receiver.url);
    await shot('7-quality');
  });

  it('works a review case: opens it, claims it, declines it, and sees it resolved with its outcome', async () => {
    // The queue as the panel lists it: REVIEW decisions of the history and of this test became cases.
    const open = (await admin('/review/cases?status=open&limit=200')).cases as {
      caseId: string;
      eventId: string;
    }[];
    expect(open.length).toBeGreaterThan(0);
    const target = open[0] as { caseId: string; eventId: string };
    await page.click('[data-testid=tab-review]');
    await page.fill('[data-testid=analyst]', 'ana');
    await page.locator(`[data-testid=case-row][data-case-id="${target.caseId}"]`).click();
    await page.getByTestId('case-detail').waitFor();
    expect(await page.getByTestId('case-status').textContent()).toBe('open');
    await page.click('[data-testid=case-claim]');
    await page.getByTestId('case-status').filter({ hasText: 'claimed' }).waitFor();
    expect(await page.getByTestId('case-claimed-by').textContent()).toContain('ana');
    // The lease is ana's: another analyst's claim is a conflict.
    const other = await fetch(`${base}/admin/v1/review/cases/${target.caseId}/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ analyst: 'bob' }),
    });
    expect(other.status).toBe(409);
    await page.fill('[data-testid=case-detail] input[placeholder=note]', 'card reported stolen');
    await page.click('[data-testid=case-decline]');
    await page.getByTestId('case-status').filter({ hasText: 'resolved' }).waitFor();
    expect(await page.getByTestId('case-verdict').textContent()).toContain('DECLINE by ana');
    const outcomeId = (await page.getByTestId('case-outcome').textContent()) ?? '';
    const served = await admin(`/review/cases/${target.caseId}`);
    expect(served).toMatchObject({
      status: 'resolved',
      verdict: 'DECLINE',
      resolvedBy: 'ana',
      note: 'card reported stolen',
      outcomeId,
    });
    // It has left the open cases; the resolved ones list it with its verdict.
    await page
      .locator(`[data-testid=case-row][data-case-id="${target.caseId}"]`)
      .waitFor({ state: 'detached' });
    await page.selectOption('[data-testid=case-filter]', 'resolved');
    await page
      .locator(`[data-testid=case-row][data-case-id="${target.caseId}"]`)
      .filter({ hasText: 'DECLINE' })
      .waitFor();
    await shot('8-review');
  });

  it('renders the risk report over the decision log and offers it as Markdown and JSON', async () => {
    await page.click('[data-testid=tab-reports]');
    await page.click('[data-testid=report-render]');
    await page.getByTestId('report-text').waitFor({ timeout: 30_000 });
    const text = (await page.getByTestId('report-text').textContent()) ?? '';
    expect(text.startsWith('#')).toBe(true);
    // The Markdown is the service's own, and the download is its file.
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const md = await fetch(`${base}/admin/v1/reports/risk?from=${from}&to=${to}&format=md`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const head = (await md.text()).split('\n')[0] as string;
    expect(text.split('\n')[0]).toBe(head);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=report-download-md]'),
    ]);
    expect(download.suggestedFilename()).toMatch(/^risk-report-.*\.md$/);
    const [json] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=report-download-json]'),
    ]);
    expect(json.suggestedFilename()).toMatch(/^risk-report-.*\.json$/);
    await shot('9-reports');
  });

  it('ran without a script error or a Content-Security-Policy refusal', () => {
    expect(pageProblems).toEqual([]);
  });
});
