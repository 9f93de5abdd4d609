/**
 * A decision log for the log benches (backtest, reports): simulator events decided by the service's
 * engine with the decision log on, a manual clock on the simulator's times, some outcomes reported
 * through POST /v1/outcomes. The service is closed at the end, so the log is flushed.
 */
import { fromJson } from '@bufbuild/protobuf';
import { createManualClock, eventFromProto, type OutcomeType } from '../src/domain/index.js';
import { DecideRequestSchema } from '../src/gen/risk/v1/risk_pb.js';
import { buildService, loadConfig } from '../src/server/index.js';
import { createSimulator } from '../src/sim/index.js';

/** What to decide into DATA_DIR's decision log. */
export interface BenchLog {
  readonly dataDir: string;
  readonly events: number;
  readonly seed: number;
  readonly users: number;
  readonly fraudRate: number;
  /** RISK_DECISION_LOG_SEGMENT_MB; default the service's. */
  readonly segmentMb?: number;
  /** RISK_BUNDLE_DIR of the service; default the embedded bundle. */
  readonly bundleDir?: string;
  /** Outcome to report for the i-th decision, by the simulator's label; none by default. */
  readonly outcome?: (i: number, label: number) => OutcomeType | undefined;
}

/** Decides `events` simulator events into the log; returns how many were decided. */
export async function buildBenchLog(b: BenchLog): Promise<number> {
  const clock = createManualClock(0);
  const config = loadConfig(
    { LOG_LEVEL: 'silent' },
    {
      dataDir: b.dataDir,
      journalMode: 'off',
      decisionLog: 'file',
      maxEventSkewMs: 20 * 365 * 86_400_000,
      httpPort: 0,
      grpcPort: 0,
      ...(b.bundleDir !== undefined ? { bundleDir: b.bundleDir } : {}),
    },
  );
  const service = await buildService(config, { clock: clock.now, logger: false });
  let n = 0;
  try {
    for (const rec of createSimulator({ seed: b.seed, users: b.users, fraudRate: b.fraudRate }).events()) {
      if (n >= b.events) break;
      clock.set(rec.at);
      const ev = eventFromProto(
        fromJson(DecideRequestSchema, rec.request),
        service.tokenizer,
        service.engine.bundle.features,
      );
      if ('errors' in ev) continue;
      const d = await service.engine.decide(ev.value);
      const type = b.outcome?.(n, rec.label);
      if (type !== undefined)
        await service.http.inject({
          method: 'POST',
          url: '/v1/outcomes',
          remoteAddress: '127.0.0.1',
          payload: { decisionId: d.decisionId, type },
        });
      n++;
    }
  } finally {
    await service.close();
  }
  return n;
}
