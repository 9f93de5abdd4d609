import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromJson, toBinary } from '@bufbuild/protobuf';
import { DecideRequestSchema } from '../src/gen/risk/v1/risk_pb.js';
import type { BenchContext } from './bench-context.js';
import { createEventPool, withEventId } from './event-pool.js';
import { grpcFrame } from './grpc-frame.js';
import { runH2load } from './h2load.js';
import { interleave } from './interleave.js';
import { cpuFields, type LoadResult } from './load-result.js';
import { type DecisionProbe, probeDecision } from './probe-decision.js';
import { withCpu } from './process-cpu.js';
import { progress } from './progress.js';
import {
  type CodeCounts,
  countDelta,
  fetchEmptyGrpcCounts,
  formatCounts,
  scrapeDecisionCounts,
  scrapeRequestCounts,
} from './request-counts.js';
import { type ServerProcess, withServer } from './server-process.js';
import { edgeServerSpec, emptyServerSpec, realServerSpec } from './server-specs.js';
import { settle } from './settle.js';
import { transportComparison } from './transport-comparison.js';
import type { TransportResult } from './transport-result.js';

const HEADERS = ['content-type: application/grpc', 'te: trailers'];

/**
 * gRPC: h2load posting one gRPC-framed DecideRequest (h2load cannot vary the body, so the real
 * server runs with RISK_IDEMPOTENCY_MAX=0 and decides every request afresh). h2load counts an HTTP
 * 200 as success whatever grpc-status says, so statuses are checked on the server: the OK count
 * (risk_requests_total on the real one, /bench/counts on the baseline) must match h2load's.
 */
export async function benchGrpc(
  ctx: BenchContext,
): Promise<{ result: TransportResult; probe: DecisionProbe }> {
  const { options: o, workDir } = ctx;
  const template = createEventPool().find((t) => t.event.type === 'PAYMENT');
  if (template === undefined) throw new Error('no PAYMENT template in the event pool');
  const occurredAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const request = fromJson(DecideRequestSchema, withEventId(template, 'grpc-bench-0001', occurredAt));
  const dataFile = join(workDir, 'decide-request.grpc');
  await writeFile(dataFile, grpcFrame(toBinary(DecideRequestSchema, request)));
  const clients = o.grpcClients;
  const streams = Math.max(1, Math.ceil(o.connections / clients));

  const run = async (server: ServerProcess, label: string, durationSec: number) =>
    runH2load({
      url: `http://127.0.0.1:${server.grpcPort}/risk.v1.DecisionService/Decide`,
      dataFile,
      headers: HEADERS,
      clients,
      streams,
      durationSec,
      cpu: o.loadCpu,
      logFile: join(workDir, `${label}.h2load.log`),
    });

  const warmUp = async (server: ServerProcess, label: string): Promise<void> => {
    if (o.warmupSec === 0) return;
    progress(`${label}: warm-up ${o.warmupSec} s (discarded)`);
    await run(server, `${label}-warm`, o.warmupSec);
    await settle();
  };
  const measure = async (
    server: ServerProcess,
    label: string,
    counts: () => Promise<CodeCounts>,
    decisions?: () => Promise<CodeCounts>,
  ): Promise<LoadResult> => {
    const before = await counts();
    const decidedBefore = await decisions?.();
    progress(`${label}: h2load -t1 -c${clients} -m${streams} -D ${o.durationSec}`);
    const [h, cpu] = await withCpu(server.pid, () => run(server, label, o.durationSec));
    await settle();
    const delta = countDelta(before, await counts());
    const decided =
      decidedBefore === undefined ? undefined : countDelta(decidedBefore, (await decisions?.()) ?? new Map());
    const fresh = decided === undefined ? undefined : [...decided.values()].reduce((a, n) => a + n, 0);
    const okDelta = delta.get('OK') ?? 0;
    const statusErrors = [...delta].filter(([code]) => code !== 'OK').reduce((s, [, n]) => s + n, 0);
    const transportErrors = h.failed + h.errored + h.timeout + h.non2xx;
    // An HTTP 200 that the server did not count as OK carried an error grpc-status. Requests h2load
    // abandoned at its deadline can hide as many, so the server's own non-OK count is a floor.
    const mismatch = h.succeeded - okDelta;
    const ok = Math.min(h.succeeded, okDelta);
    return {
      rps: ok / h.seconds,
      p50Us: h.p50Us,
      p99Us: h.p99Us,
      ok,
      errors: transportErrors + Math.max(0, mismatch, statusErrors),
      seconds: h.seconds,
      ...cpuFields(cpu, ok),
      notes: [
        `h2load: ${h.done} done, ${h.succeeded} succeeded (HTTP 2xx), ${h.failed} failed, ${h.errored} errored, ${h.timeout} timeout, ${h.non2xx} non-2xx; ${h.logged} latencies logged`,
        `server counted ${formatCounts(delta)} (non-OK grpc statuses: ${statusErrors}); h2load succeeded − server OK = ${mismatch}` +
          (mismatch < 0
            ? ' (server finished requests h2load had stopped waiting for at the deadline; not errors)'
            : ''),
        ...(decided !== undefined
          ? [
              `fresh decisions (risk_decisions_total): ${formatCounts(decided)}; replays: ${okDelta - (fresh ?? 0)}`,
            ]
          : []),
      ],
    };
  };

  const measureService = (s: ServerProcess, label: string) =>
    measure(
      s,
      label,
      () => scrapeRequestCounts(s.httpPort, 'grpc'),
      () => scrapeDecisionCounts(s.httpPort),
    );

  // All three servers stay up; the measured slices rotate between them (see interleave.ts).
  let probe: DecisionProbe | undefined;
  const measured = await withServer(emptyServerSpec(ctx, 'empty-grpc'), (e) =>
    withServer(edgeServerSpec(ctx, 'edge-grpc'), (g) =>
      withServer(realServerSpec(ctx, 'real-grpc', { RISK_IDEMPOTENCY_MAX: '0' }), async (s) => {
        probe = await probeDecision(s.httpPort, withEventId(template, `grpc-probe-${Date.now()}`));
        await warmUp(e, 'empty-grpc');
        await warmUp(g, 'edge-grpc');
        await warmUp(s, 'real-grpc');
        return interleave(
          o.rounds,
          (i) => measure(e, `empty-grpc-${i}`, () => fetchEmptyGrpcCounts(e.httpPort)),
          (i) => measureService(s, `real-grpc-${i}`),
          (i) => measureService(g, `edge-grpc-${i}`),
        );
      }),
    ),
  );
  if (probe === undefined) throw new Error('gRPC probe did not run');

  const result: TransportResult = {
    transport: 'grpc',
    ...(await transportComparison(ctx, 'grpc', measured)),
    notes: [
      `h2load -t1 -c${clients} -m${streams}: one fixed DecideRequest (h2load cannot vary the body); real server started with RISK_IDEMPOTENCY_MAX=0 so every request is decided fresh, not replayed (same card/user every time: velocity rules fire on all of them)`,
      'grpc-status verified on the server side: risk_requests_total{transport="grpc"} (real) and /bench/counts (baseline)',
    ],
  };
  return { result, probe };
}
