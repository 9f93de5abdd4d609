import type { DecisionResult, FieldViolation, Tokenizer } from '../domain/index.js';
import { eventFromProto, RiskError } from '../domain/index.js';
import type { DecisionEngine } from '../engine/index.js';
import type { DecideRequest } from '../gen/risk/v1/risk_pb.js';
import { endDecisionSpan, startDecisionSpan, type TraceCarrier } from './decision-span.js';
import type { Metrics } from './metrics.js';

/** What both transports call with a decoded request: validation, load shedding, the core, metrics. */
export interface DecisionGate {
  /**
   * `includeFeatures` and `explain` default to the request's own include_features and explain (REST
   * also has query flags).
   */
  decide(
    req: DecideRequest,
    deadlineMs: number | undefined,
    includeFeatures?: boolean,
    explain?: boolean,
    trace?: { transport: 'rest' | 'grpc'; carrier: TraceCarrier | undefined },
  ): Promise<DecisionResult>;
  inFlight(): number;
}

/** The four option sets, made once: [includeFeatures][explain]. */
const OPTIONS = [
  [{ batchModel: true }, { batchModel: true, explain: true }],
  [
    { batchModel: true, includeFeatures: true },
    { batchModel: true, includeFeatures: true, explain: true },
  ],
] as const;

/**
 * Creates the gate; past `maxInFlight` concurrent decisions new ones are shed with RISK_ERR_OVERLOADED.
 * `onInvalid` hears of each request the intake refuses (data quality counts them per field).
 */
export function createDecisionGate(
  engine: DecisionEngine,
  tokenizer: Tokenizer,
  metrics: Metrics,
  maxInFlight: number,
  onInvalid?: (req: DecideRequest, violations: readonly FieldViolation[]) => void,
): DecisionGate {
  let inFlight = 0;
  return {
    inFlight: () => inFlight,
    async decide(req, deadlineMs, includeFeatures = req.includeFeatures, explain = req.explain, traceOf) {
      // Declared attributes are typed by the bundle being served.
      const ev = eventFromProto(req, tokenizer, engine.bundle.features);
      if ('errors' in ev) {
        onInvalid?.(req, ev.errors);
        throw RiskError.invalid(ev.errors);
      }
      if (inFlight >= maxInFlight) throw new RiskError('RISK_ERR_OVERLOADED');
      inFlight++;
      const t0 = performance.now();
      const span = startDecisionSpan(traceOf?.transport ?? 'rest', traceOf?.carrier);
      const startedMs = Date.now();
      let r: DecisionResult | undefined;
      try {
        // Many requests are in flight here: one model run per event-loop turn serves them all.
        r = await engine.decide(ev.value, deadlineMs, OPTIONS[includeFeatures ? 1 : 0][explain ? 1 : 0]);
        metrics.decision(r, (performance.now() - t0) / 1000);
        endDecisionSpan(span, startedMs, r);
        return r;
      } catch (err) {
        endDecisionSpan(span, startedMs, undefined, err);
        throw err;
      } finally {
        inFlight--;
      }
    },
  };
}
