import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromJson } from '@bufbuild/protobuf';
import { type ServiceError, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/domain/clock.js';
import type { DecisionEngine } from '../../src/engine/index.js';
import { DecideRequestSchema, Decision } from '../../src/gen/risk/v1/risk_pb.js';
import { buildService, type Service } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { type Drain, drain } from '../../src/server/drain.js';
import { bindGrpc } from '../../src/server/grpc.js';
import { paymentRequest, T0 } from '../helpers.js';
import { decideClient, healthClient } from './grpc-client.js';
import { rawConnection } from './raw-http.js';

/** Decisions whose event id starts with "slow-" wait for release(), to hold them in flight. */
function slowEngine() {
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let started = 0;
  const wrap = (engine: DecisionEngine): DecisionEngine => ({
    get bundle() {
      return engine.bundle;
    },
    swapBundle: (next) => engine.swapBundle(next),
    recordOutcome: (event, decision, type) => engine.recordOutcome(event, decision, type),
    get store() {
      return engine.store;
    },
    async decide(event, deadlineMs, options) {
      if (event.eventId.startsWith('slow-')) {
        started++;
        await gate;
      }
      return engine.decide(event, deadlineMs, options);
    },
  });
  return { wrap, release: () => release(), started: () => started };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await sleep(10);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

let service: Service | undefined;
let draining: Drain | undefined;
afterEach(async () => {
  draining?.force();
  await draining?.done.catch(() => {});
  draining = undefined;
  service = undefined;
});

async function startService(slow: ReturnType<typeof slowEngine>): Promise<Service> {
  // No (long) request deadline gets in the way of a decision held in flight on purpose.
  const config = loadConfig(
    { LOG_LEVEL: 'silent' },
    { defaultTimeoutMs: 60_000, journalMode: 'off', decisionLog: 'off' },
  );
  const s = await buildService(config, {
    clock: createManualClock(T0).now,
    logger: false,
    wrapEngine: slow.wrap,
  });
  s.setReady(true);
  return s;
}

const logs: string[] = [];
const log = { info: (_obj: object, msg: string) => logs.push(msg) };

describe('drain, REST', () => {
  it('stays in service through the grace period, then serves what arrives on open connections with Connection: close', async () => {
    const slow = slowEngine();
    service = await startService(slow);
    await service.http.listen({ host: '127.0.0.1', port: 0 });
    const port = (service.http.server.address() as net.AddressInfo).port;
    const busy = await rawConnection(port);
    const idle = await rawConnection(port);
    const lone = await rawConnection(port);
    const warm = await idle.request('POST', '/v1/decisions', paymentRequest('d-warm'));
    expect([warm.status, warm.headers.connection]).toEqual([200, 'keep-alive']);

    logs.length = 0;
    draining = drain(service, { graceMs: 400, log });
    // Grace period: not ready, with the catalogue's body, and still serving on kept-alive connections.
    const ready = await busy.request('GET', '/readyz');
    expect([ready.status, JSON.parse(ready.body).code, ready.headers.connection]).toEqual([
      503,
      'RISK_ERR_NOT_READY',
      'keep-alive',
    ]);
    const during = await busy.request('POST', '/v1/decisions', paymentRequest('d-grace'));
    expect([during.status, during.headers.connection]).toEqual([200, 'keep-alive']);
    expect(await refused(port)).toBe(false);

    // Decisions in flight when the grace period ends, one with another arriving behind it after.
    const inFlight = busy.request('POST', '/v1/decisions', paymentRequest('slow-1'));
    const alone = lone.request('POST', '/v1/decisions', paymentRequest('slow-2'));
    await until(() => slow.started() === 2, 'the slow decisions to start');
    expect(draining.phase()).toBe('grace');
    await until(() => draining?.phase() === 'closing', 'the grace period to end');
    expect(await idle.closed).toEqual({ pendingRequests: 0 });
    expect(await refused(port)).toBe(true);
    const late = busy.request('POST', '/v1/decisions', paymentRequest('d-late'));
    await sleep(50);
    slow.release();
    // The pipelined request is answered too: the mark moved to it, the newest on the connection.
    const [first, second] = [await inFlight, await late];
    expect([first.status, JSON.parse(first.body).eventId, first.headers.connection]).toEqual([
      200,
      'slow-1',
      'keep-alive',
    ]);
    expect([second.status, JSON.parse(second.body).eventId, second.headers.connection]).toEqual([
      200,
      'd-late',
      'close',
    ]);
    const last = await alone;
    expect([last.status, JSON.parse(last.body).eventId, last.headers.connection]).toEqual([
      200,
      'slow-2',
      'close',
    ]);
    expect(await busy.closed).toEqual({ pendingRequests: 0 });
    expect(await lone.closed).toEqual({ pendingRequests: 0 });
    await draining.done;
    expect(draining.phase()).toBe('drained');
    expect(logs).toEqual([
      'drain: not ready; still serving through the grace period',
      'drain: grace period over; listeners closing, requests in flight finishing',
      'drain: connections closed, model released',
    ]);
  });
});

describe('drain, gRPC', () => {
  it('reports NOT_SERVING and keeps serving calls on open channels through the grace period, then lets calls in flight finish', async () => {
    const slow = slowEngine();
    service = await startService(slow);
    const port = await bindGrpc(service.grpc.server, '127.0.0.1', 0);
    const client = decideClient(port);
    const health = healthClient(port);
    const req = (id: string) => fromJson(DecideRequestSchema, paymentRequest(id));
    try {
      expect((await client.decide(req('g-warm'))).eventId).toBe('g-warm');
      expect(await health.check('')).toBe('SERVING');
      // A watching client must not hold the shutdown open: its stream ends once the grace is over.
      const watch = health.watch('risk.v1.DecisionService');
      await until(() => watch.statuses.length === 1, 'the first Watch status');

      draining = drain(service, { graceMs: 400, log });
      expect(await health.check('')).toBe('NOT_SERVING');
      expect(await health.check('risk.v1.DecisionService')).toBe('NOT_SERVING');
      const during = await client.decide(req('g-grace'));
      expect(during.decision).not.toBe(Decision.DECISION_UNSPECIFIED);

      const inFlight = client.decide(req('slow-g'));
      await until(() => slow.started() === 1, 'the slow call to start');
      await until(() => draining?.phase() === 'closing', 'the grace period to end');
      expect(await refused(port)).toBe(true);
      slow.release();
      expect((await inFlight).eventId).toBe('slow-g');
      await draining.done;
      expect(watch.statuses).toEqual(['SERVING', 'NOT_SERVING']);
      expect(await watch.ended).toBe(status.OK);
    } catch (err) {
      const code = (err as Partial<ServiceError>).code;
      throw code === undefined ? err : new Error(`gRPC call failed: ${code} ${(err as Error).message}`);
    } finally {
      client.close();
      health.close();
    }
  });
});
