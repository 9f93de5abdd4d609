import { api } from '../api.js';
import { Failure, num, pct, Section, time, useLoad } from '../ui.js';

interface Quality {
  windowMs: number;
  baselineMs: number;
  sources: {
    source: string;
    events: number;
    fields: {
      field: string;
      present: number;
      valid: number;
      baselinePresent: number;
      baselineValid: number;
      alerting: boolean;
    }[];
  }[];
}
interface Alerts {
  webhooks: { id: string; url: string; triggers: unknown[] }[];
  stats: { sent: number; retried: number; failed: number; deadLettered: number; dropped: number };
  recent: {
    id: string;
    webhook: string;
    type: string;
    state?: string;
    at: string;
    summary: string;
    delivery: unknown;
  }[];
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
const delta = (now: number, base: number) => {
  const d = (now - base) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)} pt`;
};

/** Data quality per source and field against its baseline, and the alerts fired. */
export function QualityPanel() {
  const q = useLoad(() => api<Quality>('/quality'), []);
  const a = useLoad(() => api<Alerts>('/alerts'), []);
  const dead = useLoad(() => api<{ deadLetters: Record<string, unknown>[] }>('/alerts/dead-letters'), []);
  return (
    <div>
      <Section title="Data quality" testid="quality">
        <Failure error={q.error} what="Data quality" />
        {q.data !== undefined && (
          <>
            <p>
              Window {minutes(q.data.windowMs)} against a baseline of {minutes(q.data.baselineMs)}.{' '}
              <button type="button" onClick={q.reload}>
                Refresh
              </button>
            </p>
            {q.data.sources.map((s) => (
              <div key={s.source}>
                <h3>
                  {s.source} <small>{num(s.events)} events</small>
                </h3>
                <table data-testid="quality-table">
                  <thead>
                    <tr>
                      <th>field</th>
                      <th>present</th>
                      <th>baseline</th>
                      <th>valid</th>
                      <th>baseline</th>
                      <th>alerting</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.fields.map((f) => (
                      <tr key={f.field} class={f.alerting ? 'alerting' : ''} data-testid="quality-row">
                        <td class="mono">{f.field}</td>
                        <td>{pct(f.present)}</td>
                        <td>
                          {pct(f.baselinePresent)} <small>{delta(f.present, f.baselinePresent)}</small>
                        </td>
                        <td>{pct(f.valid)}</td>
                        <td>
                          {pct(f.baselineValid)} <small>{delta(f.valid, f.baselineValid)}</small>
                        </td>
                        <td>{f.alerting ? 'ALERT' : ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
          </>
        )}
      </Section>
      <Section title="Alerts" testid="alerts">
        <Failure error={a.error} what="Alerts" />
        {a.data !== undefined && (
          <>
            <p data-testid="alert-stats">
              sent {num(a.data.stats.sent)} · retried {num(a.data.stats.retried)} · failed{' '}
              {num(a.data.stats.failed)} · dead-lettered {num(a.data.stats.deadLettered)} · dropped{' '}
              {num(a.data.stats.dropped)}
            </p>
            <h3>Webhooks</h3>
            <table>
              <tbody>
                {a.data.webhooks.map((w) => (
                  <tr key={w.id}>
                    <td class="mono">{w.id}</td>
                    <td class="mono">{w.url}</td>
                    <td>
                      {w.triggers
                        .map((t) =>
                          typeof t === 'object' && t !== null && 'type' in t
                            ? String(t.type)
                            : JSON.stringify(t),
                        )
                        .join(', ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Recent alerts</h3>
            <table data-testid="alert-recent">
              <thead>
                <tr>
                  <th>at</th>
                  <th>type</th>
                  <th>state</th>
                  <th>webhook</th>
                  <th>summary</th>
                  <th>delivery</th>
                </tr>
              </thead>
              <tbody>
                {a.data.recent.map((r) => (
                  <tr key={r.id} data-testid="alert-row">
                    <td>{time(r.at)}</td>
                    <td class="mono">{r.type}</td>
                    <td>{r.state ?? ''}</td>
                    <td class="mono">{r.webhook}</td>
                    <td>{r.summary}</td>
                    <td>{typeof r.delivery === 'string' ? r.delivery : JSON.stringify(r.delivery)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        {dead.data !== undefined && dead.data.deadLetters.length > 0 && (
          <>
            <h3>Dead letters</h3>
            <pre class="json">{JSON.stringify(dead.data.deadLetters, null, 2)}</pre>
          </>
        )}
      </Section>
    </div>
  );
}
