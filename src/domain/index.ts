// The domain layer: what every other layer may use. Nothing here imports a stage, the engine or an adapter.

/** Injected time source and a manual clock for tests and replays. */
export { type Clock, createManualClock, type ManualClock, systemClock } from './clock.js';
/** The error catalogue: stable codes with HTTP and gRPC statuses. */
export {
  ERRORS,
  type ErrorCode,
  type ErrorSpec,
  type FieldViolation,
  GrpcCode,
  RiskError,
} from './errors.js';
/** Intake: a decoded DecideRequest to a validated, tokenised RiskEvent, or the field violations. */
export { eventFromProto, type IntakeOptions, parseAttribute } from './event-from-proto.js';
/** Data-quality checks of one tokenised event (present / valid per field), shared by reports and live metrics. */
export { type FieldCheck, fieldQuality, QUALITY_FIELDS, qualitySource } from './field-quality.js';
/** 64-bit structural hash of a tokenised event, the idempotency fingerprint. */
export { fingerprint } from './fingerprint.js';
/** Seeded 53-bit string hash (no allocation). */
export { hash53 } from './hash53.js';
/** RFC 3339 text of epoch milliseconds, cheap for many times within one second. */
export { createIsoFormatter, type IsoFormatter } from './iso-time.js';
/** Luhn check digits for PAN validation and simulated cards. */
export { isLuhnValid, luhnCheckDigit } from './luhn.js';
/** Typed-array open-addressing table of 53-bit keys. */
export { createNumberTable, NUMBER_TABLE_MAX, type NumberTable } from './number-table.js';
/** Outcomes reported after a decision (chargebacks, review verdicts, ...), validated at the edge. */
export {
  FRAUD_OUTCOMES,
  OUTCOME_TYPES,
  type OutcomeReport,
  type OutcomeType,
  parseOutcome,
} from './outcome.js';
/** What "well formed" means per field for data quality: device ids, IPs, countries, email domains, user agents, text. */
export {
  isPlaceholder,
  validCountry,
  validDeviceId,
  validEmailDomain,
  validIp,
  validText,
  validUserAgent,
} from './quality-checks.js';
/** Keyed HMAC tokens for PAN, email and phone, and the canonical forms they are taken over. */
export { canonical, createTokenizer, type Tokenizer } from './tokenizer.js';
/** The domain types: one event in, one decision out. */
export type {
  Action,
  AttributeType,
  DecisionResult,
  EventType,
  Reason,
  ReasonSource,
  RiskEvent,
  StageTiming,
  TimeBasis,
} from './types.js';
