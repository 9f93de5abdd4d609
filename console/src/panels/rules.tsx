import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { type Diagnostic, forceLinting, linter, lintGutter } from '@codemirror/lint';
import { EditorState, type Text } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorText } from '../api.js';
import { Failure, go, useLoad } from '../ui.js';

interface RuleSummary {
  id: string;
  action: string;
  code: string;
  mode: string;
  form: 'json' | 'text';
}
interface RuleText {
  id: string;
  exists: boolean;
  form: 'json' | 'text' | 'new';
  text: string;
  startLine: number;
}
/** A problem at a line and column of the editor's text (1-based). */
export interface Problem {
  line: number;
  column: number;
  message: string;
}

/**
 * The problems of a rejected validation, placed in the editor's lines. A text that does not parse is
 * a 400 naming `text` at `line:column` of the rule text (with an `@id` line the service adds when the
 * text has none); a rule that does not compile is a 422 at rules.txt positions, from `startLine` on.
 */
export function problemsOf(err: ApiError, id: string, text: string, startLine: number): Problem[] {
  const addedId = /^@id\s/m.test(text) ? 0 : 1;
  return err.violations.map((v) => {
    const parse = /^(\d+):(\d+): (.*)$/s.exec(v.description);
    if (v.field === 'text' && parse !== null)
      return { line: Number(parse[1]) - addedId, column: Number(parse[2]), message: parse[3] as string };
    const compiled = /rule (\S+) at (\d+):(\d+): (.*)$/s.exec(v.description);
    if (compiled !== null && compiled[1] === id)
      return {
        line: Number(compiled[2]) - startLine + 1 - addedId,
        column: Number(compiled[3]),
        message: compiled[4] as string,
      };
    return { line: 1, column: 1, message: `${v.field}: ${v.description}` };
  });
}

const toDiagnostic = (doc: Text, p: Problem): Diagnostic => {
  const line = doc.line(Math.min(Math.max(1, p.line), doc.lines));
  const from = Math.min(line.from + Math.max(0, p.column - 1), line.to);
  // Mark the word at the position (at least one character when the line has one).
  let to = from;
  while (to < line.to && /[\w.@']/.test(doc.sliceString(to, to + 1))) to++;
  if (to === from && from < line.to) to = from + 1;
  return { from, to, severity: 'error', message: p.message };
};

function Editor({ rule, onPublished }: { rule: RuleText; onPublished: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const [status, setStatus] = useState<{ kind: 'checking' | 'valid' | 'invalid' | 'error'; text: string }>({
    kind: 'checking',
    text: 'checking…',
  });
  const [problems, setProblems] = useState<Problem[]>([]);
  const [published, setPublished] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (host.current === null) return;
    const check = linter(
      async (v) => {
        const text = v.state.doc.toString();
        setStatus({ kind: 'checking', text: 'checking…' });
        try {
          const r = await api<{ version: string }>(`/rules/${encodeURIComponent(rule.id)}/validate`, {
            method: 'POST',
            body: { text },
          });
          if (v.state.doc.toString() !== text) return [];
          setProblems([]);
          setStatus({ kind: 'valid', text: `valid: would serve ${r.version}` });
          return [];
        } catch (err) {
          if (!(err instanceof ApiError) || (err.status !== 400 && err.status !== 422)) {
            setStatus({ kind: 'error', text: errorText(err) });
            return [];
          }
          const found = problemsOf(err, rule.id, text, rule.startLine);
          setProblems(found);
          setStatus({ kind: 'invalid', text: `${found.length} problem${found.length === 1 ? '' : 's'}` });
          return found.map((p) => toDiagnostic(v.state.doc, p));
        }
      },
      { delay: 400 },
    );
    view.current = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: rule.text,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          EditorView.lineWrapping,
          check,
          lintGutter(),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) setPublished('');
          }),
        ],
      }),
    });
    forceLinting(view.current);
    return () => view.current?.destroy();
  }, []);
  const publish = async () => {
    const text = view.current?.state.doc.toString() ?? '';
    setBusy(true);
    try {
      const r = await api<{ version: string }>(`/rules/${encodeURIComponent(rule.id)}`, {
        method: 'PUT',
        body: { text },
      });
      setPublished(r.version);
      onPublished();
    } catch (err) {
      setStatus({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="editor-wrap">
      <p>
        Rule <strong class="mono">{rule.id}</strong>{' '}
        {rule.form === 'json'
          ? '(kept in rules.json; saved in the text form it moves to rules.txt)'
          : rule.form === 'new'
            ? '(new rule)'
            : '(rules.txt)'}
      </p>
      <div class="editor" ref={host} data-testid="rule-editor" />
      <p class={`rule-status ${status.kind}`} data-testid="rule-status">
        {status.text}
      </p>
      {problems.length > 0 && (
        <ul class="problems" data-testid="rule-problems">
          {problems.map((p, i) => (
            <li key={i} data-testid="rule-problem">
              {p.line}:{p.column}: {p.message}
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        data-testid="rule-publish"
        disabled={busy || status.kind !== 'valid'}
        onClick={publish}
      >
        Publish
      </button>
      {published !== '' && (
        <span class="ok" data-testid="rule-published">
          {' '}
          published: {published}
        </span>
      )}
    </div>
  );
}

/** The rules in the text form: list, edit with problems at line:column as you type, publish. */
export function RulesPanel({ id, onPublished }: { id: string; onPublished: () => void }) {
  const list = useLoad(() => api<{ rules: RuleSummary[] }>('/rules'), []);
  const rule = useLoad(
    () => (id === '' ? Promise.resolve(undefined) : api<RuleText>(`/rules/${encodeURIComponent(id)}`)),
    [id],
  );
  const [newId, setNewId] = useState('');
  const [filter, setFilter] = useState('');
  return (
    <div class="split rules">
      <aside>
        <input
          placeholder="filter"
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />
        <Failure error={list.error} />
        <ul class="rule-list" data-testid="rule-list">
          {(list.data?.rules ?? [])
            .filter((r) => r.id.includes(filter))
            .map((r) => (
              <li key={r.id} class={r.id === id ? 'active' : ''}>
                <a href={`#rules/${encodeURIComponent(r.id)}`} data-testid="rule-link">
                  {r.id}
                </a>{' '}
                <small>
                  {r.action.toLowerCase()} · {r.form}
                  {r.mode === 'shadow' ? ' · shadow' : ''}
                </small>
              </li>
            ))}
        </ul>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (newId.trim() !== '') go('rules', newId.trim());
          }}
        >
          <input
            placeholder="new rule id"
            value={newId}
            onInput={(e) => setNewId((e.target as HTMLInputElement).value)}
          />
          <button type="submit">New</button>
        </form>
      </aside>
      <div class="grow">
        {id === '' && <p>Pick a rule to edit, or start a new one.</p>}
        <Failure error={rule.error} />
        {rule.data !== undefined && (
          <Editor
            key={`${rule.data.id}:${rule.data.text}`}
            rule={rule.data}
            onPublished={() => {
              onPublished();
              list.reload();
            }}
          />
        )}
      </div>
    </div>
  );
}
