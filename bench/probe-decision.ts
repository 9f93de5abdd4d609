/** What one real decision says about the service under test. */
export interface DecisionProbe {
  readonly bundleVersion: string;
  /** Empty when the bundle has no model. */
  readonly modelVersion: string;
  readonly degraded: readonly string[];
  readonly decision: string;
}

/** POSTs one request to /v1/decisions and fails loudly unless it is decided (200). */
export async function probeDecision(httpPort: number, body: unknown): Promise<DecisionProbe> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`probe decision answered ${res.status}: ${text}`);
  const r = JSON.parse(text) as Partial<DecisionProbe>;
  return {
    bundleVersion: r.bundleVersion ?? '',
    modelVersion: r.modelVersion ?? '',
    degraded: r.degraded ?? [],
    decision: r.decision ?? '',
  };
}
