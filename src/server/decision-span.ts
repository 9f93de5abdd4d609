import {
  type Context,
  context,
  createTraceState,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { DecisionResult } from '../domain/index.js';

const tracer = trace.getTracer('risk-decision-service');

/** W3C trace context as a transport carries it (the `traceparent` and `tracestate` headers or metadata). */
export interface TraceCarrier {
  readonly traceparent?: string | undefined;
  readonly tracestate?: string | undefined;
}

/** `traceparent` of W3C Trace Context level 1: version 00, 32 and 16 hex ids (not all zero), 2 hex flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The caller's span as a parent context, parsed here so a `traceparent` is honoured whatever
 * propagator an SDK registers (or none); an invalid one is ignored, as the spec says.
 */
export function parentContext(carrier: TraceCarrier | undefined): Context {
  const m = carrier?.traceparent === undefined ? null : TRACEPARENT.exec(carrier.traceparent.trim());
  if (m === null) return context.active();
  const [, traceId, spanId, flags] = m as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return context.active();
  const ts = carrier?.tracestate;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & 1,
    isRemote: true,
    ...(ts !== undefined && ts !== '' ? { traceState: createTraceState(ts) } : {}),
  });
}

/**
 * Starts the span of one decision, a child of the caller's W3C `traceparent` when it sent one.
 * With no SDK the tracer is a no-op: this costs one no-op span and nothing per stage.
 */
export function startDecisionSpan(transport: 'rest' | 'grpc', carrier: TraceCarrier | undefined): Span {
  const parent = parentContext(carrier);
  return tracer.startSpan(
    'risk.decide',
    { kind: SpanKind.SERVER, attributes: { 'rpc.system': transport === 'grpc' ? 'grpc' : 'http' } },
    parent,
  );
}

/**
 * Ends a decision's span. When it is recording (an SDK is installed), its result becomes attributes
 * and each stage of `timings` a child span laid end to end from the engine's measured durations,
 * so the stages cost nothing more while the decision runs.
 */
export function endDecisionSpan(
  span: Span,
  startedMs: number,
  result: DecisionResult | undefined,
  err?: unknown,
): void {
  if (span.isRecording()) {
    if (result !== undefined) {
      span.setAttributes({
        'risk.event_id': result.eventId,
        'risk.decision': result.decision,
        'risk.score': result.score,
        'risk.bundle_version': result.bundleVersion,
        'risk.model_version': result.modelVersion,
        'risk.replayed': result.replayed,
        'risk.degraded': result.degraded.join(','),
      });
      const parent = trace.setSpan(ROOT_CONTEXT, span);
      let at = startedMs;
      for (const t of result.timings) {
        const end = at + t.micros / 1000;
        tracer.startSpan(`risk.stage.${t.stage}`, { startTime: at }, parent).end(end);
        at = end;
      }
    } else {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }
  span.end();
}
