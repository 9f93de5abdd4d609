import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { Failure, time, useLoad } from '../ui.js';

interface ListInfo {
  id: string;
  kind: string;
  action: string | null;
  items: number;
}
interface Item {
  value: string;
  reason?: string;
  expiresAtMs?: number;
  addedBy?: string;
  addedAt?: number;
}

function Items({ list, onChanged }: { list: ListInfo; onChanged: () => void }) {
  const items = useLoad(
    () => api<{ items: Item[] }>(`/lists/${encodeURIComponent(list.id)}/items`),
    [list.id],
  );
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState('');
  const change = async (call: () => Promise<unknown>) => {
    setProblem('');
    try {
      await call();
      items.reload();
      onChanged();
    } catch (err) {
      setProblem(errorText(err));
    }
  };
  const tokenised = list.kind === 'card' || list.kind === 'email';
  return (
    <div>
      <h2>
        {list.id}{' '}
        <small>
          ({list.kind}
          {list.action !== null ? `, ${list.action}` : ''})
        </small>
      </h2>
      {tokenised && (
        <p class="hint">
          Card and email lists hold tokens: add the raw value and the service tokenises it, or give a token as
          listed.
        </p>
      )}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          const v = value.trim();
          if (v === '') return;
          void change(() =>
            api(`/lists/${encodeURIComponent(list.id)}/items`, {
              method: 'POST',
              body: {
                ...(/^(ca|em|ph)_/.test(v) ? { token: v } : { value: v }),
                ...(reason !== '' ? { reason } : {}),
              },
            }),
          ).then(() => {
            setValue('');
            setReason('');
          });
        }}
      >
        <input
          data-testid="list-value"
          placeholder="value"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <input
          placeholder="reason"
          value={reason}
          onInput={(e) => setReason((e.target as HTMLInputElement).value)}
        />
        <button type="submit" data-testid="list-add">
          Add
        </button>
      </form>
      {problem !== '' && <p class="error">{problem}</p>}
      <Failure error={items.error} />
      <table data-testid="list-items">
        <thead>
          <tr>
            <th>value</th>
            <th>reason</th>
            <th>expires</th>
            <th>added by</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(items.data?.items ?? []).map((it) => (
            <tr key={it.value} data-testid="list-item">
              <td class="mono">{it.value}</td>
              <td>{it.reason ?? ''}</td>
              <td>{it.expiresAtMs !== undefined ? time(it.expiresAtMs) : ''}</td>
              <td>{it.addedBy ?? ''}</td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    void change(() =>
                      api(`/lists/${encodeURIComponent(list.id)}/items/${encodeURIComponent(it.value)}`, {
                        method: 'DELETE',
                      }),
                    )
                  }
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The bundle's lists and their items: add and remove items live. */
export function ListsPanel({ onChanged }: { onChanged: () => void }) {
  const lists = useLoad(() => api<{ lists: ListInfo[] }>('/lists'), []);
  const [selected, setSelected] = useState('');
  const list = lists.data?.lists.find((l) => l.id === selected) ?? lists.data?.lists[0];
  return (
    <div class="split">
      <aside>
        <Failure error={lists.error} />
        <ul class="rule-list">
          {(lists.data?.lists ?? []).map((l) => (
            <li key={l.id} class={l.id === list?.id ? 'active' : ''}>
              <button type="button" class="link" onClick={() => setSelected(l.id)}>
                {l.id}
              </button>{' '}
              <small>{l.items}</small>
            </li>
          ))}
        </ul>
      </aside>
      <div class="grow">
        {list !== undefined && (
          <Items
            key={list.id}
            list={list}
            onChanged={() => {
              lists.reload();
              onChanged();
            }}
          />
        )}
      </div>
    </div>
  );
}
