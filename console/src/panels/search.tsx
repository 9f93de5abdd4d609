import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Badge, Failure, go, num, Section, time, useLoad } from '../ui.js';

interface Reason {
  code: string;
  message: string;
  source: string;
  ruleId?: string;
  action?: string;
  feature?: string;
  contribution?: number;
}
interface Detail {
  source: 'memory' | 'log';
  decision: {
    decisionId: string;
    eventId: string;
    at: string;
    decision: string;
    score: number;
    modelScore?: number;
    reasons: Reason[];
    liveHits: string[];
    shadowHits: string[];
    bundleVersion: string;
    modelVersion: string;
    degraded: string[];
    timings: { stage: string; micros: number }[];
    event: Record<string, unknown>;
  };
  features: Record<string, number>;
  contributions:
    | {
        available: true;
        modelVersion: string;
        expectedValue: number;
        link: string;
        margin: number;
        top: { feature: string; value: number | null; contribution: number }[];
      }
    | { available: false; reason: string };
}

function Result({ id }: { id: string }) {
  const { data, error, loading } = useLoad(() => api<Detail>(`/decisions/${encodeURIComponent(id)}`), [id]);
  const [filter, setFilter] = useState('');
  if (loading) return <p>Looking up {id}…</p>;
  if (error !== undefined) return <Failure error={error} />;
  if (data === undefined) return null;
  const d = data.decision;
  const c = data.contributions;
  const maxAbs = c.available ? Math.max(...c.top.map((x) => Math.abs(x.contribution)), 1e-9) : 1;
  const features = Object.entries(data.features).filter(([k]) => k.includes(filter));
  return (
    <div data-testid="decision-detail" data-query={id}>
      <Section title="Decision">
        <dl class="facts">
          <dt>decision</dt>
          <dd>
            <Badge decision={d.decision} />
          </dd>
          <dt>score</dt>
          <dd data-testid="detail-score">{num(d.score)}</dd>
          <dt>model score</dt>
          <dd>{num(d.modelScore)}</dd>
          <dt>decision id</dt>
          <dd class="mono" data-testid="detail-decision-id">
            {d.decisionId}
          </dd>
          <dt>event id</dt>
          <dd class="mono">{d.eventId}</dd>
          <dt>at</dt>
          <dd>{time(d.at)}</dd>
          <dt>bundle / model</dt>
          <dd class="mono">
            {d.bundleVersion} / {d.modelVersion}
          </dd>
          <dt>degraded</dt>
          <dd>{d.degraded.length > 0 ? d.degraded.join(', ') : 'no'}</dd>
          <dt>rules fired</dt>
          <dd>
            {d.liveHits.join(', ') || 'none'}
            {d.shadowHits.length > 0 && ` (shadow: ${d.shadowHits.join(', ')})`}
          </dd>
          <dt>timings (µs)</dt>
          <dd>{d.timings.map((t) => `${t.stage} ${t.micros}`).join(' · ')}</dd>
          <dt>found in</dt>
          <dd>{data.source === 'memory' ? 'recent decisions' : 'the decision log'}</dd>
        </dl>
      </Section>
      <Section title="Reasons" testid="detail-reasons">
        {d.reasons.length === 0 ? (
          <p>No reasons: nothing fired.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>code</th>
                <th>source</th>
                <th>action</th>
                <th>message</th>
              </tr>
            </thead>
            <tbody>
              {d.reasons.map((r, i) => (
                <tr key={i} data-testid="reason-row">
                  <td class="mono">{r.code}</td>
                  <td>{r.source}</td>
                  <td>{r.action ?? ''}</td>
                  <td>{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Model contributions (TreeSHAP)" testid="detail-contributions">
        {c.available ? (
          <>
            <p>
              Expected value {num(c.expectedValue)} + contributions = margin {num(c.margin)} ({c.link}) ·
              model <span class="mono">{c.modelVersion}</span>
            </p>
            <table>
              <thead>
                <tr>
                  <th>feature</th>
                  <th>value</th>
                  <th>contribution</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {c.top.map((x) => (
                  <tr key={x.feature} data-testid="contribution-row">
                    <td class="mono">{x.feature}</td>
                    <td>{num(x.value)}</td>
                    <td>{x.contribution.toFixed(4)}</td>
                    <td class="bar">
                      <span
                        class={x.contribution >= 0 ? 'up' : 'down'}
                        style={{ width: `${(Math.abs(x.contribution) / maxAbs) * 100}%` }}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : (
          <p data-testid="contributions-unavailable">{c.reason}</p>
        )}
      </Section>
      <Section title={`Features (${Object.keys(data.features).length})`} testid="detail-features">
        <input
          placeholder="filter features"
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />
        <table class="compact scroll">
          <tbody>
            {features.map(([k, v]) => (
              <tr key={k} data-testid="feature-row">
                <td class="mono">{k}</td>
                <td>{num(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Event (tokenised)">
        <pre class="json">{JSON.stringify(d.event, null, 2)}</pre>
      </Section>
    </div>
  );
}

/** Finds a decision by decisionId or eventId: reasons, features and the model's contributions. */
export function SearchPanel({ id }: { id: string }) {
  const [q, setQ] = useState(id);
  return (
    <div>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          go('search', q.trim());
        }}
      >
        <input
          name="q"
          data-testid="search-input"
          placeholder="decision id or event id"
          value={q}
          size={44}
          onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        />
        <button type="submit" data-testid="search-go">
          Find
        </button>
      </form>
      {id !== '' && <Result key={id} id={id} />}
    </div>
  );
}
