import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { Failure, num, Section, time, useLoad } from '../ui.js';

interface CaseSummary {
  caseId: string;
  decisionId: string;
  eventId: string;
  createdAt: string;
  status: 'open' | 'claimed' | 'resolved';
  score: number;
  modelScore?: number;
  topReasons: string[];
  claimedBy?: string;
  leaseExpiresAt?: string;
  verdict?: string;
}
interface Case extends CaseSummary {
  reasons: { code: string; message: string; source: string; action?: string }[];
  features: Record<string, number | null>;
  event: Record<string, unknown>;
  claimedAt?: string;
  note?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  outcomeId?: string;
}

const ANALYST = 'risk-console-analyst';

function CaseView({
  caseId,
  analyst,
  onChanged,
}: {
  caseId: string;
  analyst: string;
  onChanged: () => void;
}) {
  const c = useLoad(() => api<Case>(`/review/cases/${encodeURIComponent(caseId)}`), [caseId]);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState('');
  const [current, setCurrent] = useState<Case | undefined>();
  const shown = current ?? c.data;
  const act = async (what: 'claim' | 'release' | 'resolve', verdict?: 'APPROVE' | 'DECLINE') => {
    setProblem('');
    try {
      const next = await api<Case>(`/review/cases/${encodeURIComponent(caseId)}/${what}`, {
        method: 'POST',
        body: { analyst, ...(verdict !== undefined ? { verdict, ...(note !== '' ? { note } : {}) } : {}) },
      });
      setCurrent(next);
      onChanged();
    } catch (err) {
      setProblem(errorText(err));
    }
  };
  if (c.error !== undefined) return <Failure error={c.error} what="The review queue" />;
  if (shown === undefined) return <p>Loading…</p>;
  const mine = shown.status === 'claimed' && shown.claimedBy === analyst;
  return (
    <div data-testid="case-detail">
      <h2>
        Case <span class="mono">{shown.caseId}</span>{' '}
        <span class={`status ${shown.status}`} data-testid="case-status">
          {shown.status}
        </span>
      </h2>
      <dl class="facts">
        <dt>event</dt>
        <dd class="mono">
          <a href={`#search/${encodeURIComponent(shown.decisionId)}`}>{shown.eventId}</a>
        </dd>
        <dt>score</dt>
        <dd>
          {num(shown.score)} (model {num(shown.modelScore)})
        </dd>
        <dt>created</dt>
        <dd>{time(shown.createdAt)}</dd>
        {shown.claimedBy !== undefined && (
          <>
            <dt>claimed by</dt>
            <dd data-testid="case-claimed-by">
              {shown.claimedBy}
              {shown.leaseExpiresAt !== undefined && ` until ${time(shown.leaseExpiresAt)}`}
            </dd>
          </>
        )}
        {shown.verdict !== undefined && (
          <>
            <dt>verdict</dt>
            <dd data-testid="case-verdict">
              {shown.verdict} by {shown.resolvedBy ?? '?'}
              {shown.resolvedAt !== undefined && ` at ${time(shown.resolvedAt)}`}
              {shown.note !== undefined && ` — ${shown.note}`}
            </dd>
          </>
        )}
        {shown.outcomeId !== undefined && (
          <>
            <dt>outcome</dt>
            <dd class="mono" data-testid="case-outcome">
              {shown.outcomeId}
            </dd>
          </>
        )}
      </dl>
      {shown.status !== 'resolved' && (
        <div class="row">
          {!mine && (
            <button type="button" data-testid="case-claim" onClick={() => act('claim')}>
              Claim as {analyst}
            </button>
          )}
          {mine && (
            <>
              <input
                placeholder="note"
                value={note}
                onInput={(e) => setNote((e.target as HTMLInputElement).value)}
              />
              <button type="button" data-testid="case-approve" onClick={() => act('resolve', 'APPROVE')}>
                Approve
              </button>
              <button
                type="button"
                class="danger"
                data-testid="case-decline"
                onClick={() => act('resolve', 'DECLINE')}
              >
                Decline
              </button>
              <button type="button" onClick={() => act('release')}>
                Release
              </button>
            </>
          )}
        </div>
      )}
      {problem !== '' && (
        <p class="error" data-testid="case-error">
          {problem}
        </p>
      )}
      <Section title="Reasons">
        <ul>
          {(shown.reasons ?? []).map((r) => (
            <li key={r.code}>
              <span class="mono">{r.code}</span> ({r.source}
              {r.action !== undefined ? `, ${r.action}` : ''}): {r.message}
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Features">
        <table class="compact scroll">
          <tbody>
            {Object.entries(shown.features ?? {}).map(([k, v]) => (
              <tr key={k}>
                <td class="mono">{k}</td>
                <td>{num(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Event (tokenised)">
        <pre class="json">{JSON.stringify(shown.event, null, 2)}</pre>
      </Section>
    </div>
  );
}

/** The review queue: cases by status, open one, claim it, approve or decline. */
export function ReviewPanel() {
  const [status, setStatus] = useState('open');
  const [open, setOpen] = useState('');
  const [analyst, setAnalyst] = useState(localStorage.getItem(ANALYST) ?? 'analyst');
  const cases = useLoad(
    () => api<{ cases: CaseSummary[] }>(`/review/cases?status=${status}&limit=200`),
    [status],
  );
  return (
    <div class="split">
      <aside class="wide">
        <div class="row">
          <label>
            status{' '}
            <select
              value={status}
              onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}
              data-testid="case-filter"
            >
              {['open', 'claimed', 'resolved', 'all'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            analyst{' '}
            <input
              data-testid="analyst"
              value={analyst}
              size={10}
              onInput={(e) => {
                const v = (e.target as HTMLInputElement).value;
                setAnalyst(v);
                localStorage.setItem(ANALYST, v);
              }}
            />
          </label>
          <button type="button" onClick={cases.reload}>
            Refresh
          </button>
        </div>
        <Failure error={cases.error} what="The review queue" />
        <table data-testid="case-list">
          <thead>
            <tr>
              <th>event</th>
              <th>score</th>
              <th>reasons</th>
              <th>status</th>
            </tr>
          </thead>
          <tbody>
            {(cases.data?.cases ?? []).map((c) => (
              <tr
                key={c.caseId}
                data-testid="case-row"
                data-case-id={c.caseId}
                class={`clickable ${c.caseId === open ? 'active' : ''}`}
                onClick={() => setOpen(c.caseId)}
              >
                <td class="mono">{c.eventId}</td>
                <td>{c.score.toFixed(3)}</td>
                <td>{c.topReasons.join(', ')}</td>
                <td>
                  {c.status}
                  {c.verdict !== undefined && (
                    <>
                      {' '}
                      <span class={`verdict ${c.verdict.toLowerCase()}`}>{c.verdict}</span>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </aside>
      <div class="grow">
        {open !== '' && <CaseView key={open} caseId={open} analyst={analyst} onChanged={cases.reload} />}
      </div>
    </div>
  );
}
