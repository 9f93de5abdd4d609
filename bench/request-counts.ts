import type { EmptyCounts } from './empty-server.js';

/** Finished requests of one transport by outcome code ("OK" or an error code). */
export type CodeCounts = ReadonlyMap<string, number>;

/**
 * Sums a Prometheus counter from the service's GET /metrics by one label, keeping only series whose
 * labels match `where`.
 */
export async function scrapeCounter(
  httpPort: number,
  metric: string,
  by: string,
  where: Readonly<Record<string, string>> = {},
): Promise<CodeCounts> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const m = /^\w+\{([^}]*)\}\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels = new Map(
      [...(m[1] as string).matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1] as string, l[2] as string]),
    );
    if (Object.entries(where).some(([k, v]) => labels.get(k) !== v)) continue;
    const key = labels.get(by) ?? '';
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}

/** `risk_requests_total{transport=...}` by code ("OK" or a catalogued error code). */
export function scrapeRequestCounts(httpPort: number, transport: 'rest' | 'grpc'): Promise<CodeCounts> {
  return scrapeCounter(httpPort, 'risk_requests_total', 'code', { transport });
}

/** `risk_decisions_total` by decision: fresh decisions only (replays are not counted there). */
export function scrapeDecisionCounts(httpPort: number): Promise<CodeCounts> {
  return scrapeCounter(httpPort, 'risk_decisions_total', 'decision');
}

/** "A=1, B=2" for notes. */
export function formatCounts(counts: CodeCounts): string {
  return [...counts].map(([k, n]) => `${k}=${n}`).join(', ') || 'none';
}

/** after − before per code; codes that did not move are left out. */
export function countDelta(before: CodeCounts, after: CodeCounts): Map<string, number> {
  const out = new Map<string, number>();
  for (const [code, v] of after) {
    const d = v - (before.get(code) ?? 0);
    if (d !== 0) out.set(code, d);
  }
  return out;
}

/** gRPC answers the empty baseline counted (bench/empty-server.ts, GET /bench/counts): OK and ERROR. */
export async function fetchEmptyGrpcCounts(httpPort: number): Promise<CodeCounts> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/bench/counts`);
  if (res.status !== 200) throw new Error(`GET /bench/counts answered ${res.status}`);
  const c = (await res.json()) as EmptyCounts;
  return new Map([
    ['OK', c.grpcOk],
    ['ERROR', c.grpcError],
  ]);
}
