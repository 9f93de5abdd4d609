import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { Badge, num, pct, Section, TimeRange } from '../ui.js';

type Mix = Record<'ALLOW' | 'CHALLENGE' | 'REVIEW' | 'BLOCK', number>;
interface LabelScore {
  flagged: number;
  truePositives: number;
  precision: number | null;
  recall: number | null;
}
interface Report {
  events: number;
  from?: string;
  to?: string;
  liveVersion: string;
  candidateVersion: string;
  seconds: number;
  eventsPerSecond: number;
  mix: { recorded: Mix; live: Mix; candidate: Mix };
  rules: { id: string; live: number; candidate: number; liveShadow: number; candidateShadow: number }[];
  recordedDiffers: number;
  changed: number;
  changedSample: {
    eventId: string;
    decisionId: string;
    live: string;
    candidate: string;
    candidateReasons: string[];
  }[];
  labels: { labelled: number; fraud: number; live: LabelScore; candidate: LabelScore };
}

const ACTIONS = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'] as const;
const EXAMPLE = `@id console_candidate
@reason console_candidate: payment of {amount_usd} USD on a card charged {card.count_1h} times in the hour
@score 0.1
review if type == 'PAYMENT' and card.count_1h >= 2 and amount_usd > 50`;

const share = (n: number, of: number) => (of === 0 ? '' : ` (${((n / of) * 100).toFixed(1)} %)`);

function Results({ r }: { r: Report }) {
  const rules = r.rules.filter((x) => x.live + x.candidate + x.liveShadow + x.candidateShadow > 0);
  return (
    <div data-testid="backtest-results">
      <p>
        <strong data-testid="backtest-events">{num(r.events)}</strong> logged decisions replayed in{' '}
        {r.seconds.toFixed(2)} s ({num(Math.round(r.eventsPerSecond))}/s) · live{' '}
        <span class="mono">{r.liveVersion}</span> · candidate <span class="mono">{r.candidateVersion}</span>
        {r.recordedDiffers > 0 &&
          ` · ${num(r.recordedDiffers)} decided differently by the live bundle than recorded`}
      </p>
      <Section title="Decision mix" testid="backtest-mix">
        <table>
          <thead>
            <tr>
              <th>decision</th>
              <th>recorded</th>
              <th>live</th>
              <th>candidate</th>
              <th>change</th>
            </tr>
          </thead>
          <tbody>
            {ACTIONS.map((a) => (
              <tr key={a} data-testid={`mix-${a}`}>
                <td>
                  <Badge decision={a} />
                </td>
                <td>{num(r.mix.recorded[a])}</td>
                <td>
                  {num(r.mix.live[a])}
                  {share(r.mix.live[a], r.events)}
                </td>
                <td>
                  {num(r.mix.candidate[a])}
                  {share(r.mix.candidate[a], r.events)}
                </td>
                <td>
                  {r.mix.candidate[a] - r.mix.live[a] >= 0
                    ? `+${r.mix.candidate[a] - r.mix.live[a]}`
                    : r.mix.candidate[a] - r.mix.live[a]}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Against outcomes (flagged = REVIEW or BLOCK)" testid="backtest-labels">
        <p>
          {num(r.labels.labelled)} labelled decisions, {num(r.labels.fraud)} fraud.
        </p>
        <table>
          <thead>
            <tr>
              <th />
              <th>flagged</th>
              <th>true positives</th>
              <th>precision</th>
              <th>recall</th>
            </tr>
          </thead>
          <tbody>
            {(['live', 'candidate'] as const).map((side) => (
              <tr key={side} data-testid={`labels-${side}`}>
                <td>{side}</td>
                <td>{num(r.labels[side].flagged)}</td>
                <td>{num(r.labels[side].truePositives)}</td>
                <td>{pct(r.labels[side].precision)}</td>
                <td>{pct(r.labels[side].recall)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Hits per rule" testid="backtest-rules">
        <table>
          <thead>
            <tr>
              <th>rule</th>
              <th>live</th>
              <th>candidate</th>
              <th>live shadow</th>
              <th>candidate shadow</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((x) => (
              <tr key={x.id} data-testid="backtest-rule" class={x.live !== x.candidate ? 'changed' : ''}>
                <td class="mono">{x.id}</td>
                <td>{num(x.live)}</td>
                <td>{num(x.candidate)}</td>
                <td>{num(x.liveShadow)}</td>
                <td>{num(x.candidateShadow)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title={`Changed decisions: ${num(r.changed)}`} testid="backtest-changed">
        <table>
          <thead>
            <tr>
              <th>event</th>
              <th>live</th>
              <th>candidate</th>
              <th>candidate reasons</th>
            </tr>
          </thead>
          <tbody>
            {r.changedSample.map((c) => (
              <tr key={c.decisionId} data-testid="backtest-change">
                <td class="mono">
                  <a href={`#search/${encodeURIComponent(c.decisionId)}`}>{c.eventId}</a>
                </td>
                <td>
                  <Badge decision={c.live} />
                </td>
                <td>
                  <Badge decision={c.candidate} />
                </td>
                <td>{c.candidateReasons.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}

/** Runs a candidate rule against the serving bundle over the decision log and shows the report. */
export function BacktestPanel() {
  const [text, setText] = useState(EXAMPLE);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report | undefined>();
  const [problem, setProblem] = useState('');
  const run = async () => {
    const id = /^@id\s+(\S+)/m.exec(text)?.[1];
    if (id === undefined) {
      setProblem('the candidate needs an @id line');
      return;
    }
    setBusy(true);
    setProblem('');
    try {
      const iso = (v: string) => new Date(v).toISOString();
      setReport(
        await api<Report>('/backtest', {
          method: 'POST',
          body: {
            rule: { id, text },
            sample: 25,
            ...(from !== '' ? { from: iso(from) } : {}),
            ...(to !== '' ? { to: iso(to) } : {}),
          },
        }),
      );
    } catch (err) {
      setProblem(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <p class="hint">
        The candidate is the serving bundle with this rule put in (replacing a rule of the same @id, or
        added). Both decide every logged decision again from its recorded features; nothing is served.
      </p>
      <textarea
        data-testid="backtest-rule"
        rows={7}
        spellcheck={false}
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
      />
      <div class="row">
        <TimeRange from={from} to={to} setFrom={setFrom} setTo={setTo} />
        <button type="button" data-testid="backtest-run" disabled={busy} onClick={run}>
          {busy ? 'Running…' : 'Run backtest'}
        </button>
      </div>
      {problem !== '' && (
        <p class="error" data-testid="backtest-error">
          {problem}
        </p>
      )}
      {report !== undefined && <Results r={report} />}
    </div>
  );
}
