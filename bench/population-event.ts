import type { RiskEvent } from '../src/domain/index.js';

/**
 * The synthetic population of the memory bench. User u has its own account, email, card, device,
 * IP and account|device pair (six entities); users share an IP /24 per 256 users, a BIN per
 * 1,000th, a merchant per 5,000th, and every eighth user pays out to its own destination. That is
 * ten entity kinds, most of them one per user as in real traffic, none a single hot key.
 */
const BINS = 1000;
const MERCHANTS = 5000;
const PAYOUT_EVERY = 8;
const PER_PREFIX = 256;

/** The one event of user `u` (any event of it touches the same entities). */
export function populationEvent(u: number, eventId: string, occurredAtMs: number): RiskEvent {
  const ip = `10.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}`;
  const payout = u % PAYOUT_EVERY === 0;
  return {
    eventId,
    type: payout ? 'PAYOUT' : 'PAYMENT',
    occurredAtMs,
    account: { id: `acct-${u}`, emailToken: `email-${u}`, emailDomain: 'example.com' },
    payment: {
      amountMinor: 1000 + (u % 50_000),
      currency: 'USD',
      cardToken: `card-${u}`,
      bin: String(400_000 + (u % BINS)),
      merchantId: `m-${u % MERCHANTS}`,
      ...(payout ? { payoutDestination: `payout-${u}` } : {}),
    },
    network: { ip, ipPrefix: `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`, ipCountry: 'US', isProxy: false },
    device: { id: `dev-${u}`, emulator: false, rooted: false, bot: false, incognito: false },
    attributes: {},
  };
}

/** Distinct entities the events of users 0 .. users-1 name, summed over the default entity kinds. */
export function populationEntities(users: number): number {
  if (users <= 0) return 0;
  return (
    6 * users +
    Math.ceil(users / PER_PREFIX) +
    Math.min(users, BINS) +
    Math.min(users, MERCHANTS) +
    Math.ceil(users / PAYOUT_EVERY)
  );
}

/** The fewest users whose events name at least `entities` distinct entities. */
export function usersForEntities(entities: number): number {
  let lo = 0;
  let hi = Math.max(1, entities);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (populationEntities(mid) >= entities) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
