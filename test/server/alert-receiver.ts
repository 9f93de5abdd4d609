import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A real HTTP receiver on a free loopback port, answering with the statuses it is given in turn. */
export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Resolves once `n` requests have arrived. */
  count(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver; `status(i)` is the status of the i-th request (0-based), 200 by default. */
export async function startReceiver(status: (i: number) => number = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  let waiters: { n: number; done: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const i = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = status(i);
      res.end('{}');
      waiters = waiters.filter((w) => {
        if (received.length < w.n) return true;
        w.done();
        return false;
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    count: (n) =>
      received.length >= n ? Promise.resolve() : new Promise((done) => waiters.push({ n, done })),
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
