import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from './bench-context.js';
import { createEventPool, DEFAULT_POOL_USERS, withEventId } from './event-pool.js';
import { interleave } from './interleave.js';
import { cpuFields, type LoadResult } from './load-result.js';
import { type DecisionProbe, probeDecision } from './probe-decision.js';
import { withCpu } from './process-cpu.js';
import { progress } from './progress.js';
import { countDelta, formatCounts, scrapeDecisionCounts, scrapeRequestCounts } from './request-counts.js';
import { type ServerProcess, withServer } from './server-process.js';
import { edgeServerSpec, emptyServerSpec, realServerSpec } from './server-specs.js';
import { settle } from './settle.js';
import { transportComparison } from './transport-comparison.js';
import type { TransportResult } from './transport-result.js';
import { runWrk } from './wrk.js';
import { renderWrkScript } from './wrk-script.js';

/** REST: wrk with unique event ids against the empty baseline, then against the real service. */
export async function benchRest(
  ctx: BenchContext,
): Promise<{ result: TransportResult; probe: DecisionProbe }> {
  const { options: o, workDir } = ctx;
  const templates = createEventPool();
  const script = join(workDir, 'decide.lua');
  await writeFile(script, renderWrkScript(templates));
  const runTag = `r${Date.now().toString(36)}`;

  const base = (server: ServerProcess) => ({
    url: `http://127.0.0.1:${server.httpPort}/v1/decisions`,
    script,
    connections: o.connections,
    cpu: o.loadCpu,
  });
  const warmUp = async (server: ServerProcess, label: string): Promise<void> => {
    if (o.warmupSec === 0) return;
    progress(`${label}: warm-up ${o.warmupSec} s (discarded)`);
    await runWrk({ ...base(server), durationSec: o.warmupSec, tag: `${runTag}-${label}-warm` });
    await settle();
  };
  const measure = async (server: ServerProcess, label: string): Promise<LoadResult> => {
    progress(`${label}: wrk -t1 -c${o.connections} -d${o.durationSec}s`);
    const [w, cpu] = await withCpu(server.pid, () =>
      runWrk({ ...base(server), durationSec: o.durationSec, tag: `${runTag}-${label}` }),
    );
    const ok = w.requests - w.non2xx;
    return {
      rps: ok / w.seconds,
      p50Us: w.p50Us,
      p99Us: w.p99Us,
      ok,
      errors: w.non2xx + w.socketErrors,
      seconds: w.seconds,
      ...cpuFields(cpu, ok),
      notes: [`wrk: ${w.requests} responses, ${w.non2xx} non-2xx, ${w.socketErrors} socket errors`],
    };
  };

  /** A slice against the service (real or edge), with its own count of requests and decisions. */
  const measureService = async (s: ServerProcess, label: string): Promise<LoadResult> => {
    const before = await scrapeRequestCounts(s.httpPort, 'rest');
    const decidedBefore = await scrapeDecisionCounts(s.httpPort);
    const r = await measure(s, label);
    await settle();
    const delta = countDelta(before, await scrapeRequestCounts(s.httpPort, 'rest'));
    const decided = countDelta(decidedBefore, await scrapeDecisionCounts(s.httpPort));
    const fresh = [...decided.values()].reduce((a, n) => a + n, 0);
    const replays = (delta.get('OK') ?? 0) - fresh;
    return {
      ...r,
      notes: [
        ...r.notes,
        `server risk_requests_total{transport="rest"}: ${formatCounts(delta)}; fresh decisions (risk_decisions_total): ${formatCounts(decided)}; replays: ${replays}`,
      ],
    };
  };

  // All three servers stay up; the measured slices rotate between them (see interleave.ts).
  let probe: DecisionProbe | undefined;
  const measured = await withServer(emptyServerSpec(ctx, 'empty-rest'), (e) =>
    withServer(edgeServerSpec(ctx, 'edge-rest'), (g) =>
      withServer(realServerSpec(ctx, 'real-rest'), async (s) => {
        probe = await probeDecision(
          s.httpPort,
          withEventId(templates[0] ?? { event: {} }, `${runTag}-probe`),
        );
        progress(
          `real-rest: bundle ${probe.bundleVersion}, model ${probe.modelVersion || 'none'}, degraded [${probe.degraded.join(', ')}]`,
        );
        await warmUp(e, 'empty-rest');
        await warmUp(g, 'edge-rest');
        await warmUp(s, 'real-rest');
        return interleave(
          o.rounds,
          (i) => measure(e, `empty-rest-${i}`),
          (i) => measureService(s, `real-rest-${i}`),
          (i) => measureService(g, `edge-rest-${i}`),
        );
      }),
    ),
  );
  if (probe === undefined) throw new Error('REST probe did not run');
  return {
    probe,
    result: {
      transport: 'rest',
      ...(await transportComparison(ctx, 'rest', measured)),
      notes: [
        `wrk -t1 -c${o.connections}, Lua script: unique eventId per request, ${templates.length} templates from the traffic simulator (${DEFAULT_POOL_USERS} legitimate users plus fraud scenarios); idempotent replay store on (default RISK_IDEMPOTENCY_MAX) but never hit (replays counted below)`,
      ],
    },
  };
}
