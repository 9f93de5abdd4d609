import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { create, fromBinary, fromJson, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DecideRequest,
  DecideRequestSchema,
  type DecideResponse,
  DecideResponseSchema,
  Decision,
} from '../../src/gen/risk/v1/risk_pb.js';
import {
  createSimulator,
  DECIDE_METHOD,
  decisionName,
  formatSummary,
  grpcSender,
  type LabelledEvent,
  percentile,
  restSender,
  runCli,
  runLoad,
} from '../../src/sim/index.js';

function records(n: number, seed = 3): LabelledEvent[] {
  const out: LabelledEvent[] = [];
  for (const e of createSimulator({ seed, users: 300, fraudRate: 0.2 }).events()) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

/** A toy decision: block big payments and payouts, review failed logins, allow the rest. */
function decide(req: DecideRequest): Decision {
  const ev = req.event;
  if ((ev?.payment?.amountMinor ?? 0n) > 50_000n) return Decision.BLOCK;
  if (ev?.login !== undefined && !ev.login.success) return Decision.REVIEW;
  return Decision.ALLOW;
}

interface Seen {
  method: string | undefined;
  url: string | undefined;
  contentType: string | undefined;
  ids: string[];
}

describe('REST sender', () => {
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];
  let n = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        n++;
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        const msg = fromJson(DecideRequestSchema, body as never);
        seen.push({
          method: req.method,
          url: req.url,
          contentType: req.headers['content-type'],
          ids: [msg.event?.eventId ?? ''],
        });
        if (n % 50 === 0) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"busy"}');
          return;
        }
        const d = decide(msg);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            decisionId: `d-${n}`,
            eventId: msg.event?.eventId,
            decision: Decision[d],
            score: d === Decision.BLOCK ? 0.97 : 0.05,
            reasons: [],
          }),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });

  it('posts each request to /v1/decisions and tallies decisions by label', async () => {
    seen.length = 0;
    n = 0;
    const recs = records(400);
    const sender = restSender(base, { concurrency: 8 });
    const summary = await runLoad(recs, sender.send, { concurrency: 8 });
    sender.close();
    expect(summary.sent).toBe(400);
    expect(summary.errors).toBe(8);
    expect(summary.errorKinds).toEqual({ http_503: 8 });
    expect(summary.ok).toBe(392);
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    expect(total(summary.byLabel.legit) + total(summary.byLabel.fraud)).toBe(392);
    expect(summary.byLabel.legit.UNSPECIFIED + summary.byLabel.fraud.UNSPECIFIED).toBe(0);
    expect(summary.byLabel.fraud.ALLOW + summary.byLabel.fraud.BLOCK).toBeGreaterThan(0);
    expect(summary.p50Ms).toBeGreaterThan(0);
    expect(summary.p99Ms).toBeGreaterThanOrEqual(summary.p50Ms);
    expect(seen.every((s) => s.method === 'POST' && s.url === '/v1/decisions')).toBe(true);
    expect(seen.every((s) => s.contentType === 'application/json')).toBe(true);
    expect(new Set(seen.flatMap((s) => s.ids))).toEqual(new Set(recs.map((r) => r.request.event.eventId)));
    const table = formatSummary(summary);
    expect(table).toContain('legit (0)');
    expect(table).toContain('fraud (1)');
    expect(table).toContain('http_503=8');
  });

  it('paces to --rate', async () => {
    const sender = restSender(`${base}/`, { concurrency: 4 });
    const t0 = performance.now();
    const summary = await runLoad(records(40), sender.send, { rate: 200, concurrency: 4 });
    sender.close();
    expect(summary.sent).toBe(40);
    // 40 events at 200/s: the last is due 195 ms after the first.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(180);
  });

  it('counts connection failures as errors', async () => {
    const dead = http.createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const port = (dead.address() as AddressInfo).port;
    dead.close();
    await once(dead, 'close');
    const sender = restSender(`http://127.0.0.1:${port}`, { timeoutMs: 1000 });
    const summary = await runLoad(records(5), sender.send, { concurrency: 2 });
    sender.close();
    expect(summary.sent).toBe(5);
    expect(summary.errors).toBe(5);
    expect(summary.errorKinds.ECONNREFUSED).toBe(5);
  });

  it('runs end to end from the CLI (--target rest) and prints the table', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await runCli(
      [
        '--target',
        'rest',
        '--url',
        base,
        '--count',
        '200',
        '--users',
        '200',
        '--seed',
        '4',
        '--concurrency',
        '4',
      ],
      { stdout, stderr },
    );
    expect(code).toBe(0);
    expect(out).toMatch(/sent 200 {2}ok \d+ {2}errors \d+/);
    expect(out).toContain('client latency ms  p50');
    expect(out).toMatch(/legit \(0\)\s+\d+/);
    expect(err).toContain('sending to rest');
  });
});

describe('gRPC sender', () => {
  let server: grpc.Server;
  let addr: string;
  const got: string[] = [];

  beforeAll(async () => {
    server = new grpc.Server();
    const def: grpc.ServiceDefinition = {
      Decide: {
        path: DECIDE_METHOD,
        requestStream: false,
        responseStream: false,
        requestSerialize: (m: DecideRequest) => Buffer.from(toBinary(DecideRequestSchema, m)),
        requestDeserialize: (b: Buffer) => fromBinary(DecideRequestSchema, b),
        responseSerialize: (m: DecideResponse) => Buffer.from(toBinary(DecideResponseSchema, m)),
        responseDeserialize: (b: Buffer) => fromBinary(DecideResponseSchema, b),
      },
    };
    server.addService(def, {
      Decide: (
        call: grpc.ServerUnaryCall<DecideRequest, DecideResponse>,
        cb: grpc.sendUnaryData<DecideResponse>,
      ) => {
        const id = call.request.event?.eventId ?? '';
        got.push(id);
        if (got.length === 7) {
          cb({ code: grpc.status.UNAVAILABLE, details: 'try later' });
          return;
        }
        cb(null, create(DecideResponseSchema, { eventId: id, decision: decide(call.request), score: 0.5 }));
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    addr = `127.0.0.1:${port}`;
  });

  afterAll(() => {
    server.forceShutdown();
  });

  it('calls risk.v1.DecisionService/Decide and tallies decisions', async () => {
    const recs = records(60, 8);
    const sender = grpcSender(addr);
    const summary = await runLoad(recs, sender.send, { concurrency: 4 });
    sender.close();
    expect(summary.sent).toBe(60);
    expect(summary.errors).toBe(1);
    expect(summary.errorKinds).toEqual({ grpc_UNAVAILABLE: 1 });
    expect(new Set(got)).toEqual(new Set(recs.map((r) => r.request.event.eventId)));
    const allow = summary.byLabel.legit.ALLOW + summary.byLabel.fraud.ALLOW;
    expect(allow).toBeGreaterThan(0);
  });
});

describe('helpers', () => {
  it('normalises decisions and computes percentiles', () => {
    expect(decisionName('BLOCK')).toBe('BLOCK');
    expect(decisionName('DECISION_REVIEW')).toBe('REVIEW');
    expect(decisionName(2)).toBe('CHALLENGE');
    expect(decisionName('nope')).toBe('UNSPECIFIED');
    expect(decisionName(undefined)).toBe('UNSPECIFIED');
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBe(0);
  });
});
