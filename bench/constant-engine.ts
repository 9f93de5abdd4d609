import type { DecisionEngine } from '../src/core/decision-engine.js';
import type { DecisionResult } from '../src/core/types.js';

/**
 * An engine that answers every event with the same ALLOW (echoing its event id) without deciding:
 * no counters, lists, model, rules or replay record. It keeps the wrapped engine's bundle, so
 * /readyz and the versions in the answer are the real ones. bench/edge-server.ts serves it.
 */
export function constantEngine(inner: DecisionEngine): DecisionEngine {
  const base = {
    decisionId: '00000000-0000-4000-8000-000000000000',
    decision: 'ALLOW',
    score: 0,
    reasons: [],
    degraded: [],
    timings: [],
    replayed: false,
    json: undefined,
  } as const;
  return {
    get bundle() {
      return inner.bundle;
    },
    swapBundle: (next) => inner.swapBundle(next),
    decide: async (event): Promise<DecisionResult> => ({
      ...base,
      eventId: event.eventId,
      bundleVersion: inner.bundle.version,
      modelVersion: inner.bundle.model?.version ?? '',
    }),
  };
}
