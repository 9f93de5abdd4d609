import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Service } from './app.js';

/** Where a drain is: the grace period, closing connections, or done. */
export type DrainPhase = 'grace' | 'closing' | 'drained';

/** How to drain, and where to say so. */
export interface DrainOptions {
  /** How long readiness reports NOT_SERVING while requests are still served. */
  readonly graceMs: number;
  readonly log: { info(obj: object, msg: string): void };
}

/** A drain in progress. */
export interface Drain {
  /** Resolves once both listeners and every connection are closed and the model is released. */
  readonly done: Promise<void>;
  phase(): DrainPhase;
  /** Closes every connection still open at once, requests in flight or not (the deadline passed). */
  force(): void;
}

/** How often closing re-checks for HTTP connections that went idle without a `Connection: close`. */
const IDLE_SWEEP_MS = 100;

/**
 * Drains the service in three phases: (1) readiness (/readyz, grpc.health.v1) goes NOT_SERVING for
 * `graceMs` while every request is served as usual, so load balancers stop sending; (2) both
 * listeners close, idle keep-alive connections are closed, every later HTTP response carries
 * `Connection: close`, gRPC sessions get GOAWAY and calls in flight finish; (3) the model is released.
 */
export function drain(service: Service, options: DrainOptions): Drain {
  const { log, graceMs } = options;
  const server = service.http.server;
  let phase: DrainPhase = 'grace';
  const started = performance.now();
  const elapsedMs = () => Math.round(performance.now() - started);

  // A response started before the listeners close is written keep-alive unless told otherwise, and
  // its connection would then hold the close open. Track the newest response on each connection
  // from the signal on (not before: it would cost every request) so that closing can mark it. Only
  // the newest: after a `Connection: close` response the server closes, and a pipelined request
  // behind it would be dropped, so a request arriving later takes the mark over.
  const newest = new Map<Socket, ServerResponse>();
  const track = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    if (phase !== 'grace') {
      const previous = newest.get(socket);
      if (previous !== undefined && !previous.headersSent) previous.setHeader('connection', 'keep-alive');
      markClose(res);
    }
    newest.set(socket, res);
    res.once('close', () => {
      if (newest.get(socket) === res) newest.delete(socket);
    });
  };
  server.prependListener('request', track);

  service.setReady(false);
  log.info({ graceMs }, 'drain: not ready; still serving through the grace period');

  const done = (async () => {
    await sleep(graceMs);
    phase = 'closing';
    for (const res of newest.values()) markClose(res);
    log.info(
      { elapsedMs: elapsedMs() },
      'drain: grace period over; listeners closing, requests in flight finishing',
    );
    // A request in flight since before the signal answers keep-alive and leaves its connection idle
    // but open; closing only reaps connections idle when it starts, so look again until closed.
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    try {
      await service.close();
    } finally {
      clearInterval(sweep);
      server.off('request', track);
    }
    phase = 'drained';
    log.info({ elapsedMs: elapsedMs() }, 'drain: connections closed, model released');
  })();

  return {
    done,
    phase: () => phase,
    force() {
      server.closeAllConnections();
      service.grpc.server.forceShutdown();
    },
  };
}

function markClose(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('connection', 'close');
}
