/**
 * Approximate USD value of one major unit, and the minor-unit exponent, per ISO 4217 code.
 * Velocity sums need one currency; a later bundle can carry live rates.
 */
const RATES: Readonly<Record<string, readonly [usdPerUnit: number, exponent: number]>> = {
  USD: [1, 2],
  EUR: [1.08, 2],
  GBP: [1.27, 2],
  CHF: [1.12, 2],
  CAD: [0.73, 2],
  AUD: [0.66, 2],
  NZD: [0.6, 2],
  JPY: [0.0066, 0],
  KRW: [0.00074, 0],
  CNY: [0.14, 2],
  INR: [0.012, 2],
  BRL: [0.18, 2],
  MXN: [0.055, 2],
  SEK: [0.095, 2],
  NOK: [0.093, 2],
  DKK: [0.145, 2],
  PLN: [0.25, 2],
  CZK: [0.043, 2],
  HUF: [0.0027, 2],
  RON: [0.22, 2],
  TRY: [0.03, 2],
  ZAR: [0.055, 2],
  NGN: [0.00065, 2],
  SGD: [0.74, 2],
  HKD: [0.128, 2],
  AED: [0.27, 2],
  BHD: [2.65, 3],
  KWD: [3.25, 3],
};

/** Converts an amount in minor units of `currency` to US dollars; NaN for an unknown currency. */
export function toUsd(amountMinor: number, currency: string | undefined): number {
  const r = RATES[currency ?? 'USD'];
  if (r === undefined) return Number.NaN;
  return (amountMinor / 10 ** r[1]) * r[0];
}

/** Whether the currency is one the service can convert. */
export function isKnownCurrency(code: string): boolean {
  return RATES[code] !== undefined;
}

/** Converts an amount in major units of `currency` (`500 EUR` in a rule) to US dollars; NaN for an unknown currency. */
export function majorToUsd(amount: number, currency: string): number {
  const r = RATES[currency];
  return r === undefined ? Number.NaN : amount * r[0];
}
