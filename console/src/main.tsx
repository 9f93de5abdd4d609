import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, errorText, storedKey, storeKey } from './api.js';
import { BacktestPanel } from './panels/backtest.js';
import { ListsPanel } from './panels/lists.js';
import { LivePanel } from './panels/live.js';
import { QualityPanel } from './panels/quality.js';
import { ReportsPanel } from './panels/reports.js';
import { ReviewPanel } from './panels/review.js';
import { RulesPanel } from './panels/rules.js';
import { SearchPanel } from './panels/search.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

const TABS = [
  ['live', 'Live'],
  ['search', 'Search'],
  ['rules', 'Rules'],
  ['lists', 'Lists'],
  ['backtest', 'Backtest'],
  ['review', 'Review'],
  ['quality', 'Data quality'],
  ['reports', 'Reports'],
] as const;
type Tab = (typeof TABS)[number][0];

interface BundleInfo {
  version: string;
  name: string;
  source: string;
  revision: number;
}

const tabOf = (hash: string): { tab: Tab; arg: string } => {
  const [t = '', ...rest] = hash.replace(/^#/, '').split('/');
  const tab = (TABS.find(([id]) => id === t)?.[0] ?? 'live') as Tab;
  return { tab, arg: decodeURIComponent(rest.join('/')) };
};

function KeyForm({ onChange }: { onChange: () => void }) {
  const [key, setKey] = useState(storedKey());
  const [saved, setSaved] = useState(storedKey() !== '');
  return (
    <form
      class="key"
      onSubmit={(e) => {
        e.preventDefault();
        storeKey(key.trim());
        setSaved(key.trim() !== '');
        onChange();
      }}
    >
      <label>
        API key{' '}
        <input
          type="password"
          name="key"
          autocomplete="off"
          placeholder="admin or read-only key"
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">{saved ? 'Change' : 'Use'}</button>
    </form>
  );
}

function App() {
  const [{ tab, arg }, setRoute] = useState(tabOf(location.hash));
  const [bundle, setBundle] = useState<BundleInfo | undefined>();
  const [problem, setProblem] = useState('');
  const [session, setSession] = useState(0);
  const refreshBundle = useCallback(() => {
    api<BundleInfo>('/bundle').then(
      (b) => {
        setBundle(b);
        setProblem('');
      },
      (err) => setProblem(errorText(err)),
    );
  }, []);
  useEffect(() => {
    const onHash = () => setRoute(tabOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    refreshBundle();
    const t = setInterval(refreshBundle, 5000);
    return () => clearInterval(t);
  }, [refreshBundle, session]);
  const panel = (() => {
    switch (tab) {
      case 'live':
        return <LivePanel key={session} />;
      case 'search':
        return <SearchPanel id={arg} />;
      case 'rules':
        return <RulesPanel id={arg} onPublished={refreshBundle} />;
      case 'lists':
        return <ListsPanel onChanged={refreshBundle} />;
      case 'backtest':
        return <BacktestPanel />;
      case 'review':
        return <ReviewPanel />;
      case 'quality':
        return <QualityPanel />;
      case 'reports':
        return <ReportsPanel />;
    }
  })();
  return (
    <>
      <header>
        <h1>Risk console</h1>
        <span class="bundle" data-testid="bundle-version" title={bundle?.source ?? ''}>
          {bundle !== undefined ? bundle.version : '…'}
        </span>
        <KeyForm onChange={() => setSession((s) => s + 1)} />
      </header>
      {problem !== '' && (
        <p class="error banner" data-testid="auth-error">
          {problem}
        </p>
      )}
      <nav>
        {TABS.map(([id, label]) => (
          <a key={id} href={`#${id}`} class={id === tab ? 'active' : ''} data-testid={`tab-${id}`}>
            {label}
          </a>
        ))}
      </nav>
      <main key={session}>{panel}</main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
