import type { RiskEvent } from '../domain/index.js';

/** A bounded distinct-count of another field per entity (e.g. accounts per device). */
export interface DistinctSpec {
  /** Feature name suffix, e.g. "accounts" gives device.accounts_24h. */
  readonly name: string;
  readonly of: (e: RiskEvent) => string | undefined;
  /** At most this many values are kept; the oldest is evicted (Stripe caps at 25). */
  readonly cap: number;
  /** Window label the distinct count is read over; must be one of the store's windows. */
  readonly window: string;
}

/** An entity whose events are counted: a key expression over the event plus distinct counts. */
export interface EntitySpec {
  readonly name: string;
  readonly key: (e: RiskEvent) => string | undefined;
  readonly distinct: readonly DistinctSpec[];
}

const user = (e: RiskEvent) => e.account.id;
const card = (e: RiskEvent) => e.payment?.cardToken;
const device = (e: RiskEvent) => e.device.id;
const ipCountry = (e: RiskEvent) => e.network.ipCountry;

/** The entities the default bundle counts. */
export const DEFAULT_ENTITIES: readonly EntitySpec[] = [
  {
    name: 'user',
    key: user,
    distinct: [
      { name: 'devices', of: device, cap: 25, window: '24h' },
      { name: 'cards', of: card, cap: 25, window: '24h' },
      { name: 'ip_countries', of: ipCountry, cap: 25, window: '24h' },
    ],
  },
  {
    name: 'card',
    key: card,
    distinct: [
      { name: 'devices', of: device, cap: 25, window: '24h' },
      { name: 'accounts', of: user, cap: 25, window: '24h' },
      { name: 'ip_countries', of: ipCountry, cap: 25, window: '24h' },
    ],
  },
  {
    name: 'device',
    key: device,
    distinct: [
      { name: 'accounts', of: user, cap: 25, window: '24h' },
      { name: 'cards', of: card, cap: 25, window: '24h' },
    ],
  },
  {
    name: 'ip',
    key: (e) => e.network.ip,
    distinct: [
      { name: 'accounts', of: user, cap: 25, window: '24h' },
      { name: 'cards', of: card, cap: 25, window: '1h' },
    ],
  },
  {
    name: 'ip_prefix',
    key: (e) => e.network.ipPrefix,
    distinct: [{ name: 'cards', of: card, cap: 25, window: '1h' }],
  },
  { name: 'email', key: (e) => e.account.emailToken, distinct: [] },
  { name: 'bin', key: (e) => e.payment?.bin, distinct: [{ name: 'cards', of: card, cap: 25, window: '1h' }] },
  {
    name: 'merchant',
    key: (e) => e.payment?.merchantId,
    distinct: [{ name: 'cards', of: card, cap: 25, window: '1h' }],
  },
  {
    name: 'user_device',
    key: (e) =>
      e.account.id !== undefined && e.device.id !== undefined ? `${e.account.id}|${e.device.id}` : undefined,
    distinct: [],
  },
  {
    name: 'payout_dest',
    key: (e) => e.payment?.payoutDestination,
    distinct: [{ name: 'accounts', of: user, cap: 25, window: '24h' }],
  },
];
