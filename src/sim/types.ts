/**
 * Proto3 JSON shapes of risk.v1 messages as the simulator writes them (camelCase names, enum names,
 * RFC 3339 timestamps, int64 as a JSON number), plus the labelled record and simulator options.
 * The JSON shapes are type aliases (not interfaces) so they are assignable to protobuf's JsonValue.
 */

import type { EventType } from '../domain/index.js';

/** risk.v1.EventType names (the domain's event types). */
export type EventTypeName = EventType;

/** risk.v1.PaymentChannel names. */
export type PaymentChannelName = 'ECOMMERCE' | 'IN_APP' | 'CARD_PRESENT' | 'MOTO' | 'RECURRING';

/** risk.v1.LoginMethod names. */
export type LoginMethodName = 'PASSWORD' | 'OTP' | 'MAGIC_LINK' | 'SSO' | 'PASSKEY' | 'SESSION_REFRESH';

/** JSON form of risk.v1.Account. */
export type AccountJson = {
  id: string;
  email?: string;
  phone?: string;
  createdAt?: string;
};

/** JSON form of risk.v1.Card. */
export type CardJson = {
  number?: string;
  token?: string;
  bin?: string;
  last4?: string;
  country?: string;
  brand?: string;
  expMonth?: number;
  expYear?: number;
};

/** JSON form of risk.v1.Payment. */
export type PaymentJson = {
  amountMinor?: number;
  currency?: string;
  card?: CardJson;
  merchantId?: string;
  mcc?: string;
  payoutDestination?: string;
  channel?: PaymentChannelName;
};

/** JSON form of risk.v1.Login. */
export type LoginJson = {
  success?: boolean;
  method?: LoginMethodName;
  failureReason?: string;
};

/** JSON form of risk.v1.Network. */
export type NetworkJson = {
  ip?: string;
  userAgent?: string;
  ipCountry?: string;
  asn?: string;
  isProxy?: boolean;
};

/** JSON form of risk.v1.Device. */
export type DeviceJson = {
  id?: string;
  confidence?: number;
  emulator?: boolean;
  rooted?: boolean;
  bot?: boolean;
  incognito?: boolean;
  timezone?: string;
  language?: string;
  os?: string;
};

/** JSON form of risk.v1.Event. */
export type EventJson = {
  eventId: string;
  type: EventTypeName;
  occurredAt: string;
  account?: AccountJson;
  payment?: PaymentJson;
  login?: LoginJson;
  network?: NetworkJson;
  device?: DeviceJson;
  attributes?: Record<string, string>;
};

/** JSON form of risk.v1.DecideRequest. */
export type DecideRequestJson = {
  event: EventJson;
};

/** Scenario names: legit traffic and the five labelled fraud patterns. */
export type Scenario =
  | 'legit'
  | 'card_testing'
  | 'stolen_card'
  | 'account_takeover'
  | 'multi_accounting'
  | 'mule_cashout';

/** The five fraud scenarios. */
export type FraudScenario = Exclude<Scenario, 'legit'>;

/** All fraud scenario names, in a fixed order. */
export const FRAUD_SCENARIOS: readonly FraudScenario[] = [
  'card_testing',
  'stolen_card',
  'account_takeover',
  'multi_accounting',
  'mule_cashout',
];

/** One output record: the label, the scenario that produced it and the request to send. */
export type LabelledRecord = {
  label: 0 | 1;
  scenario: Scenario;
  request: DecideRequestJson;
};

/** A generated event: the record plus bookkeeping that is not written to the NDJSON output. */
export type LabelledEvent = LabelledRecord & {
  /** Event time in epoch milliseconds (same instant as request.event.occurredAt). */
  at: number;
  /** Fraud incident id (e.g. `card_testing-3`), shared by every event of one attack; undefined for legit. */
  incident: string | undefined;
};

/** Relative share of fraud events per scenario (weights need not sum to 1). */
export type ScenarioMix = Partial<Record<FraudScenario, number>>;

/** Options of a simulation run; everything but the seed has a default. */
export interface SimulatorOptions {
  /** PRNG seed (unsigned 32-bit); same seed and options give identical output. Default 1. */
  seed?: number;
  /** Number of legitimate users in the population. Default 2000. */
  users?: number;
  /** Simulated clock start, epoch ms or a Date / RFC 3339 string. Default 2026-11-01T00:00:00Z. */
  start?: number | string | Date;
  /** Simulated duration in ms; events stop at start + duration. Default: unbounded. */
  durationMs?: number;
  /** Approximate fraction of all events that are fraud, in [0, 1). Default 0.02. */
  fraudRate?: number;
  /** Share of fraud events per scenario. Default {@link DEFAULT_MIX}. */
  mix?: ScenarioMix;
}

/** Default share of fraud events per scenario. */
export const DEFAULT_MIX: Readonly<Record<FraudScenario, number>> = {
  card_testing: 0.3,
  stolen_card: 0.25,
  account_takeover: 0.2,
  multi_accounting: 0.15,
  mule_cashout: 0.1,
};
