import { describe, expect, it } from 'vitest';
import { paymentRequest, testService } from '../helpers.js';

describe('stage and version metrics', () => {
  it('exports per-stage latency histograms, the versions serving and bundle changes', async () => {
    const service = await testService();
    try {
      for (let i = 0; i < 3; i++) {
        const res = await service.http.inject({
          method: 'POST',
          url: '/v1/decisions',
          payload: paymentRequest(`m-${i}`),
        });
        expect(res.statusCode).toBe(200);
      }
      const text = await service.metrics.registry.metrics();
      for (const stage of ['features', 'lists', 'device', 'model', 'sequences', 'rules', 'combine', 'commit'])
        expect(text).toContain(`risk_stage_seconds_count{stage="${stage}"} 3`);
      const b = service.engine.bundle;
      expect(text).toContain(
        `risk_bundle_info{bundle_version="${b.version}",model_version="${b.model?.version}",challenger_version=""} 1`,
      );
      expect(text).toContain('risk_bundle_changes{result="applied"} 0');
      expect(text).toContain('risk_bundle_changes{result="rejected"} 0');
      const publish = (rules: string) =>
        service.http.inject({
          method: 'POST',
          url: '/admin/v1/bundle/publish',
          remoteAddress: '127.0.0.1',
          payload: { files: { 'rules.txt': rules } },
        });
      expect((await publish('@id extra\n@reason x: y\nreview if amount_usd > 1000000\n')).statusCode).toBe(
        200,
      );
      expect((await publish('review if nonsense >\n')).statusCode).toBe(422);
      const after = await service.metrics.registry.metrics();
      expect(after).toContain('risk_bundle_changes{result="applied"} 1');
      expect(after).toContain('risk_bundle_changes{result="rejected"} 1');
      expect(after).toContain(`bundle_version="${service.engine.bundle.version}"`);
    } finally {
      await service.close();
    }
  });
});
