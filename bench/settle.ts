/**
 * Waits for requests a load generator abandoned at the end of its duration (up to one per
 * connection or stream) to finish on the server, so counters read afterwards are stable.
 */
export function settle(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
