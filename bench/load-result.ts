import type { CpuTimes } from './process-cpu.js';

/** One measured load run against one server. */
export interface LoadResult {
  /** Successful responses per second (errors excluded). */
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Requests that completed successfully. */
  readonly ok: number;
  /** Failed requests: non-2xx, socket errors, timeouts, or (gRPC) a grpc-status other than OK. */
  readonly errors: number;
  readonly seconds: number;
  /**
   * CPU seconds (user + system, all threads) the server used during the measured run, from
   * /proc/<pid>/stat; undefined where /proc is not available.
   */
  readonly cpuSeconds?: number;
  /** Of cpuSeconds, the time in the kernel (system): sockets, wake-ups, page faults. */
  readonly systemSeconds?: number;
  /** cpuSeconds per successful request, in µs: what one request costs the server, load aside. */
  readonly cpuUsPerRequest?: number;
  /** systemSeconds per successful request, in µs. */
  readonly systemUsPerRequest?: number;
  /** How `errors` was established, and anything odd seen on the way. */
  readonly notes: readonly string[];
}

/**
 * The CPU fields of a LoadResult: the server's CPU seconds over the run (in all, and in the kernel)
 * and, when requests succeeded, those times per request in µs; empty when the CPU time is unknown.
 */
export function cpuFields(
  cpu: CpuTimes | undefined,
  ok: number,
): Pick<LoadResult, 'cpuSeconds' | 'systemSeconds' | 'cpuUsPerRequest' | 'systemUsPerRequest'> {
  if (cpu === undefined) return {};
  const cpuSeconds = cpu.user + cpu.system;
  const systemSeconds = cpu.system;
  if (ok === 0) return { cpuSeconds, systemSeconds };
  return {
    cpuSeconds,
    systemSeconds,
    cpuUsPerRequest: (cpuSeconds / ok) * 1e6,
    systemUsPerRequest: (systemSeconds / ok) * 1e6,
  };
}
