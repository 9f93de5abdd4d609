import { isDeepStrictEqual } from 'node:util';
import { type DescMessage, equals, fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DecisionResult } from '../../src/domain/index.js';
import {
  type DecideRequest,
  DecideRequestSchema,
  DecideResponseSchema,
  TimeBasis,
} from '../../src/gen/risk/v1/risk_pb.js';
import { loadConfig } from '../../src/server/config.js';
import type { DecisionGate } from '../../src/server/decision-gate.js';
import { bindGrpc, buildGrpc, type GrpcService } from '../../src/server/grpc.js';
import { createMetrics } from '../../src/server/metrics.js';
import { registerRest } from '../../src/server/rest.js';
import { httpServerOptions } from '../../src/server/server-options.js';
import { decideClient } from './grpc-client.js';
import { fullMessage } from './proto-arbitraries.js';

// Both transports in front of a gate that records what it is given: a request with every field
// of the .proto set (walked from the descriptor, so a new field is included the moment it exists)
// must reach the core exactly as sent, over REST in every proto3 JSON form and over gRPC.

const RESULT: DecisionResult = {
  decisionId: 'dec-1',
  eventId: 'evt-1',
  decision: 'REVIEW',
  score: 0.5,
  modelScore: 0.25,
  reasons: [{ code: 'c', message: 'm', source: 'RULE', ruleId: 'r1', action: 'REVIEW' }],
  bundleVersion: 'b',
  modelVersion: 'm',
  degraded: [],
  timings: [{ stage: 'rules', micros: 3 }],
  replayed: false,
  timeBasis: 'EVENT_TIME',
  windowTime: '2026-11-21T10:15:00.250Z',
  features: { 'card.count_1h': 3, 'model.score': 0.25 },
};

const seen: DecideRequest[] = [];
const gate: DecisionGate = {
  inFlight: () => 0,
  async decide(req) {
    seen.push(req);
    return RESULT;
  },
};
const metrics = createMetrics({ entities: () => 0, evictions: () => 0, inFlight: () => 0 });
const config = loadConfig(
  { LOG_LEVEL: 'silent' },
  { httpPort: 0, grpcPort: 0, host: '127.0.0.1', journalMode: 'off', decisionLog: 'off' },
);
const FULL = fullMessage(DecideRequestSchema);

let http: FastifyInstance;
let grpc: GrpcService;
let port: number;
beforeAll(async () => {
  http = Fastify(httpServerOptions(config, false));
  registerRest(http, {
    gate,
    metrics,
    ready: () => true,
    defaultTimeoutMs: 1000,
    bundleVersion: () => 'b',
    maxBodyBytes: config.maxBodyBytes,
  });
  grpc = buildGrpc({
    gate,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    maxConcurrentStreams: 10,
    log: http.log,
  });
  port = await bindGrpc(grpc.server, '127.0.0.1', 0);
});
afterAll(async () => {
  await http.close();
  await new Promise<void>((resolve) => grpc.server.tryShutdown(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
});

function expectReceived(): void {
  expect(seen).toHaveLength(1);
  const got = seen[0] as DecideRequest;
  expect(equals(DecideRequestSchema, got, FULL)).toBe(true);
  expect(isDeepStrictEqual(got, FULL)).toBe(true);
}

describe('a request with every field set', () => {
  it('sets every field, nested ones included (the premise of the round trips)', () => {
    // toJson leaves out fields at their default, so every field must show up in it.
    const walk = (desc: DescMessage, json: Record<string, unknown>, path: string) => {
      for (const f of desc.fields) {
        expect(json, `${path}${f.jsonName}`).toHaveProperty([f.jsonName]);
        if (f.fieldKind === 'message' && f.message.typeName !== 'google.protobuf.Timestamp') {
          walk(f.message, json[f.jsonName] as Record<string, unknown>, `${path}${f.jsonName}.`);
        }
      }
    };
    walk(DecideRequestSchema, toJson(DecideRequestSchema, FULL) as Record<string, unknown>, '');
  });

  it.each([
    ['JSON names', {}],
    ['proto names', { useProtoFieldName: true }],
    ['enum numbers', { enumAsInteger: true }],
  ])('reaches the core unchanged over REST, with %s', async (_name, options) => {
    const body = toJson(DecideRequestSchema, FULL, options);
    const res = await http.inject({ method: 'POST', url: '/v1/decisions', payload: body as object });
    expect(res.statusCode, res.body).toBe(200);
    expectReceived();
    const decoded = fromJson(DecideResponseSchema, res.json() as JsonValue);
    expect(decoded.eventId).toBe('evt-1');
    expect(decoded.timeBasis).toBe(TimeBasis.EVENT_TIME);
    expect(decoded.windowTime && timestampMs(decoded.windowTime)).toBe(Date.parse(RESULT.windowTime));
    expect(decoded.features).toEqual(RESULT.features);
  });

  it('reaches the core unchanged over gRPC', async () => {
    const client = decideClient(port);
    try {
      const res = await client.decide(FULL);
      expect(res.eventId).toBe('evt-1');
      expect(res.modelScore).toBe(0.25);
      expect(res.timeBasis).toBe(TimeBasis.EVENT_TIME);
      expect(res.windowTime && timestampMs(res.windowTime)).toBe(Date.parse(RESULT.windowTime));
      expect(res.features).toEqual(RESULT.features);
      expectReceived();
    } finally {
      client.close();
    }
  });
});
