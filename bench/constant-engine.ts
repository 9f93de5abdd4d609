import type { DecisionResult } from '../src/domain/index.js';
import type { DecisionEngine } from '../src/engine/index.js';

/** A fixed window time: the stand-in decides nothing, so it has no time of its own to report. */
const WINDOW_TIME = '2026-01-01T00:00:00.000Z';

/**
 * An engine that answers every event with the same ALLOW (echoing its event id) without deciding:
 * no counters, lists, model, rules or replay record. It keeps the wrapped engine's bundle, so
 * /readyz and the versions in the answer are the real ones. bench/edge-server.ts serves it.
 */
export function constantEngine(inner: DecisionEngine): DecisionEngine {
  const none: readonly never[] = [];
  return {
    get bundle() {
      return inner.bundle;
    },
    swapBundle: (next) => inner.swapBundle(next),
    recordOutcome: (event, decision, type) => inner.recordOutcome(event, decision, type),
    get store() {
      return inner.store;
    },
    // A plain literal in the field order of a real result: the edge should cost what the
    // transports cost, not what building its stand-in costs.
    decide(event) {
      const b = inner.bundle;
      const r: DecisionResult = {
        decisionId: '00000000-0000-4000-8000-000000000000',
        eventId: event.eventId,
        decision: 'ALLOW',
        score: 0,
        reasons: none,
        bundleVersion: b.version,
        modelVersion: b.model?.version ?? '',
        degraded: none,
        timings: none,
        replayed: false,
        timeBasis: 'ARRIVAL_TIME',
        windowTime: WINDOW_TIME,
        json: undefined,
      };
      return Promise.resolve(r);
    },
  };
}
