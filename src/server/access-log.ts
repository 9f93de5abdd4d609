import type * as grpc from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';

/**
 * Header values the logger never writes, whatever logs a request: keys. Bodies are never logged
 * (decisions carry card numbers, emails and phones before the edge tokenises them).
 */
export const LOG_REDACT = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'];

/**
 * The REST access log (RISK_ACCESS_LOG=1): one structured line per response, `msg: "access"`, with
 * the method, the route (its pattern, so no ids or query strings), the status and the time. No
 * body, header, address or query reaches it: nothing personal.
 */
export function registerAccessLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      {
        transport: 'http',
        method: req.method,
        route: req.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 1000) / 1000,
      },
      'access',
    );
  });
}

/** The gRPC access log: wraps a unary handler to write one line per call (method, status code, time). */
export function loggedUnary<Req, Res>(
  method: string,
  handler: grpc.handleUnaryCall<Req, Res>,
  log: { info(obj: unknown, msg: string): void },
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const t0 = performance.now();
    handler(call, (err, value, trailer, flags) => {
      log.info(
        {
          transport: 'grpc',
          method,
          code: err == null ? 0 : (err.code ?? 2),
          ms: Math.round((performance.now() - t0) * 1000) / 1000,
        },
        'access',
      );
      callback(err, value, trailer, flags);
    });
  };
}
