import type { ChannelOptions } from '@grpc/grpc-js';
import { type FastifyServerOptions, LogController } from 'fastify';
import { LOG_REDACT } from './access-log.js';
import type { Config } from './config.js';

/** fastify options of the REST server (the benchmark's empty endpoint uses the same). */
export function httpServerOptions(
  config: Config,
  logger?: FastifyServerOptions['logger'],
): FastifyServerOptions {
  return {
    logger: logger ?? { level: config.logLevel, redact: LOG_REDACT },
    bodyLimit: config.maxBodyBytes,
    // One log line per decision would cost more than the decision; /metrics counts them instead.
    logController: new LogController({ disableRequestLogging: true }),
    // While closing, fastify would answer every request on a kept-alive connection with its own
    // 503 body. Serve them instead: fastify marks those responses `Connection: close`, so each client
    // leaves after its answer (src/server/drain.ts marks the ones already in flight).
    return503OnClosing: false,
    // A "__proto__" (or "constructor": {"prototype"}) key stays an ordinary own property instead of
    // failing as "not valid JSON": the schema and the generated decoder then name the field
    // (event.__proto__ is not a field; event.attributes.__proto__ is refused as a map key). Nothing
    // copies the body with Object.assign, the one way such a key could reach a prototype.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: false,
        allowUnionTypes: true,
      },
    },
  };
}

/** grpc-js server options: explicit message-size, stream and keepalive limits. */
export function grpcServerOptions(
  config: Pick<Config, 'maxBodyBytes' | 'grpcMaxConcurrentStreams'>,
): ChannelOptions {
  return {
    // grpc-js itself would answer RESOURCE_EXHAUSTED past its limit; keep it above ours so an
    // oversized request gets the catalogued INVALID_ARGUMENT, while still bounding memory.
    'grpc.max_receive_message_length': config.maxBodyBytes * 4,
    'grpc.max_send_message_length': 1 << 20,
    'grpc.max_concurrent_streams': config.grpcMaxConcurrentStreams,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  };
}
