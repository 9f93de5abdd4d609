import { describe, expect, it } from 'vitest';
import { compileFeaturePlan } from '../../src/features/index.js';

const plan = (metrics: Record<string, unknown>) =>
  compileFeaturePlan({ entities: [{ name: 'card', key: 'card.token', windows: ['30d'], metrics }] });

describe('outcomes metrics in a features section', () => {
  it('count the fraud outcomes by default, or the types listed', () => {
    const r = plan({
      fraud_reports: 'outcomes',
      disputes: { op: 'outcomes', types: ['CHARGEBACK'] },
    });
    if (!('value' in r)) throw new Error(r.errors.join('; '));
    const [fraud, disputes] = r.value.entities[0]?.metrics ?? [];
    expect([...(fraud?.types ?? [])].sort()).toEqual(['CHARGEBACK', 'CONFIRMED_FRAUD', 'REVIEW_DECLINED']);
    expect([...(disputes?.types ?? [])]).toEqual(['CHARGEBACK']);
    expect(r.value.schema.indexOf('card.disputes_30d')).toBeDefined();
  });

  it('name the path of a bad type, an empty list, or types on another op', () => {
    const r = plan({
      a: { op: 'outcomes', types: ['CHARGEBACK', 'STOLEN'] },
      b: { op: 'outcomes', types: [] },
      c: { op: 'count', types: ['REFUND'] },
    });
    expect('errors' in r ? r.errors : []).toEqual([
      'entities.card.metrics.a.types[1]: unknown outcome type "STOLEN"; one of CHARGEBACK, CONFIRMED_FRAUD, FALSE_POSITIVE, REVIEW_APPROVED, REVIEW_DECLINED, REFUND',
      'entities.card.metrics.b.types: must be a non-empty list of CHARGEBACK, CONFIRMED_FRAUD, FALSE_POSITIVE, REVIEW_APPROVED, REVIEW_DECLINED, REFUND',
      'entities.card.metrics.c.types: only an outcomes metric takes types',
    ]);
  });
});
