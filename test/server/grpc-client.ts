import { createRequire } from 'node:module';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  type DecideRequest,
  DecideRequestSchema,
  type DecideResponse,
  DecideResponseSchema,
} from '../../src/gen/risk/v1/risk_pb.js';

/** A plain grpc-js client for Decide built from the generated descriptors (as a caller with the proto would). */
export function decideClient(
  port: number,
  channelOptions: grpc.ChannelOptions = {},
): {
  decide(
    req: DecideRequest,
    options?: { deadline?: Date; raw?: Buffer; metadata?: Record<string, string> },
  ): Promise<DecideResponse>;
  close(): void;
} {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), channelOptions);
  return {
    decide(req, options = {}) {
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          '/risk.v1.DecisionService/Decide',
          (m: DecideRequest) => options.raw ?? Buffer.from(toBinary(DecideRequestSchema, m)),
          (b: Buffer) => fromBinary(DecideResponseSchema, b),
          req,
          (() => {
            const md = new grpc.Metadata();
            for (const [k, v] of Object.entries(options.metadata ?? {})) md.set(k, v);
            return md;
          })(),
          options.deadline ? { deadline: options.deadline } : {},
          (err, res) => (err ? reject(err) : resolve(res as DecideResponse)),
        );
      });
    },
    close: () => client.close(),
  };
}

const require = createRequire(import.meta.url);

/** A grpc.health.v1 client (from grpc-health-check's .proto, as a probe would use it). */
export function healthClient(port: number): {
  check(service: string): Promise<string>;
  /** Opens a Watch: the statuses it streams, and how it ended (gRPC status code). */
  watch(service: string): { statuses: string[]; ended: Promise<number> };
  close(): void;
} {
  const def = loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto'), { enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } } };
  };
  const client = new pkg.grpc.health.v1.Health(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as grpc.Client & {
    check(
      req: { service: string },
      options: grpc.CallOptions,
      cb: (e: grpc.ServiceError | null, r: { status: string }) => void,
    ): void;
    watch(req: { service: string }): grpc.ClientReadableStream<{ status: string }>;
  };
  return {
    check: (service) =>
      new Promise((resolve, reject) =>
        client.check({ service }, { deadline: Date.now() + 2000 }, (e, r) =>
          e ? reject(e) : resolve(r.status),
        ),
      ),
    watch(service) {
      const statuses: string[] = [];
      const stream = client.watch({ service });
      stream.on('data', (m: { status: string }) => statuses.push(m.status));
      const ended = new Promise<number>((resolve) => {
        stream.on('status', (st: grpc.StatusObject) => resolve(st.code));
        stream.on('error', () => {});
      });
      return { statuses, ended };
    },
    close: () => client.close(),
  };
}
