import type { RiskEvent } from '../domain/index.js';
import { toUsd } from './fx.js';
import { timezoneCountry } from './timezone-country.js';

const DAY_MS = 86_400_000;
const TYPES = ['PAYMENT', 'LOGIN', 'SIGNUP', 'PASSWORD_CHANGE', 'PAYOUT', 'PAYOUT_METHOD_ADD'] as const;

const bool = (b: boolean): number => (b ? 1 : 0);
const mismatch = (a: string | undefined, b: string | undefined): number =>
  a === undefined || b === undefined ? Number.NaN : bool(a !== b);

/** Features read from the event itself (no state), in the order writeEventFeatures writes them. */
export const EVENT_FEATURE_NAMES: readonly string[] = [
  'amount_usd',
  'amount_minor',
  'account.age_days',
  'card.country_mismatch_ip',
  'device.tz_mismatch_ip',
  'device.confidence',
  'device.emulator',
  'device.rooted',
  'device.bot',
  'device.incognito',
  'device.missing',
  'ip.proxy',
  'login.failed',
  'hour_utc',
  ...TYPES.map((t) => `type.${t.toLowerCase()}`),
];

/** Writes the event's own features, as seen at time `t`, into `out` from `offset`; NaN marks missing. */
export function writeEventFeatures(e: RiskEvent, t: number, out: Float64Array, offset: number): void {
  let o = offset;
  const p = e.payment;
  out[o++] = p === undefined ? Number.NaN : toUsd(p.amountMinor, p.currency);
  out[o++] = p === undefined ? Number.NaN : p.amountMinor;
  out[o++] =
    e.account.createdAtMs === undefined ? Number.NaN : Math.max(0, (t - e.account.createdAtMs) / DAY_MS);
  out[o++] = mismatch(p?.cardCountry, e.network.ipCountry);
  out[o++] = mismatch(timezoneCountry(e.device.timezone), e.network.ipCountry);
  out[o++] = e.device.confidence ?? Number.NaN;
  out[o++] = bool(e.device.emulator);
  out[o++] = bool(e.device.rooted);
  out[o++] = bool(e.device.bot);
  out[o++] = bool(e.device.incognito);
  out[o++] = bool(e.device.id === undefined);
  out[o++] = bool(e.network.isProxy);
  out[o++] = e.login === undefined ? Number.NaN : bool(!e.login.success);
  out[o++] = Math.floor((t % DAY_MS) / 3_600_000);
  for (const t of TYPES) out[o++] = bool(e.type === t);
}
