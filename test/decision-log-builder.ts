import { fromJson } from '@bufbuild/protobuf';
import { expect, vi } from 'vitest';
import {
  createManualClock,
  type DecisionResult,
  eventFromProto,
  type OutcomeType,
  type RiskEvent,
} from '../src/domain/index.js';
import { DecideRequestSchema } from '../src/gen/risk/v1/risk_pb.js';
import { createSimulator } from '../src/sim/index.js';
import { testService } from './helpers.js';

/** One decision the builder made, with what the simulator knew of it. */
export interface BuiltDecision {
  readonly event: RiskEvent;
  readonly result: DecisionResult;
  /** The simulator's label: 1 for fraud. */
  readonly label: 0 | 1;
  /** The outcomes reported for it, in order. */
  readonly outcomes: readonly OutcomeType[];
}

/** How to build a decision log from simulator traffic. */
export interface DecisionLogBuild {
  readonly dataDir: string;
  /** The bundle the service serves (default: the embedded one). */
  readonly bundleDir?: string;
  readonly events: number;
  readonly seed: number;
  readonly users: number;
  readonly fraudRate: number;
  /** RISK_DECISION_LOG_SEGMENT_MB; default the service's. */
  readonly segmentMb?: number;
  /** Outcomes to report for the i-th decision (none by default). */
  readonly outcomes?: (i: number, label: 0 | 1, result: DecisionResult) => readonly OutcomeType[];
  /**
   * The wall time (epoch ms) the i-th decision is logged at (its record's `at`): Date is faked while
   * building, so a test can select decisions by time. Default: the real clock.
   */
  readonly wallTime?: (i: number) => number;
}

/**
 * A decision log made the way production makes one: simulator traffic decided by the service
 * (manual clock on the simulator's times) with the decision log on, outcomes posted through
 * POST /v1/outcomes. Closes the service, so the log is flushed, and returns what was decided.
 */
export async function buildDecisionLog(b: DecisionLogBuild): Promise<BuiltDecision[]> {
  const clock = createManualClock(0);
  if (b.wallTime !== undefined) vi.useFakeTimers({ toFake: ['Date'] });
  const service = await testService(
    {
      dataDir: b.dataDir,
      decisionLog: 'file',
      maxEventSkewMs: 20 * 365 * 86_400_000,
      ...(b.segmentMb !== undefined ? { decisionLogSegmentMb: b.segmentMb } : {}),
      ...(b.bundleDir !== undefined ? { bundleDir: b.bundleDir } : {}),
    },
    clock.now,
  );
  const out: BuiltDecision[] = [];
  try {
    let i = 0;
    for (const rec of createSimulator({ seed: b.seed, users: b.users, fraudRate: b.fraudRate }).events()) {
      if (i >= b.events) break;
      clock.set(rec.at);
      if (b.wallTime !== undefined) vi.setSystemTime(b.wallTime(i));
      const ev = eventFromProto(
        fromJson(DecideRequestSchema, rec.request),
        service.tokenizer,
        service.engine.bundle.features,
      );
      if ('errors' in ev) throw new Error(JSON.stringify(ev.errors));
      const result = await service.engine.decide(ev.value);
      const label = rec.label === 1 ? 1 : 0;
      const outcomes = b.outcomes?.(i, label, result) ?? [];
      for (const type of outcomes) {
        const res = await service.http.inject({
          method: 'POST',
          url: '/v1/outcomes',
          payload: { decisionId: result.decisionId, type },
        });
        expect(res.statusCode).toBe(201);
      }
      out.push({ event: ev.value, result, label, outcomes });
      i++;
    }
  } finally {
    await service.close();
    if (b.wallTime !== undefined) vi.useRealTimers();
  }
  return out;
}
