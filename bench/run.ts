/**
 * `npm run bench`: decisions per second, p50 and p99 of the real service against an empty-endpoint
 * baseline on REST (wrk) and gRPC (h2load), in-process decide() latency, the counter store's memory
 * with a million entities, the time to write and restore a snapshot of them, and instructions per
 * decide() under callgrind, with a verdict on each
 * gate of bench/gates.ts. Servers are pinned to one CPU and the load generator to the other. See
 * `npm run bench -- --help`.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchContext } from './bench-context.js';
import { type BenchOptions, parseBenchOptions } from './bench-options.js';
import type { BenchReport } from './bench-report.js';
import { benchCallgrind } from './callgrind-bench.js';
import { installChildCleanup, killAllChildren, onExit } from './child-registry.js';
import { formatReport } from './format-report.js';
import { guardsPass, judgeGates } from './gate-verdict.js';
import { benchGrpc } from './grpc-bench.js';
import { benchInprocess } from './inprocess-bench.js';
import { benchMemory } from './memory-bench.js';
import type { DecisionProbe } from './probe-decision.js';
import { progress } from './progress.js';
import { benchRedis } from './redis-bench.js';
import { requireTools } from './require-tools.js';
import { benchRest } from './rest-bench.js';
import { prepareRuntime } from './runtime.js';
import { benchSnapshot } from './snapshot-bench.js';

async function runBench(o: BenchOptions): Promise<BenchReport> {
  requireTools([
    'taskset',
    ...(o.sections.includes('rest') || o.sections.includes('redis') ? ['wrk'] : []),
    ...(o.sections.includes('redis') ? ['redis-cli'] : []),
    ...(o.sections.includes('grpc') ? ['h2load'] : []),
  ]);
  const workDir = await mkdtemp(join(tmpdir(), 'risk-bench-'));
  onExit(() => rmSync(workDir, { recursive: true, force: true }));
  if (o.cpuProfDir !== undefined) await mkdir(o.cpuProfDir, { recursive: true });
  const startedAt = new Date().toISOString();
  try {
    const ctx: BenchContext = { options: o, runtime: await prepareRuntime(o.runtime, workDir), workDir };
    const rest = o.sections.includes('rest') ? await benchRest(ctx) : undefined;
    const grpc = o.sections.includes('grpc') ? await benchGrpc(ctx) : undefined;
    const bundle: DecisionProbe | undefined = rest?.probe ?? grpc?.probe;
    const inprocess = o.sections.includes('inprocess') ? await benchInprocess(ctx) : undefined;
    const memory = o.sections.includes('memory') ? await benchMemory(ctx) : undefined;
    const snapshot = o.sections.includes('snapshot') ? await benchSnapshot(ctx) : undefined;
    // The target names 1h, 24h and 7d windows on every entity: the last row.
    const gatedMemory = memory?.variants.at(-1);
    const callgrind = o.sections.includes('callgrind') ? await benchCallgrind(ctx) : undefined;
    const redis = o.sections.includes('redis') ? await benchRedis(ctx) : undefined;
    const gates = judgeGates({
      ...(rest !== undefined ? { rest: { ratio: rest.result.ratio, errors: rest.result.real.errors } } : {}),
      ...(grpc !== undefined ? { grpc: { ratio: grpc.result.ratio, errors: grpc.result.real.errors } } : {}),
      ...(inprocess !== undefined ? { inprocess: { p99Us: inprocess.decide.p99Us } } : {}),
      ...(inprocess?.counters !== undefined ? { counters: { p99Us: inprocess.counters.p99Us } } : {}),
      ...(redis !== undefined
        ? { redis: { ratio: redis.ratio, errors: redis.memory.errors + redis.redis.errors } }
        : {}),
      ...(gatedMemory !== undefined
        ? {
            memory: {
              peakRssMiB: gatedMemory.peakRss / 2 ** 20,
              entities: gatedMemory.entities,
              target: gatedMemory.target,
              evictions: gatedMemory.evictions,
            },
          }
        : {}),
    });
    return {
      startedAt,
      node: process.version,
      runtime: ctx.runtime.description,
      pinning: { serverCpu: o.serverCpu, loadCpu: o.loadCpu, tool: 'taskset' },
      durationSec: o.durationSec,
      warmupSec: o.warmupSec,
      connections: o.connections,
      ...(bundle !== undefined ? { bundle } : {}),
      ...(rest !== undefined ? { rest: rest.result } : {}),
      ...(grpc !== undefined ? { grpc: grpc.result } : {}),
      ...(inprocess !== undefined ? { inprocess } : {}),
      ...(memory !== undefined ? { memory } : {}),
      ...(snapshot !== undefined ? { snapshot } : {}),
      ...(callgrind !== undefined ? { callgrind } : {}),
      ...(redis !== undefined ? { redis } : {}),
      gates,
      pass: guardsPass(gates),
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Runs the bench; resolves with the exit code: 0 when every gate passed, 1 when one failed. */
async function main(): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseBenchOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  if (o.cpuProfDir !== undefined) o = { ...o, cpuProfDir: resolve(o.cpuProfDir) };
  installChildCleanup();
  const report = await runBench(o);
  if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(formatReport(report));
  // The gates are regression guards: a failed one fails the command, so a script can stop on it.
  return report.pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    progress(`failed: ${err instanceof Error ? err.message : String(err)}`);
    killAllChildren();
    process.exit(1);
  },
);
