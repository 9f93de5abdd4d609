import { toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, file_google_protobuf_timestamp } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { RiskError } from '../domain/index.js';
import { CodecError } from '../gen/codec-runtime.js';
import {
  decideRequestFromBinary,
  decideRequestToBinary,
  decideResponseFromBinary,
  decideResponseToBinary,
} from '../gen/risk/v1/risk_codec.js';
import { type DecideRequest, type DecideResponse, file_risk_v1_risk } from '../gen/risk/v1/risk_pb.js';
import { loggedUnary } from './access-log.js';
import type { DecisionGate } from './decision-gate.js';
import { decisionToProto } from './decision-wire.js';
import { deniedCall, grpcStatusOf } from './grpc-call.js';
import { reportOutcomeMethod } from './grpc-outcome.js';
import { healthWatches } from './health-watches.js';
import type { Metrics } from './metrics.js';
import type { OutcomeDesk } from './outcome-desk.js';
import { grpcServerOptions } from './server-options.js';

/** What the gRPC server needs. */
export interface GrpcDeps {
  readonly gate: DecisionGate;
  readonly metrics: Metrics;
  readonly maxBodyBytes: number;
  readonly maxConcurrentStreams: number;
  readonly log: { error(obj: unknown, msg: string): void; info(obj: unknown, msg: string): void };
  /** One access-log line per call (RISK_ACCESS_LOG). */
  readonly accessLog?: boolean;
  /** Where ReportOutcome records outcomes (the same desk as POST /v1/outcomes). */
  readonly outcomes?: OutcomeDesk;
  /** Checks a call's key (authorization, x-api-key metadata); returns the error to answer, or undefined. */
  readonly authorize?: (
    authorization: string | undefined,
    apiKey: string | undefined,
  ) => RiskError | undefined;
}

/** The gRPC server plus the health service, whose status follows readiness. */
export interface GrpcService {
  readonly server: grpc.Server;
  readonly health: HealthImplementation;
  /** Ends the open health Watch streams, which would otherwise hold a shutdown open. */
  endHealthWatches(): void;
}

/** A request that could not be decoded; the handler turns it into INVALID_ARGUMENT. */
type Decoded = { ok: true; msg: DecideRequest } | { ok: false; error: RiskError };

const SERVICE = 'risk.v1.DecisionService';

/**
 * Builds the gRPC server (not bound): risk.v1.DecisionService/Decide on the shared core, plus
 * grpc.health.v1 and server reflection so grpcurl and ghz work without the .proto files.
 * Decoding never throws inside grpc-js: a bad or oversized message becomes INVALID_ARGUMENT.
 */
export function buildGrpc(deps: GrpcDeps): GrpcService {
  const { gate, metrics, maxBodyBytes } = deps;
  const server = new grpc.Server(
    grpcServerOptions({ maxBodyBytes, grpcMaxConcurrentStreams: deps.maxConcurrentStreams }),
  );

  const definition: grpc.ServiceDefinition = {
    Decide: {
      path: `/${SERVICE}/Decide`,
      requestStream: false,
      responseStream: false,
      originalName: 'decide',
      requestSerialize: (m: DecideRequest) => Buffer.from(decideRequestToBinary(m)),
      requestDeserialize: (b: Buffer): Decoded => {
        if (b.length > maxBodyBytes) {
          return {
            ok: false,
            error: new RiskError(
              'RISK_ERR_INPUT_TOO_LARGE',
              `request message is larger than the limit of ${maxBodyBytes} bytes`,
            ),
          };
        }
        try {
          return { ok: true, msg: decideRequestFromBinary(b) };
        } catch (err) {
          return { ok: false, error: undecodable(err) };
        }
      },
      responseSerialize: (m: DecideResponse) => {
        const bytes = decideResponseToBinary(m);
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      },
      responseDeserialize: (b: Buffer) => decideResponseFromBinary(b),
    },
  };

  const decide: grpc.handleUnaryCall<Decoded, DecideResponse> = (call, callback) => {
    const fail = (e: RiskError) => {
      if (e.code === 'RISK_ERR_INTERNAL') deps.log.error({ err: e.cause ?? e }, 'unhandled error');
      metrics.request('grpc', e.code);
      callback(grpcStatusOf(e));
    };
    const req = call.request;
    if (!req.ok) return fail(req.error);
    const denied = deniedCall(call.metadata, deps.authorize);
    if (denied !== undefined) return fail(denied);
    const d = call.getDeadline();
    const deadlineMs = d instanceof Date ? d.getTime() : Number.isFinite(d) ? d : undefined;
    const tp = call.metadata.get('traceparent')[0];
    const ts = call.metadata.get('tracestate')[0];
    const carrier = {
      traceparent: typeof tp === 'string' ? tp : undefined,
      tracestate: typeof ts === 'string' ? ts : undefined,
    };
    gate.decide(req.msg, deadlineMs, undefined, undefined, { transport: 'grpc', carrier }).then(
      (r) => {
        metrics.request('grpc', 'OK');
        callback(null, decisionToProto(r));
      },
      (err: unknown) => fail(RiskError.from(err)),
    );
  };
  const handlers: grpc.UntypedServiceImplementation = { Decide: decide as grpc.UntypedHandleCall };
  if (deps.outcomes !== undefined) {
    const failOutcome = (cb: grpc.sendUnaryData<never>, e: RiskError) => {
      if (e.code === 'RISK_ERR_INTERNAL') deps.log.error({ err: e.cause ?? e }, 'unhandled error');
      cb(grpcStatusOf(e));
    };
    const m = reportOutcomeMethod(SERVICE, deps.outcomes, failOutcome, deps.authorize);
    (definition as Record<string, grpc.MethodDefinition<unknown, unknown>>).ReportOutcome =
      m.definition as grpc.MethodDefinition<unknown, unknown>;
    handlers.ReportOutcome = m.handler as grpc.UntypedHandleCall;
  }
  if (deps.accessLog === true)
    for (const [name, h] of Object.entries(handlers))
      handlers[name] = loggedUnary(
        name,
        h as grpc.handleUnaryCall<unknown, unknown>,
        deps.log,
      ) as grpc.UntypedHandleCall;
  server.addService(definition, handlers);

  const health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE]: 'NOT_SERVING' });
  const watches = healthWatches(server);
  health.addToServer(watches.server);

  const fileBytes = [file_google_protobuf_timestamp, file_risk_v1_risk].map((f) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)),
  );
  const healthPkg = loadSync(healthProtoPath);
  const pkg = {
    ...healthPkg,
    [SERVICE]: { fileDescriptorProtos: fileBytes },
  } as unknown as ConstructorParameters<typeof ReflectionService>[0];
  new ReflectionService(pkg).addToServer(server);
  return { server, health, endHealthWatches: watches.endAll };
}

/**
 * A request the generated decoder refused (truncated, bad tag or varint, invalid UTF-8...): the
 * catalogued RISK_ERR_INPUT_MALFORMED ("not a DecideRequest"), with the field path in proto names.
 */
function undecodable(err: unknown): RiskError {
  const e = err instanceof CodecError ? err : new CodecError('', String(err));
  const violations = [{ field: e.path || 'request', description: e.reason }];
  return new RiskError(
    'RISK_ERR_INPUT_MALFORMED',
    `request is not a valid risk.v1.DecideRequest: ${e.message}`,
    violations,
    {
      cause: err,
    },
  );
}

/** Binds the server; resolves with the bound port (useful with port 0 in tests). */
export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}
