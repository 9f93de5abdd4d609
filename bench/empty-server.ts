/**
 * "Empty endpoint" baseline: the same frameworks, options and request decoding as the real service
 * (src/server/app.ts, rest.ts, grpc.ts) but a handler that does no work, so real/empty is the cost
 * of deciding. Started by bench/run.ts like the real service (same runtime, env and CPU pinning):
 *
 *   POST /v1/decisions                   fastify parses the JSON body, answers a constant JSON
 *   /risk.v1.DecisionService/Decide      decodes the DecideRequest with the service's own decoder,
 *                                        answers an empty DecideResponse with its own encoder
 *   GET  /readyz                         200 once both servers listen
 *   GET  /bench/counts                   requests answered, by transport and outcome
 */
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import Fastify from 'fastify';
import {
  decideRequestFromBinary,
  decideRequestToBinary,
  decideResponseFromBinary,
  decideResponseToBinary,
} from '../src/gen/risk/v1/risk_codec.js';
import { type DecideRequest, type DecideResponse, DecideResponseSchema } from '../src/gen/risk/v1/risk_pb.js';
import { grpcServerOptions, httpServerOptions, loadConfig } from '../src/server/index.js';

/** Answers counted by the baseline, read by the bench to verify gRPC statuses. */
export interface EmptyCounts {
  rest: number;
  grpcOk: number;
  grpcError: number;
}

const config = loadConfig();
const counts: EmptyCounts = { rest: 0, grpcOk: 0, grpcError: 0 };

const http = Fastify(httpServerOptions(config));
const EMPTY_DECISION = { decision: 'ALLOW' } as const;
http.post('/v1/decisions', async () => {
  counts.rest++;
  return EMPTY_DECISION;
});
let ready = false;
http.get('/readyz', async (_req, reply) =>
  ready ? { status: 'ready' } : reply.code(503).send({ status: 'starting' }),
);
http.get('/bench/counts', async () => counts);

// Same options and codecs as buildGrpc in src/server/grpc.ts (copied: keep in step when those
// change). The service decodes requests with the generated reflection-free decoder, which is
// cheaper than fromBinary, so the baseline does too: a heavier baseline would flatter the ratio.
const server = new grpc.Server(grpcServerOptions(config));
type Decoded = DecideRequest | undefined;
const definition: grpc.ServiceDefinition = {
  Decide: {
    path: '/risk.v1.DecisionService/Decide',
    requestStream: false,
    responseStream: false,
    originalName: 'decide',
    requestSerialize: (m: DecideRequest) => Buffer.from(decideRequestToBinary(m)),
    requestDeserialize: (b: Buffer): Decoded => {
      try {
        return decideRequestFromBinary(b);
      } catch {
        return undefined;
      }
    },
    responseSerialize: (m: DecideResponse) => {
      const bytes = decideResponseToBinary(m);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    responseDeserialize: (b: Buffer) => decideResponseFromBinary(b),
  },
};
const EMPTY_RESPONSE = create(DecideResponseSchema);
const decide: grpc.handleUnaryCall<Decoded, DecideResponse> = (call, callback) => {
  if (call.request?.event === undefined) {
    counts.grpcError++;
    callback({ code: grpc.status.INVALID_ARGUMENT, details: 'not a DecideRequest with an event' });
    return;
  }
  counts.grpcOk++;
  callback(null, EMPTY_RESPONSE);
};
server.addService(definition, { Decide: decide as grpc.UntypedHandleCall });

await new Promise<number>((resolve, reject) => {
  server.bindAsync(
    `${config.host}:${config.grpcPort}`,
    grpc.ServerCredentials.createInsecure(),
    (err, port) => (err ? reject(err) : resolve(port)),
  );
});
await http.listen({ host: config.host, port: config.httpPort });
ready = true;

const stop = () => {
  ready = false;
  Promise.all([http.close(), new Promise<void>((resolve) => server.tryShutdown(() => resolve()))]).then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
