import type { DescField, DescMessage } from '@bufbuild/protobuf';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FieldViolation, RiskError } from '../domain/index.js';
import { CodecError } from '../gen/codec-runtime.js';
import {
  decideRequestFromJson,
  decideRequestJsonSchema,
  decideResponseJsonSchema,
} from '../gen/risk/v1/risk_codec.js';
import { DecideRequestSchema } from '../gen/risk/v1/risk_pb.js';
import type { DecisionGate } from './decision-gate.js';
import { decisionToJson, freshDecisionBody } from './decision-wire.js';
import type { Metrics } from './metrics.js';

/** What the REST routes need. */
export interface RestDeps {
  readonly gate: DecisionGate;
  readonly metrics: Metrics;
  readonly ready: () => boolean;
  readonly defaultTimeoutMs: number;
  readonly bundleVersion: () => string;
  readonly maxBodyBytes: number;
  /** Checks a decision call's key (see decideAuthorizer); returns the error to answer, or undefined. */
  readonly authorize?: (
    authorization: string | undefined,
    apiKey: string | undefined,
  ) => RiskError | undefined;
}

const TIMEOUT_HEADER = 'x-risk-timeout-ms';
/** Query flag that asks for the feature values, like include_features in the body. */
const FEATURES_QUERY = 'features';
/** Query flag that asks for the model's feature contributions, like explain in the body. */
const EXPLAIN_QUERY = 'explain';

/**
 * Registers the REST API. POST /v1/decisions takes the proto3 JSON form of DecideRequest and is
 * validated by a schema derived from the same .proto as gRPC; every error leaves as a catalogued
 * code with the field path, never a 500 for a client mistake.
 */
export function registerRest(app: FastifyInstance, deps: RestDeps): void {
  const { gate, metrics } = deps;
  // JSON only: a text/plain body would otherwise reach validation as a string.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = fromFastifyError(err, deps.maxBodyBytes);
    if (e.code === 'RISK_ERR_INTERNAL') req.log.error({ err }, 'unhandled error');
    if (req.routeOptions.url === '/v1/decisions') metrics.request('rest', e.code);
    sendError(reply, e);
  });
  app.setNotFoundHandler((req, reply) => {
    sendError(reply, new RiskError('RISK_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  });

  app.post(
    '/v1/decisions',
    {
      schema: { body: decideRequestJsonSchema, response: { 200: decideResponseJsonSchema } },
      // Before the body is read: a caller without the right key learns nothing about validation.
      onRequest: keyCheck(deps.authorize),
    },
    async (req, reply) => {
      // The generated decoder reads every proto3 JSON form (names, enum numbers, int64 strings,
      // nulls...) without reflection, and names the field of anything the schema let through.
      const msg = decodeRequest(req.body);
      const hdr = req.headers[TIMEOUT_HEADER];
      let timeoutMs = deps.defaultTimeoutMs;
      if (hdr !== undefined) {
        timeoutMs = Number(hdr);
        if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
          throw RiskError.invalid([
            { field: `header ${TIMEOUT_HEADER}`, description: 'must be a positive number of milliseconds' },
          ]);
        }
      }
      // The flags first: a bad one is a 400 even when the body asks for the same.
      const includeFeatures = queryFlag(req.query, FEATURES_QUERY) || msg.includeFeatures;
      const explain = queryFlag(req.query, EXPLAIN_QUERY) || msg.explain;
      const carrier = {
        traceparent: headerText(req.headers.traceparent),
        tracestate: headerText(req.headers.tracestate),
      };
      const trace = { transport: 'rest' as const, carrier };
      const result = await gate
        .decide(msg, Date.now() + timeoutMs, includeFeatures, explain, trace)
        .catch((e: unknown) => {
          throw e instanceof RiskError ? restPaths(e) : e;
        });
      metrics.request('rest', 'OK');
      // A fresh decision's replay record is this response's JSON already: send it as it is (with the
      // features appended only when they were asked for).
      if (result.json !== undefined && !result.replayed)
        return reply
          .header('content-type', 'application/json; charset=utf-8')
          .send(freshDecisionBody(result.json, result.features));
      return reply.send(decisionToJson(result));
    },
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (!deps.ready()) return sendError(reply, new RiskError('RISK_ERR_NOT_READY'));
    return { status: 'ready', bundleVersion: deps.bundleVersion() };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

/** A `?features=` or `?explain=` query flag: true or false (absent is false); anything else is a 400. */
function queryFlag(query: unknown, name: string): boolean {
  const v = (query as Record<string, unknown> | undefined)?.[name];
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw RiskError.invalid([{ field: `query ${name}`, description: 'must be true or false' }]);
}

function sendError(reply: FastifyReply, e: RiskError): FastifyReply {
  return reply
    .code(e.httpStatus)
    .header('content-type', 'application/json; charset=utf-8')
    .send(
      JSON.stringify({
        code: e.code,
        message: e.message,
        ...(e.violations.length > 0 ? { violations: e.violations } : {}),
      }),
    );
}

/** Maps fastify's own errors (parsing, limits, schema validation) onto the catalogue. */
function fromFastifyError(err: FastifyError, maxBodyBytes: number): RiskError {
  // Already in REST terms: the decoder names JSON keys as sent, the route maps the gate's paths.
  if (err instanceof RiskError) return err;
  if (err.validation !== undefined) {
    const violations = err.validation.map((v) => ajvViolation(v as AjvError));
    return RiskError.invalid(violations);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RiskError(
        'RISK_ERR_INPUT_TOO_LARGE',
        `request body is larger than the limit of ${maxBodyBytes} bytes`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RiskError('RISK_ERR_INPUT_MEDIA_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new RiskError('RISK_ERR_INPUT_MALFORMED', 'request body is empty; send a JSON DecideRequest');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new RiskError('RISK_ERR_INPUT_MALFORMED', `request body is not valid JSON: ${err.message}`);
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return new RiskError('RISK_ERR_INPUT_MALFORMED', `request body is not valid JSON: ${err.message}`);
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new RiskError('RISK_ERR_INPUT_MALFORMED', err.message);
  }
  return RiskError.from(err);
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function ajvViolation(v: AjvError): FieldViolation {
  const path = v.instancePath.split('/').filter(Boolean).join('.');
  switch (v.keyword) {
    case 'additionalProperties':
      return {
        field: join(path, String(v.params.additionalProperty)),
        description: 'is not a field of this message',
      };
    case 'enum': {
      const allowed = (v.params.allowedValues as unknown[]).filter(
        (x) => typeof x === 'string' && !x.endsWith('_UNSPECIFIED'),
      );
      return { field: path, description: `must be one of ${allowed.join(', ')}` };
    }
    case 'type':
      return {
        field: path || 'body',
        description: `must be ${String(v.params.type).replaceAll(',', ' or ')}`,
      };
    case 'pattern':
      return {
        field: path,
        description:
          'has the wrong format' +
          (path.endsWith('At') || path.endsWith('_at') ? ' (RFC 3339 time expected)' : ''),
      };
    default:
      return { field: path || 'body', description: v.message ?? v.keyword };
  }
}

const join = (a: string, b: string) => (a === '' ? b : `${a}.${b}`);

/** Domain validation names proto fields (snake_case); REST callers send JSON names (camelCase). */
function restPaths(e: RiskError): RiskError {
  if (e.violations.length === 0 || e.code !== 'RISK_ERR_INPUT_INVALID') return e;
  const violations = e.violations.map((v) => ({
    field: v.field.startsWith('header ') ? v.field : jsonPath(v.field),
    description: v.description,
  }));
  return RiskError.invalid(violations);
}

/**
 * A proto field path in JSON names, following the descriptor: each segment that names a field
 * becomes its JSON name; a map key (the segment after a map field) and anything after it are kept
 * as they are (event.attributes.promo_code stays, event.event_id becomes event.eventId).
 */
function jsonPath(path: string): string {
  const parts = path.split('.');
  let desc: DescMessage | undefined = DecideRequestSchema;
  for (let i = 0; i < parts.length && desc !== undefined; i++) {
    const f: DescField | undefined = desc.fields.find((x) => x.name === parts[i]);
    if (f === undefined) break;
    parts[i] = f.jsonName;
    if (f.fieldKind === 'map') break;
    desc = f.message;
  }
  return parts.join('.');
}

/** The proto3 JSON body as a DecideRequest; a decoding error names the field (JSON path). */
function decodeRequest(body: unknown) {
  try {
    return decideRequestFromJson(body);
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    throw RiskError.invalid([{ field: err.path || 'body', description: err.reason }]);
  }
}

/** A header's text; undefined when absent or sent more than once. */
function headerText(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * The decide-key check of a REST route, as an onRequest hook: it runs before the body is read, so a
 * caller without the right key learns nothing about validation.
 */
export function keyCheck(
  authorize:
    | ((authorization: string | undefined, apiKey: string | undefined) => RiskError | undefined)
    | undefined,
): (req: FastifyRequest) => Promise<void> {
  return async (req) => {
    const key = req.headers['x-api-key'];
    const denied = authorize?.(req.headers.authorization, typeof key === 'string' ? key : undefined);
    if (denied !== undefined) throw denied;
  };
}
