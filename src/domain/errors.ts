/** gRPC status codes used by the catalogue (numeric, so the core does not import grpc-js). */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
  PERMISSION_DENIED: 7,
} as const;

/** Catalogue entry: a stable code with its default message and status on each transport. */
export interface ErrorSpec {
  readonly message: string;
  readonly http: number;
  readonly grpc: number;
}

/**
 * The one error catalogue. Codes are stable API: callers branch on them. docs/errors.md lists the
 * same codes and a test keeps the two in step.
 */
export const ERRORS = {
  RISK_ERR_INPUT_INVALID: { message: 'request is invalid', http: 400, grpc: GrpcCode.INVALID_ARGUMENT },
  RISK_ERR_INPUT_MALFORMED: {
    message: 'request body is not valid JSON or protobuf',
    http: 400,
    grpc: GrpcCode.INVALID_ARGUMENT,
  },
  RISK_ERR_INPUT_TOO_LARGE: {
    message: 'request body is larger than the limit',
    http: 400,
    grpc: GrpcCode.INVALID_ARGUMENT,
  },
  RISK_ERR_INPUT_MEDIA_TYPE: {
    message: 'content-type must be application/json',
    http: 415,
    grpc: GrpcCode.INVALID_ARGUMENT,
  },
  RISK_ERR_IDEMPOTENCY_CONFLICT: {
    message: 'event_id was already decided with different content',
    http: 409,
    grpc: GrpcCode.ALREADY_EXISTS,
  },
  RISK_ERR_DEADLINE_EXCEEDED: {
    message: 'deadline exceeded before a decision',
    http: 504,
    grpc: GrpcCode.DEADLINE_EXCEEDED,
  },
  RISK_ERR_OVERLOADED: {
    message: 'too many requests in flight; retry with backoff',
    http: 503,
    grpc: GrpcCode.RESOURCE_EXHAUSTED,
  },
  RISK_ERR_NOT_READY: { message: 'service is not ready', http: 503, grpc: GrpcCode.UNAVAILABLE },
  RISK_ERR_NOT_FOUND: { message: 'no such route', http: 404, grpc: GrpcCode.UNIMPLEMENTED },
  RISK_ERR_UNAUTHENTICATED: {
    message: 'an API key is required',
    http: 401,
    grpc: GrpcCode.UNAUTHENTICATED,
  },
  RISK_ERR_PERMISSION_DENIED: {
    message: 'this key may not call this endpoint',
    http: 403,
    grpc: GrpcCode.PERMISSION_DENIED,
  },
  RISK_ERR_BUNDLE_INVALID: {
    message: 'bundle rejected; the serving bundle is unchanged',
    http: 422,
    grpc: GrpcCode.FAILED_PRECONDITION,
  },
  RISK_ERR_UNKNOWN_RESOURCE: { message: 'no such resource', http: 404, grpc: GrpcCode.NOT_FOUND },
  RISK_ERR_NO_DECISION_LOG: {
    message: 'outcomes are recorded in the decision log, which is off (RISK_DECISION_LOG=off)',
    http: 409,
    grpc: GrpcCode.FAILED_PRECONDITION,
  },
  RISK_ERR_STORE_UNAVAILABLE: {
    message: 'the bundle store is unavailable; nothing changed',
    http: 503,
    grpc: GrpcCode.UNAVAILABLE,
  },
  RISK_ERR_REVIEW_CONFLICT: {
    message: 'the review case is held by another analyst, not claimed by you, or already resolved',
    http: 409,
    grpc: GrpcCode.FAILED_PRECONDITION,
  },
  RISK_ERR_INTERNAL: { message: 'internal error', http: 500, grpc: GrpcCode.INTERNAL },
} as const satisfies Record<string, ErrorSpec>;

/** A catalogued error code. */
export type ErrorCode = keyof typeof ERRORS;

/** One problem with one field of the request, named by its path (e.g. event.payment.amountMinor). */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/** The only error type that crosses the core/transport boundary. */
export class RiskError extends Error {
  override readonly name = 'RiskError';
  readonly code: ErrorCode;
  readonly violations: readonly FieldViolation[];

  constructor(
    code: ErrorCode,
    message?: string,
    violations: readonly FieldViolation[] = [],
    options?: ErrorOptions,
  ) {
    super(message ?? ERRORS[code].message, options);
    this.code = code;
    this.violations = violations;
  }

  /** HTTP status for this error. */
  get httpStatus(): number {
    return ERRORS[this.code].http;
  }

  /** gRPC status code for this error. */
  get grpcStatus(): number {
    return ERRORS[this.code].grpc;
  }

  /** Converts anything thrown into a catalogued error; unknown causes become RISK_ERR_INTERNAL. */
  static from(err: unknown): RiskError {
    if (err instanceof RiskError) return err;
    return new RiskError('RISK_ERR_INTERNAL', undefined, [], { cause: err });
  }

  /** Builds an input error from field violations, naming the first in the message. */
  static invalid(violations: readonly FieldViolation[]): RiskError {
    const first = violations[0];
    const message = first ? `${first.field}: ${first.description}` : ERRORS.RISK_ERR_INPUT_INVALID.message;
    return new RiskError('RISK_ERR_INPUT_INVALID', message, violations);
  }
}
