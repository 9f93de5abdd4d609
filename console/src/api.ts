// The console's calls to the admin API: the key from sessionStorage in an Authorization header
// (never in a URL), errors as ApiError with the service's code and violations.

const KEY = 'risk-console-key';

/** The key entered for this tab (empty: none; the service then serves loopback callers only). */
export function storedKey(): string {
  return sessionStorage.getItem(KEY) ?? '';
}

export function storeKey(key: string): void {
  if (key === '') sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
}

/** One violation of a rejected call: the field and what is wrong with it. */
export interface Violation {
  readonly field: string;
  readonly description: string;
}

/** A call the service answered with an error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly violations: readonly Violation[],
  ) {
    super(message);
  }
}

const headers = (json: boolean): Record<string, string> => {
  const h: Record<string, string> = { 'x-risk-actor': 'console' };
  const key = storedKey();
  if (key !== '') h.authorization = `Bearer ${key}`;
  if (json) h['content-type'] = 'application/json';
  return h;
};

async function failure(res: Response): Promise<ApiError> {
  let body: { code?: string; message?: string; violations?: Violation[] } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // Not JSON: the status says enough.
  }
  return new ApiError(
    res.status,
    body.code ?? `HTTP_${res.status}`,
    body.message ?? res.statusText,
    body.violations ?? [],
  );
}

/** Calls the admin API (`path` under /admin/v1) and answers the parsed JSON. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`/admin/v1${path}`, {
    method: init.method ?? 'GET',
    headers: headers(init.body !== undefined),
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Fetches a text answer (a report in Markdown) with its file name from content-disposition. */
export async function apiText(path: string): Promise<{ text: string; filename: string | undefined }> {
  const res = await fetch(`/admin/v1${path}`, { headers: headers(false) });
  if (!res.ok) throw await failure(res);
  const cd = res.headers.get('content-disposition') ?? '';
  const m = /filename="?([^";]+)"?/.exec(cd);
  return { text: await res.text(), filename: m?.[1] };
}

/** A message for any error a call may throw. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const v = err.violations.map((x) => `${x.field}: ${x.description}`).join('; ');
    return `${err.code} (${err.status}): ${v !== '' ? v : err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads the live stream (Server-Sent Events) with fetch, so the key travels in a header; reconnects
 * after a pause when it ends. Calls `onEvent` per event; answers a function that stops it.
 */
export function openStream(
  onEvent: (type: string, data: string) => void,
  onState: (state: 'open' | 'closed' | 'error', detail?: string) => void,
): () => void {
  let stopped = false;
  let ctl: AbortController | undefined;
  const run = async () => {
    while (!stopped) {
      ctl = new AbortController();
      try {
        const res = await fetch('/admin/v1/stream', { headers: headers(false), signal: ctl.signal });
        if (!res.ok || res.body === null) throw await failure(res);
        onState('open');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end = buf.indexOf('\n\n');
          while (end >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let type = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              if (line.startsWith('event:')) type = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length > 0) onEvent(type, data.join('\n'));
            end = buf.indexOf('\n\n');
          }
        }
        onState('closed');
      } catch (err) {
        if (stopped) return;
        onState('error', errorText(err));
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => {
    stopped = true;
    ctl?.abort();
  };
}
