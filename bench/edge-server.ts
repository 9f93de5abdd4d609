/**
 * "Edge" server: the real service (src/server/app.ts: the same REST and gRPC transports, request
 * schema, decoders, validation, HMAC tokenisation, load shedding and metrics) whose engine answers a
 * constant ALLOW without deciding. Between the empty endpoint and the real service it splits the
 * cost of a request in two: what the edge costs (edge − empty) and what the decision core costs
 * (real − edge). Started by bench/run.ts like the real service (same runtime, env and CPU pinning).
 *
 * What the core does and the edge skips: counters (read and commit), lists, device checks, model,
 * rules, the replay fingerprint and record, the decision id. The edge's response is the same JSON
 * or protobuf message shape with no reasons, encoded by the transport's own serialiser.
 */
import { bindGrpc, buildService, loadConfig } from '../src/server/index.js';
import { constantEngine } from './constant-engine.js';

const config = loadConfig();
const service = await buildService(config, { wrapEngine: constantEngine });
await service.http.listen({ host: config.host, port: config.httpPort });
await bindGrpc(service.grpc.server, config.host, config.grpcPort);
service.setReady(true);

const stop = () => {
  service.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
