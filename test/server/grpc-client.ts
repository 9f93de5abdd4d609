import { fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  type DecideRequest,
  DecideRequestSchema,
  type DecideResponse,
  DecideResponseSchema,
} from '../../src/gen/risk/v1/risk_pb.js';

/** A plain grpc-js client for Decide built from the generated descriptors (as a caller with the proto would). */
export function decideClient(port: number): {
  decide(req: DecideRequest, options?: { deadline?: Date; raw?: Buffer }): Promise<DecideResponse>;
  close(): void;
} {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    decide(req, options = {}) {
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          '/risk.v1.DecisionService/Decide',
          (m: DecideRequest) => options.raw ?? Buffer.from(toBinary(DecideRequestSchema, m)),
          (b: Buffer) => fromBinary(DecideResponseSchema, b),
          req,
          new grpc.Metadata(),
          options.deadline ? { deadline: options.deadline } : {},
          (err, res) => (err ? reject(err) : resolve(res as DecideResponse)),
        );
      });
    },
    close: () => client.close(),
  };
}
