import { fromJson } from '@bufbuild/protobuf';
import {
  type Attributes,
  type Context,
  context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type TimeInput,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { bindGrpc } from '../../src/server/grpc.js';
import type { Service } from '../../src/server/index.js';
import { ACCEPTANCE_REQUEST, paymentRequest, testService } from '../helpers.js';
import { decideClient } from './grpc-client.js';

/** A span as an SDK would record it: name, its context, its parent's, times and attributes. */
interface Recorded {
  name: string;
  context: SpanContext;
  parent: SpanContext | undefined;
  start: number;
  end?: number;
  attributes: Attributes;
}

/**
 * A recording tracer provider for the test, standing in for an OpenTelemetry SDK (the SDK packages
 * on this registry need another @opentelemetry/api or Node 22): the service only talks to the API.
 */
function recordingProvider(spans: Recorded[]): TracerProvider {
  let n = 0;
  const hex = (k: number, width: number) => k.toString(16).padStart(width, '0');
  return {
    getTracer: () => ({
      startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
        const parent = trace.getSpanContext(ctx);
        const rec: Recorded = {
          name,
          context: {
            traceId: parent?.traceId ?? hex(++n, 32),
            spanId: hex(++n, 16),
            traceFlags: 1,
          },
          parent,
          start: typeof options.startTime === 'number' ? options.startTime : Date.now(),
          attributes: { ...options.attributes },
        };
        spans.push(rec);
        const span: Span = {
          spanContext: () => rec.context,
          setAttribute: (k, v) => {
            if (v !== undefined) rec.attributes[k] = v;
            return span;
          },
          setAttributes: (a) => {
            Object.assign(rec.attributes, a);
            return span;
          },
          addEvent: () => span,
          addLink: () => span,
          addLinks: () => span,
          setStatus: () => span,
          updateName: () => span,
          end: (t?: TimeInput) => {
            rec.end = typeof t === 'number' ? t : Date.now();
          },
          isRecording: () => true,
          recordException: () => {},
        };
        return span;
      },
      startActiveSpan: () => {
        throw new Error('not used');
      },
    }),
  };
}

const spans: Recorded[] = [];
let service: Service;
beforeAll(async () => {
  trace.setGlobalTracerProvider(recordingProvider(spans));
  service = await testService();
});
afterAll(async () => {
  await service.close();
  trace.disable();
});

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const STAGES = ['features', 'lists', 'device', 'model', 'sequences', 'rules', 'combine', 'commit'];

describe('OpenTelemetry spans', () => {
  it('REST: a decision span under the caller’s traceparent, with one child span per stage laid end to end', async () => {
    spans.length = 0;
    const res = await service.http.inject({
      method: 'POST',
      url: '/v1/decisions',
      payload: paymentRequest('trace-1'),
      headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
    });
    expect(res.statusCode).toBe(200);
    const decide = spans.find((s) => s.name === 'risk.decide');
    expect(decide?.parent).toMatchObject({ traceId: TRACE, spanId: PARENT, isRemote: true });
    expect(decide?.attributes).toMatchObject({
      'risk.event_id': 'trace-1',
      'risk.decision': res.json().decision,
    });
    const stages = spans.filter((s) => s.parent?.spanId === decide?.context.spanId);
    expect(stages.map((s) => s.name)).toEqual(STAGES.map((s) => `risk.stage.${s}`));
    for (let i = 1; i < stages.length; i++) expect(stages[i]?.start).toBeCloseTo(stages[i - 1]?.end ?? 0, 6);
    expect(stages.every((s) => s.context.traceId === TRACE)).toBe(true);
  });

  it('an invalid traceparent is ignored: the decision starts a trace of its own', async () => {
    spans.length = 0;
    await service.http.inject({
      method: 'POST',
      url: '/v1/decisions',
      payload: paymentRequest('trace-2'),
      headers: { traceparent: `00-${'0'.repeat(32)}-${PARENT}-01` },
    });
    expect(spans.find((s) => s.name === 'risk.decide')?.parent).toBeUndefined();
  });

  it('gRPC: traceparent in the metadata', async () => {
    spans.length = 0;
    const port = await bindGrpc(service.grpc.server, '127.0.0.1', 0);
    const client = decideClient(port);
    try {
      const req = fromJson(DecideRequestSchema, {
        event: { ...ACCEPTANCE_REQUEST.event, eventId: 'trace-3' },
      });
      await client.decide(req, { metadata: { traceparent: `00-${TRACE}-${PARENT}-00` } });
    } finally {
      client.close();
    }
    const decide = spans.find((s) => s.name === 'risk.decide');
    expect(decide?.parent).toMatchObject({ traceId: TRACE, spanId: PARENT, traceFlags: 0 });
    expect(decide?.attributes['rpc.system']).toBe('grpc');
    expect(spans.filter((s) => s.parent?.spanId === decide?.context.spanId)).toHaveLength(STAGES.length);
  });
});
