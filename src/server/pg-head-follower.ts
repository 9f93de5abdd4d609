import pg from 'pg';
import type { StoreHead } from './bundle-store.js';
import { quoteIdent } from './pg-bundle-schema.js';

/** What following the head needs. */
export interface PgHeadFollowerOptions {
  readonly url: string;
  readonly channel: string;
  /** The head as PostgreSQL holds it now (the poll's query). */
  readonly read: () => Promise<StoreHead>;
  /** Every head announced or polled; the caller ignores revisions it has. */
  readonly onHead: (head: StoreHead) => void;
  readonly pollMs: number;
  /** False: poll only (the fallback on its own, for tests and for poolers without LISTEN). */
  readonly listen: boolean;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/** The longest wait before connecting the listener again. */
const MAX_BACKOFF_MS = 5000;

/**
 * Follows the head of a PostgreSQL bundle store: LISTEN on a dedicated connection (the head is in
 * the NOTIFY payload, so a replica reacts without a query), connected again with backoff after any
 * error, plus a poll of the head every `pollMs` for notifications lost while disconnected, as
 * Flink's JDBC pattern discoverer polls. Answers the function that stops it.
 */
export function followPgHead(options: PgHeadFollowerOptions): () => Promise<void> {
  const { log, onHead } = options;
  let closed = false;
  let listener: pg.Client | undefined;
  let backoff = 100;
  let retry: NodeJS.Timeout | undefined;

  const poll = async () => {
    if (closed) return;
    try {
      onHead(await options.read());
    } catch (err) {
      log.warn({ err: String(err) }, 'could not poll the bundle head in PostgreSQL');
    }
  };
  const connect = async () => {
    retry = undefined;
    if (closed) return;
    // Named, so an operator (or a test) can find the listener in pg_stat_activity.
    const client = new pg.Client({
      connectionString: options.url,
      application_name: `risk-listen:${options.channel.slice(options.channel.indexOf('.') + 1)}`.slice(0, 63),
    });
    let dropped = false;
    const drop = (err?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (listener === client) listener = undefined;
      void client.end().catch(() => undefined);
      if (closed) return;
      log.warn(
        { err: err === undefined ? undefined : String(err), retryMs: backoff },
        'bundle head listener lost; connecting again (the poll covers the gap)',
      );
      retry = setTimeout(() => void connect(), backoff);
      retry.unref();
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    };
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (n) => {
      if (n.channel !== options.channel || n.payload === undefined) return;
      try {
        onHead(JSON.parse(n.payload) as StoreHead);
      } catch {
        void poll();
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(options.channel)}`);
      if (closed || dropped) {
        drop();
        return;
      }
      listener = client;
      backoff = 100;
      // Anything announced while this connection was down is read now.
      void poll();
    } catch (err) {
      drop(err);
    }
  };

  if (options.listen) void connect();
  const timer = setInterval(() => void poll(), options.pollMs);
  timer.unref();
  return async () => {
    closed = true;
    clearInterval(timer);
    clearTimeout(retry);
    await listener?.end().catch(() => undefined);
  };
}
