import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchContext } from './bench-context.js';
import { createEventPool } from './event-pool.js';
import { interleave } from './interleave.js';
import type { LoadResult } from './load-result.js';
import { withCpu } from './process-cpu.js';
import { progress } from './progress.js';
import { countDelta, formatCounts, scrapeCounter } from './request-counts.js';
import { type ServerProcess, withServer } from './server-process.js';
import { realServerSpec } from './server-specs.js';
import { settle } from './settle.js';
import { runWrk } from './wrk.js';
import { renderWrkScript } from './wrk-script.js';

const run = promisify(execFile);

/** The Redis backend against the memory backend on REST, measured in alternating slices. */
export interface RedisBenchResult {
  readonly redisUrl: string;
  readonly memory: LoadResult;
  readonly redis: LoadResult;
  /** Redis decisions/s over memory decisions/s. */
  readonly ratio: number;
  /** Decisions the Redis server answered without its counters (risk_degraded_total{stage="features"}). */
  readonly degradedFeatures: number;
  /** Redis failures by kind over the measured slices (risk_redis_failures). */
  readonly failures: string;
  readonly notes: readonly string[];
}

/**
 * `--only redis`: two real services (src/main.ts) side by side, one with the in-memory store, one
 * with REDIS_URL (BENCH_REDIS_URL, default the machine's redis://127.0.0.1:6379, keys under a
 * prefix of this run, deleted afterwards); wrk loads each in turn as the REST section does. Redis is
 * not pinned: it shares the machine with the server and wrk, as a sidecar would.
 */
export async function benchRedis(ctx: BenchContext): Promise<RedisBenchResult> {
  const { options: o, workDir } = ctx;
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const u = new URL(redisUrl);
  const cli = ['-h', u.hostname, '-p', u.port || '6379'];
  await run('redis-cli', [...cli, 'PING']).catch(() => {
    throw new Error(`no Redis at ${redisUrl} (set BENCH_REDIS_URL or start redis-server)`);
  });
  const prefix = `risk-bench:${Date.now().toString(36)}:`;
  const script = join(workDir, 'decide-redis.lua');
  await writeFile(script, renderWrkScript(createEventPool()));
  const runTag = `rr${Date.now().toString(36)}`;
  const wrk = async (s: ServerProcess, label: string, seconds: number) => {
    const [w, cpu] = await withCpu(s.pid, () =>
      runWrk({
        url: `http://127.0.0.1:${s.httpPort}/v1/decisions`,
        script,
        connections: o.connections,
        cpu: o.loadCpu,
        durationSec: seconds,
        tag: `${runTag}-${label}`,
      }),
    );
    return { w, cpu };
  };
  const measure = async (s: ServerProcess, label: string): Promise<LoadResult> => {
    progress(`${label}: wrk -t1 -c${o.connections} -d${o.durationSec}s`);
    const { w, cpu } = await wrk(s, label, o.durationSec);
    await settle();
    const ok = w.requests - w.non2xx;
    const cpuSeconds = cpu === undefined ? undefined : cpu.user + cpu.system;
    return {
      rps: ok / w.seconds,
      p50Us: w.p50Us,
      p99Us: w.p99Us,
      ok,
      errors: w.non2xx + w.socketErrors,
      seconds: w.seconds,
      ...(cpuSeconds !== undefined && ok > 0 ? { cpuSeconds, cpuUsPerRequest: (cpuSeconds / ok) * 1e6 } : {}),
      notes: [`wrk: ${w.requests} responses, ${w.non2xx} non-2xx, ${w.socketErrors} socket errors`],
    };
  };

  try {
    return await withServer(realServerSpec(ctx, 'memory-rest'), (m) =>
      withServer(
        realServerSpec(ctx, 'redis-rest', { REDIS_URL: redisUrl, RISK_REDIS_PREFIX: prefix }),
        async (r) => {
          for (const [s, label] of [
            [m, 'memory-rest'],
            [r, 'redis-rest'],
          ] as const) {
            if (o.warmupSec === 0) continue;
            progress(`${label}: warm-up ${o.warmupSec} s (discarded)`);
            await wrk(s, `${label}-warm`, o.warmupSec);
            await settle();
          }
          const degradedBefore = await scrapeCounter(r.httpPort, 'risk_degraded_total', 'stage');
          const failuresBefore = await scrapeCounter(r.httpPort, 'risk_redis_failures', 'kind');
          const measured = await interleave(
            o.rounds,
            (i) => measure(m, `memory-rest-${i}`),
            (i) => measure(r, `redis-rest-${i}`),
          );
          const degraded = countDelta(
            degradedBefore,
            await scrapeCounter(r.httpPort, 'risk_degraded_total', 'stage'),
          );
          const failures = countDelta(
            failuresBefore,
            await scrapeCounter(r.httpPort, 'risk_redis_failures', 'kind'),
          );
          return {
            redisUrl,
            memory: measured.empty,
            redis: measured.real,
            ratio: measured.real.rps / measured.empty.rps,
            degradedFeatures: degraded.get('features') ?? 0,
            failures: formatCounts(failures),
            notes: [
              `rounds: ${measured.rounds.map((x) => `${x.realRps.toFixed(0)}/${x.emptyRps.toFixed(0)} = ${x.ratio.toFixed(2)}`).join('; ')}`,
              `redis-server unpinned; RISK_REDIS_TIMEOUT_MS ${process.env.RISK_REDIS_TIMEOUT_MS ?? 'default (10)'}; keys under ${prefix} (deleted after the run)`,
            ],
          };
        },
      ),
    );
  } finally {
    const { stdout } = await run('redis-cli', [...cli, '--scan', '--pattern', `${prefix}*`], {
      maxBuffer: 1 << 28,
    });
    const keys = stdout.split('\n').filter((k) => k !== '');
    for (let i = 0; i < keys.length; i += 1000)
      await run('redis-cli', [...cli, 'DEL', ...keys.slice(i, i + 1000)]);
    progress(`redis: deleted ${keys.length} keys under ${prefix}`);
  }
}

/** The report lines of the Redis section. */
export function formatRedis(r: RedisBenchResult, verdict: string | undefined): string[] {
  const row = (name: string, x: LoadResult) =>
    `  ${name.padEnd(10)}${x.rps.toFixed(0).padStart(10)}${(x.p50Us / 1000).toFixed(2).padStart(10)} ms${(x.p99Us / 1000).toFixed(2).padStart(10)} ms${String(x.errors).padStart(8)}${x.cpuUsPerRequest !== undefined ? `${x.cpuUsPerRequest.toFixed(0).padStart(10)} µs` : ''}`;
  return [
    `REST with counters and replay in Redis (${r.redisUrl}) vs in memory (wrk)`,
    `  ${'backend'.padEnd(10)}${'dec/s'.padStart(10)}${'p50'.padStart(13)}${'p99'.padStart(13)}${'errors'.padStart(8)}${'cpu/req'.padStart(13)}`,
    row('memory', r.memory),
    row('redis', r.redis),
    `  redis/memory decisions/s: ${r.ratio.toFixed(2)}`,
    ...(verdict !== undefined ? [`  ${verdict}`] : []),
    `  - degraded (features) answers of the Redis server: ${r.degradedFeatures}; Redis failures: ${r.failures}`,
    ...r.notes.map((n) => `  - ${n}`),
    '',
  ];
}
