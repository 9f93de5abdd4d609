import net from 'node:net';

/** One HTTP/1.1 response as read off the wire. */
export interface RawResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One kept-alive HTTP/1.1 connection whose requests may be pipelined, and whose close is observable. */
export interface RawConnection {
  /**
   * Writes a request now; resolves with its response, in order (HTTP/1.1 pipelining).
   * `bodyBytesMissing` announces that many more body bytes than are sent, leaving the request open.
   */
  request(
    method: string,
    path: string,
    body?: unknown,
    options?: { bodyBytesMissing?: number },
  ): Promise<RawResponse>;
  /** Resolves when the server has closed the connection; `error` is set if it was reset. */
  readonly closed: Promise<{ error?: string; pendingRequests: number }>;
  destroy(): void;
}

/**
 * Opens a connection on 127.0.0.1 and parses responses by hand, so a test sees exactly which
 * connection a response came on, its Connection header, and whether the server closed or reset it.
 */
export async function rawConnection(port: number): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const waiting: { resolve(r: RawResponse): void; reject(e: Error): void }[] = [];
  let buf = Buffer.alloc(0);
  let error: string | undefined;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (buf.length < end + 4 + length) return;
      const body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
      buf = buf.subarray(end + 4 + length);
      waiting.shift()?.resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    }
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? e.message;
  });
  const closed = new Promise<{ error?: string; pendingRequests: number }>((resolve) => {
    socket.once('close', () => {
      const pendingRequests = waiting.length;
      for (const w of waiting.splice(0)) w.reject(new Error(`connection closed (${error ?? 'FIN'})`));
      resolve(error === undefined ? { pendingRequests } : { error, pendingRequests });
    });
  });
  return {
    request(method, path, body, options = {}) {
      const payload = body === undefined ? '' : JSON.stringify(body);
      const head =
        `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        (body === undefined ? '' : 'Content-Type: application/json\r\n') +
        `Content-Length: ${Buffer.byteLength(payload) + (options.bodyBytesMissing ?? 0)}\r\n\r\n`;
      const response = new Promise<RawResponse>((resolve, reject) => waiting.push({ resolve, reject }));
      socket.write(head + payload);
      return response;
    },
    closed,
    destroy: () => socket.destroy(),
  };
}
