import * as grpc from '@grpc/grpc-js';
import type { RiskError } from '../domain/index.js';

/**
 * A catalogued error as a gRPC status: the code in `details` and in `risk-error-code` metadata, and
 * up to ten field violations as `risk-field-violation` metadata.
 */
export function grpcStatusOf(e: RiskError): Partial<grpc.StatusObject> {
  const md = new grpc.Metadata();
  md.set('risk-error-code', e.code);
  for (const v of e.violations.slice(0, 10)) md.add('risk-field-violation', `${v.field}: ${v.description}`);
  return { code: e.grpcStatus, details: `${e.code}: ${e.message}`, metadata: md };
}

/** A call's key check (authorization or x-api-key metadata): the error to answer, or undefined. */
export function deniedCall(
  metadata: grpc.Metadata,
  authorize:
    | ((authorization: string | undefined, apiKey: string | undefined) => RiskError | undefined)
    | undefined,
): RiskError | undefined {
  if (authorize === undefined) return undefined;
  const auth = metadata.get('authorization')[0];
  const key = metadata.get('x-api-key')[0];
  return authorize(typeof auth === 'string' ? auth : undefined, typeof key === 'string' ? key : undefined);
}
