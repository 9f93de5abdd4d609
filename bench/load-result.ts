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
  /** How `errors` was established, and anything odd seen on the way. */
  readonly notes: readonly string[];
}
