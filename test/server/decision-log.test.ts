import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featuresOf, listDecisionSegments, readDecisionLog } from '../../src/durability/index.js';
import { paymentRequest, testService } from '../helpers.js';

describe('decision log through the service', () => {
  it('records every fresh decision with the tokenised event, features, reasons and versions; never raw PII', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'risk-dlog-svc-'));
    try {
      const service = await testService({ dataDir, decisionLog: 'file' });
      const phone = '+4915112345678';
      const answers: { decisionId: string; bundleVersion: string }[] = [];
      for (let i = 0; i < 20; i++) {
        const body = paymentRequest(`evt-log-${i}`, {
          account: { id: 'user-7', email: 'ana.secret@example.com', phone },
        });
        const res = await service.http.inject({ method: 'POST', url: '/v1/decisions', payload: body });
        expect(res.statusCode).toBe(200);
        answers.push(res.json());
      }
      // A retry is a replay: not a fresh decision, not logged again.
      await service.http.inject({
        method: 'POST',
        url: '/v1/decisions',
        payload: paymentRequest('evt-log-0', {
          account: { id: 'user-7', email: 'ana.secret@example.com', phone },
        }),
      });
      await service.close();
      const dir = join(dataDir, 'decisions');
      const records: Record<string, unknown>[] = [];
      for await (const r of readDecisionLog(dir)) records.push({ ...r, features: featuresOf(r) });
      expect(records.map((r) => r.decisionId)).toEqual(answers.map((a) => a.decisionId));
      type Rec = {
        features: Record<string, number>;
        timings: { stage: string }[];
        liveHits: unknown;
        shadowHits: unknown;
        modelVersion: string;
      };
      const first = records[0] as Rec;
      expect(first).toMatchObject({
        kind: 'decision',
        eventId: 'evt-log-0',
        bundleVersion: answers[0]?.bundleVersion,
        event: { account: { id: 'user-7', emailDomain: 'example.com' } },
      });
      expect(first.modelVersion).toMatch(/^gbdt/);
      expect(first.features.amount_usd).toBeGreaterThan(0);
      // The account key is there: the sequence's stage is 0 on a payment that starts nothing.
      expect(first.features['sequence.account_takeover.stage']).toBe(0);
      expect(Array.isArray(first.liveHits) && Array.isArray(first.shadowHits)).toBe(true);
      expect(first.timings.map((t: { stage: string }) => t.stage)).toContain('rules');
      // The 20th decision saw the 19 before it.
      expect((records[19] as Rec).features['card.count_1h']).toBe(19);
      const bytes = listDecisionSegments(dir)
        .map((n) => readFileSync(join(dir, n), 'utf8'))
        .join('');
      for (const secret of ['4111111111111111', 'ana.secret@example.com', 'ana.secret', phone, '15112345678'])
        expect(bytes).not.toContain(secret);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
