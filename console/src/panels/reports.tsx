import { useState } from 'preact/hooks';
import { api, apiText, errorText } from '../api.js';
import { TimeRange } from '../ui.js';

const local = (ms: number) => {
  const d = new Date(ms - new Date().getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

/** Saves text as a file the browser downloads. */
function download(text: string, filename: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The risk and shadow reports over a time range: rendered here, downloaded as Markdown or JSON. */
export function ReportsPanel() {
  const [kind, setKind] = useState<'risk' | 'shadow'>('risk');
  const [from, setFrom] = useState(local(Date.now() - 86_400_000));
  const [to, setTo] = useState(local(Date.now() + 60_000));
  const [md, setMd] = useState<{ text: string; filename: string } | undefined>();
  const [json, setJson] = useState<unknown>();
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const query = (format: string) =>
    `/reports/${kind}?from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(
      new Date(to).toISOString(),
    )}&format=${format}`;
  const render = async () => {
    setBusy(true);
    setProblem('');
    try {
      const m = await apiText(query('md'));
      setMd({ text: m.text, filename: m.filename ?? `${kind}-report.md` });
      setJson(await api<unknown>(query('json')));
    } catch (err) {
      setProblem(errorText(err));
      setMd(undefined);
      setJson(undefined);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <div class="row">
        <label>
          report{' '}
          <select
            value={kind}
            onChange={(e) => setKind((e.target as HTMLSelectElement).value as 'risk' | 'shadow')}
            data-testid="report-kind"
          >
            <option value="risk">risk</option>
            <option value="shadow">shadow</option>
          </select>
        </label>
        <TimeRange from={from} to={to} setFrom={setFrom} setTo={setTo} />
        <button type="button" data-testid="report-render" disabled={busy} onClick={render}>
          Render
        </button>
        {md !== undefined && (
          <button
            type="button"
            data-testid="report-download-md"
            onClick={() => download(md.text, md.filename, 'text/markdown')}
          >
            Download .md
          </button>
        )}
        {json !== undefined && (
          <button
            type="button"
            data-testid="report-download-json"
            onClick={() =>
              download(
                `${JSON.stringify(json, null, 2)}\n`,
                (md?.filename ?? `${kind}-report.md`).replace(/\.md$/, '.json'),
                'application/json',
              )
            }
          >
            Download .json
          </button>
        )}
      </div>
      {problem !== '' && (
        <p class="error" data-testid="report-error">
          {problem.startsWith('RISK_ERR_NOT_FOUND')
            ? 'Reports are not available on this service (404).'
            : problem}
        </p>
      )}
      {md !== undefined && (
        <pre class="report" data-testid="report-text">
          {md.text}
        </pre>
      )}
    </div>
  );
}
