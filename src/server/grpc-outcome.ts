import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
import { parseOutcome, RiskError } from '../domain/index.js';
import { CodecError } from '../gen/codec-runtime.js';
import {
  reportOutcomeRequestFromBinary,
  reportOutcomeRequestToBinary,
  reportOutcomeResponseFromBinary,
  reportOutcomeResponseToBinary,
} from '../gen/risk/v1/risk_codec.js';
import {
  Decision,
  OutcomeType,
  type ReportOutcomeRequest,
  type ReportOutcomeResponse,
  ReportOutcomeResponseSchema,
} from '../gen/risk/v1/risk_pb.js';
import { deniedCall } from './grpc-call.js';
import type { OutcomeDesk } from './outcome-desk.js';

type Decoded = { ok: true; msg: ReportOutcomeRequest } | { ok: false; error: RiskError };

/** proto field names of the outcome's camelCase ones, for violations. */
const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The request as the edge validator reads it: proto3 defaults (empty, zero) are absent. */
function outcomeBody(m: ReportOutcomeRequest): Record<string, unknown> {
  // protoc-gen-es names the values without the OUTCOME_TYPE_ prefix: the domain's names.
  const type = m.type === OutcomeType.UNSPECIFIED ? undefined : OutcomeType[m.type];
  return {
    ...(m.decisionId !== '' ? { decisionId: m.decisionId } : {}),
    ...(m.eventId !== '' ? { eventId: m.eventId } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(m.amountMinor !== 0n ? { amountMinor: Number(m.amountMinor) } : {}),
    ...(m.currency !== '' ? { currency: m.currency } : {}),
    ...(m.reason !== '' ? { reason: m.reason } : {}),
    ...(m.occurredAt !== undefined ? { occurredAt: timestampDate(m.occurredAt).toISOString() } : {}),
    ...(m.reportedBy !== '' ? { reportedBy: m.reportedBy } : {}),
  };
}

/**
 * risk.v1.DecisionService/ReportOutcome: the gRPC twin of POST /v1/outcomes, on the same desk and
 * keys. A bad request is INVALID_ARGUMENT naming the proto field; an unknown decision NOT_FOUND.
 */
export function reportOutcomeMethod(
  service: string,
  desk: OutcomeDesk,
  fail: (callback: grpc.sendUnaryData<ReportOutcomeResponse>, e: RiskError) => void,
  authorize?: (authorization: string | undefined, apiKey: string | undefined) => RiskError | undefined,
): {
  definition: grpc.MethodDefinition<Decoded, ReportOutcomeResponse>;
  handler: grpc.handleUnaryCall<Decoded, ReportOutcomeResponse>;
} {
  return {
    definition: {
      path: `/${service}/ReportOutcome`,
      requestStream: false,
      responseStream: false,
      originalName: 'reportOutcome',
      requestSerialize: (m: Decoded) =>
        Buffer.from(reportOutcomeRequestToBinary((m as { msg: ReportOutcomeRequest }).msg)),
      requestDeserialize: (b: Buffer): Decoded => {
        try {
          return { ok: true, msg: reportOutcomeRequestFromBinary(b) };
        } catch (err) {
          return {
            ok: false,
            error: new RiskError(
              'RISK_ERR_INPUT_MALFORMED',
              err instanceof CodecError ? err.message : 'request is not a ReportOutcomeRequest',
            ),
          };
        }
      },
      responseSerialize: (m: ReportOutcomeResponse) => Buffer.from(reportOutcomeResponseToBinary(m)),
      responseDeserialize: (b: Buffer) => reportOutcomeResponseFromBinary(b),
    },
    handler: (call, callback) => {
      const req = call.request;
      if (!req.ok) return fail(callback, req.error);
      const denied = deniedCall(call.metadata, authorize);
      if (denied !== undefined) return fail(callback, denied);
      const parsed = parseOutcome(outcomeBody(req.msg));
      if ('errors' in parsed)
        return fail(
          callback,
          RiskError.invalid(
            parsed.errors.map((v) => ({ field: snake(v.field), description: v.description })),
          ),
        );
      desk.report(parsed.value).then(
        (r) =>
          callback(
            null,
            create(ReportOutcomeResponseSchema, {
              outcomeId: r.outcomeId,
              decisionId: r.decisionId,
              eventId: r.eventId,
              type: OutcomeType[r.type],
              decision: Decision[r.decision],
              recordedAt: timestampFromDate(new Date(r.at)),
            }),
          ),
        (err: unknown) => fail(callback, RiskError.from(err)),
      );
    },
  };
}
