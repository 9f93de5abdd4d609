import { parseArgs } from 'node:util';
import type { RuntimeKind } from './runtime.js';

export type Section = 'rest' | 'grpc' | 'inprocess' | 'memory' | 'snapshot' | 'callgrind' | 'redis';

/** Command-line options of `npm run bench`. */
export interface BenchOptions {
  /** Seconds of each measured load run. */
  readonly durationSec: number;
  /** Alternating empty/real measured slices per transport (each --duration long), pooled. */
  readonly rounds: number;
  /** Seconds of the discarded warm-up run of each server, before the measured rounds. */
  readonly warmupSec: number;
  /** Concurrent requests: wrk connections, and h2load clients × streams for gRPC. */
  readonly connections: number;
  /** h2load clients (HTTP/2 connections); streams per client = connections / clients. */
  readonly grpcClients: number;
  readonly sections: readonly Section[];
  /** Timed decide() calls in process (after as many warm-up calls, half that number). */
  readonly iterations: number;
  /** Valgrind runs of the callgrind count, in parallel (2 shows how well they agree). */
  readonly callgrindRuns: number;
  /** Distinct counter entities the memory section fills its store with. */
  readonly memoryEntities: number;
  /** Events committed over the same entities after the fill, to show RSS stays flat (0 skips). */
  readonly memoryRepeat: number;
  /** Journal records after the snapshot that the snapshot section's restart replays. */
  readonly snapshotTail: number;
  readonly json: boolean;
  /** Directory for --cpu-prof profiles of the real server; profiling is off when undefined. */
  readonly cpuProfDir: string | undefined;
  readonly serverCpu: number;
  readonly loadCpu: number;
  readonly runtime: RuntimeKind;
}

export const USAGE = `usage: npm run bench -- [options]
  --duration <s>       seconds per measured run (default 10)
  --warmup <s>         seconds of the discarded warm-up run of each server, before the rounds (default 3)
  --rounds <n>         alternating empty/real measured runs per transport, pooled (default 3)
  --connections <n>    concurrent requests per run (default 64)
  --grpc-clients <n>   h2load connections for gRPC; streams each = connections / clients (default 4)
  --only <list>        rest, grpc, inprocess, memory, snapshot, callgrind, redis, comma-separated (default all but redis;
                       redis: REST with REDIS_URL vs in memory, needs a Redis at BENCH_REDIS_URL or 127.0.0.1:6379)
  --no-callgrind       skip the callgrind count (same as --only without callgrind)
  --no-memory          skip the memory section (same as --only without memory)
  --iterations <n>     timed in-process decide() calls (default 20000)
  --callgrind-runs <n> valgrind runs of the callgrind count, in parallel (default 1)
  --memory-entities <n> distinct counter entities of the memory section (default 1000000; gated only at that)
  --memory-repeat <n>  events committed over the same entities after the fill, RSS before and after (default 1000000, 0 skips)
  --snapshot-tail <n>  snapshot section: journal records after the snapshot, replayed at the restart (default 100000)
  --cpu-prof <dir>     run the real server with node --cpu-prof, write profiles to <dir>, print top frames
  --runtime tsx|tsc    run servers via tsx (default) or compiled by tsc to a temp dir (line numbers in profiles)
  --server-cpu <n>     CPU for servers and the in-process run (default 0)
  --load-cpu <n>       CPU for wrk and h2load (default 1)
  --json               print one JSON object on stdout (progress goes to stderr)`;

const SECTIONS: readonly Section[] = [
  'rest',
  'grpc',
  'inprocess',
  'memory',
  'snapshot',
  'callgrind',
  'redis',
];
/** What runs without --only: everything that needs no server besides the service. */
const DEFAULT_SECTIONS: readonly Section[] = SECTIONS.filter((s) => s !== 'redis');

function parseOptionValues(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '64' },
      'grpc-clients': { type: 'string', default: '4' },
      only: { type: 'string' },
      iterations: { type: 'string', default: '20000' },
      'no-callgrind': { type: 'boolean', default: false },
      'callgrind-runs': { type: 'string', default: '1' },
      'no-memory': { type: 'boolean', default: false },
      'memory-entities': { type: 'string', default: '1000000' },
      'memory-repeat': { type: 'string', default: '1000000' },
      'snapshot-tail': { type: 'string', default: '100000' },
      'cpu-prof': { type: 'string' },
      'server-cpu': { type: 'string', default: '0' },
      'load-cpu': { type: 'string', default: '1' },
      runtime: { type: 'string', default: 'tsx' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

/** Parses argv; throws with the usage text on a bad option. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let values: ReturnType<typeof parseOptionValues>;
  try {
    values = parseOptionValues(argv);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) throw new Error(USAGE);
  const int = (name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max)
      throw new Error(
        `--${name} must be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}, got "${raw}"\n${USAGE}`,
      );
    return v;
  };
  const only = values.only === undefined ? DEFAULT_SECTIONS : values.only.split(',').map((s) => s.trim());
  for (const s of only) {
    if (!SECTIONS.includes(s as Section))
      throw new Error(`--only: unknown section "${s}" (${SECTIONS.join(', ')})\n${USAGE}`);
  }
  const sections = only.filter(
    (s) => !(values['no-callgrind'] && s === 'callgrind') && !(values['no-memory'] && s === 'memory'),
  );
  if (values.runtime !== 'tsx' && values.runtime !== 'tsc')
    throw new Error(`--runtime must be tsx or tsc\n${USAGE}`);
  const connections = int('connections', values.connections, 1);
  const grpcClients = Math.min(int('grpc-clients', values['grpc-clients'], 1), connections);
  return {
    durationSec: int('duration', values.duration, 1),
    warmupSec: int('warmup', values.warmup, 0),
    rounds: int('rounds', values.rounds, 1),
    connections,
    grpcClients,
    sections: sections as Section[],
    iterations: int('iterations', values.iterations, 100),
    callgrindRuns: int('callgrind-runs', values['callgrind-runs'], 1),
    // The count is also the store's ceiling, so it keeps RISK_MAX_ENTITIES' own bounds (src/server/config.ts).
    memoryEntities: int('memory-entities', values['memory-entities'], 1000, 50_000_000),
    memoryRepeat: int('memory-repeat', values['memory-repeat'], 0),
    snapshotTail: int('snapshot-tail', values['snapshot-tail'], 0),
    json: values.json,
    cpuProfDir: values['cpu-prof'],
    serverCpu: int('server-cpu', values['server-cpu'], 0),
    loadCpu: int('load-cpu', values['load-cpu'], 0),
    runtime: values.runtime,
  };
}
