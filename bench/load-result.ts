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
  /** cpuSeconds per successful request, in µs: what one request costs the server, load aside. */
  readonly cpuUsPerRequest?: number;
  /** How `errors` was established, and anything odd seen on the way. */
  readonly notes: readonly string[];
}

/**
 * The CPU fields of a LoadResult: the server's CPU seconds over the run and, when requests
 * succeeded, that time per request in µs; empty when the CPU time is unknown.
 */
export function cpuFields(
  cpuSeconds: number | undefined,
  ok: number,
): Pick<LoadResult, 'cpuSeconds' | 'cpuUsPerRequest'> {
  if (cpuSeconds === undefined) return {};
  return ok === 0 ? { cpuSeconds } : { cpuSeconds, cpuUsPerRequest: (cpuSeconds / ok) * 1e6 };
}
