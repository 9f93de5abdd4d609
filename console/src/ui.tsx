import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, errorText } from './api.js';

/** Navigates to a panel, with an argument (a decision id for search, a rule id for rules). */
export function go(tab: string, arg = ''): void {
  location.hash = arg === '' ? tab : `${tab}/${encodeURIComponent(arg)}`;
}

/** Loads data when `deps` change; `reload` loads it again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const run = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => setState({ error, loading: false }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** An error line; a 404 from an endpoint this service lacks says so plainly. */
export function Failure({ error, what }: { error: unknown; what?: string }) {
  if (error === undefined) return null;
  // No such route on this service (RISK_ERR_NOT_FOUND), as opposed to a resource it does not have.
  const missing =
    error instanceof ApiError && error.status === 404 && error.code !== 'RISK_ERR_UNKNOWN_RESOURCE';
  return (
    <p class="error" data-testid="error">
      {missing ? `${what ?? 'This panel'} is not available on this service (404).` : errorText(error)}
    </p>
  );
}

/** The from and to of a time range (datetime-local inputs), as the backtest and report panels take it. */
export function TimeRange({
  from,
  to,
  setFrom,
  setTo,
}: {
  from: string;
  to: string;
  setFrom: (v: string) => void;
  setTo: (v: string) => void;
}) {
  return (
    <>
      <label>
        from{' '}
        <input
          type="datetime-local"
          value={from}
          onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        to{' '}
        <input
          type="datetime-local"
          value={to}
          onInput={(e) => setTo((e.target as HTMLInputElement).value)}
        />
      </label>
    </>
  );
}

/** A titled section. */
export function Section({
  title,
  children,
  testid,
}: {
  title: string;
  children: ComponentChildren;
  testid?: string;
}) {
  return (
    <section data-testid={testid}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** A decision as a coloured badge. */
export function Badge({ decision }: { decision: string }) {
  return <span class={`badge ${decision.toLowerCase()}`}>{decision}</span>;
}

export const pct = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)} %`;
export const num = (x: number | null | undefined, digits = 4) =>
  x === null || x === undefined || Number.isNaN(x)
    ? '—'
    : Number.isInteger(x)
      ? x.toLocaleString('en')
      : x.toFixed(digits);
export const time = (ms: number | string) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
