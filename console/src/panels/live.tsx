import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, errorText, openStream } from '../api.js';
import { Badge, go, num, Section, time } from '../ui.js';

interface Second {
  t: number;
  count: number;
  mix: Record<'ALLOW' | 'CHALLENGE' | 'REVIEW' | 'BLOCK', number>;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}
interface Summary {
  now: number;
  seconds: Second[];
  topRules: { id: string; hits: number }[];
  decisions: number;
  since: number;
  stream: { subscribers: number; sent: number; sampledOut: number; skipped: number; dropped: number };
}
interface LiveDecision {
  decisionId: string;
  eventId: string;
  at: number;
  type: string;
  decision: string;
  score: number;
  modelScore?: number;
  reasons: string[];
  micros: number;
  stages: Record<string, number>;
}

const WINDOW = 300;
const ROWS = 100;
const ACTIONS = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'] as const;
const COLORS = { ALLOW: '#2e7d32', CHALLENGE: '#f9a825', REVIEW: '#ef6c00', BLOCK: '#c62828' };

/** A uPlot chart of `series` over time, redrawn when `data` changes. */
function Chart({
  title,
  series,
  data,
  testid,
}: {
  title: string;
  series: { label: string; stroke: string }[];
  data: uPlot.AlignedData;
  testid: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    if (el.current === null) return;
    plot.current = new uPlot(
      {
        title,
        width: Math.max(320, Math.min(620, el.current.clientWidth || 560)),
        height: 220,
        series: [{}, ...series.map((s) => ({ ...s, width: 1.5, points: { show: false } }))],
        axes: [{}, { size: 60 }],
        legend: { live: false },
      },
      data,
      el.current,
    );
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => plot.current?.setData(data), [data]);
  return <div class="chart" ref={el} data-testid={testid} />;
}

/** Live decisions (the stream), the decision mix and latency per second, and the top rules. */
export function LivePanel() {
  const [seconds, setSeconds] = useState<Second[]>([]);
  const [rows, setRows] = useState<LiveDecision[]>([]);
  const [summary, setSummary] = useState<Summary | undefined>();
  const [state, setState] = useState('connecting');
  const [error, setError] = useState('');
  const [received, setReceived] = useState(0);
  const paused = useRef(false);
  const [isPaused, setPaused] = useState(false);

  useEffect(() => {
    let stop = false;
    api<Summary>(`/live/summary?seconds=${WINDOW}`).then(
      (s) => {
        if (stop) return;
        setSummary(s);
        setSeconds(s.seconds);
      },
      (err) => setError(errorText(err)),
    );
    const close = openStream(
      (type, data) => {
        if (type === 'decision') {
          const d = JSON.parse(data) as LiveDecision;
          setReceived((n) => n + 1);
          if (!paused.current) setRows((r) => [d, ...r].slice(0, ROWS));
        } else if (type === 'second') {
          const s = JSON.parse(data) as Second;
          setSeconds((all) => {
            if (all.length > 0 && (all[all.length - 1] as Second).t >= s.t)
              return all.map((x) => (x.t === s.t ? s : x));
            return [...all, s].slice(-WINDOW);
          });
        }
      },
      (st, detail) => {
        setState(st);
        setError(detail ?? '');
      },
    );
    // Top rules and totals every 5 s.
    const t = setInterval(() => {
      api<Summary>('/live/summary?seconds=1').then(setSummary, () => undefined);
    }, 5000);
    return () => {
      stop = true;
      close();
      clearInterval(t);
    };
  }, []);

  const xs = seconds.map((s) => s.t / 1000);
  const mixData: uPlot.AlignedData = [xs, ...ACTIONS.map((a) => seconds.map((s) => s.mix[a]))];
  const latData: uPlot.AlignedData = [
    xs,
    seconds.map((s) => (s.count > 0 ? s.p50 : null)),
    seconds.map((s) => (s.count > 0 ? s.p99 : null)),
    seconds.map((s) => (s.count > 0 ? s.max : null)),
  ];

  return (
    <div class="live">
      <p class="status">
        Stream: <strong data-testid="stream-state">{state}</strong> · received{' '}
        <strong data-testid="stream-received">{received}</strong>
        {summary !== undefined && (
          <>
            {' '}
            · {num(summary.decisions)} decisions since {time(summary.since)} · sampled out{' '}
            {num(summary.stream.sampledOut)}
          </>
        )}{' '}
        <button
          type="button"
          onClick={() => {
            paused.current = !paused.current;
            setPaused(paused.current);
          }}
        >
          {isPaused ? 'Resume' : 'Pause'}
        </button>
      </p>
      {error !== '' && <p class="error">{error}</p>}
      <div class="charts">
        <Chart
          title="Decisions per second"
          testid="chart-mix"
          series={ACTIONS.map((a) => ({ label: a, stroke: COLORS[a] }))}
          data={mixData}
        />
        <Chart
          title="Latency per second (µs)"
          testid="chart-latency"
          series={[
            { label: 'p50', stroke: '#1565c0' },
            { label: 'p99', stroke: '#6a1b9a' },
            { label: 'max', stroke: '#9e9e9e' },
          ]}
          data={latData}
        />
      </div>
      <div class="split">
        <Section title="Latest decisions" testid="live-decisions">
          <table>
            <thead>
              <tr>
                <th>time</th>
                <th>event</th>
                <th>type</th>
                <th>decision</th>
                <th>score</th>
                <th>reasons</th>
                <th>µs</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr
                  key={d.decisionId}
                  data-testid="live-row"
                  class="clickable"
                  onClick={() => go('search', d.decisionId)}
                >
                  <td>{time(d.at).slice(11)}</td>
                  <td class="mono">{d.eventId}</td>
                  <td>{d.type}</td>
                  <td>
                    <Badge decision={d.decision} />
                  </td>
                  <td>{d.score.toFixed(3)}</td>
                  <td>{d.reasons.join(', ')}</td>
                  <td
                    title={Object.entries(d.stages)
                      .map(([k, v]) => `${k} ${v}`)
                      .join(', ')}
                  >
                    {num(d.micros)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
        <Section title="Top rules by hits" testid="top-rules">
          <table>
            <thead>
              <tr>
                <th>rule</th>
                <th>hits</th>
              </tr>
            </thead>
            <tbody>
              {(summary?.topRules ?? []).map((r) => (
                <tr key={r.id} data-testid="top-rule">
                  <td>
                    <a href={`#rules/${encodeURIComponent(r.id)}`}>{r.id}</a>
                  </td>
                  <td>{num(r.hits)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      </div>
    </div>
  );
}
