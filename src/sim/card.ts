import type { CardBrand } from './geo.js';
import type { Rng } from './rng.js';

/** The Luhn check digit that completes `payload` (all digits, without the check digit). */
export function luhnCheckDigit(payload: string): string {
  let sum = 0;
  let double = true;
  for (let i = payload.length - 1; i >= 0; i--) {
    let d = payload.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

/** True when `pan` is 12–19 digits and passes the Luhn check. */
export function isLuhnValid(pan: string): boolean {
  if (!/^\d{12,19}$/.test(pan)) return false;
  return luhnCheckDigit(pan.slice(0, -1)) === pan.slice(-1);
}

/** PAN length for a brand (Amex 15, others 16). */
export function panLength(brand: CardBrand): number {
  return brand === 'amex' ? 15 : 16;
}

/** A valid-Luhn PAN with the given BIN and a random account number. */
export function randomPan(rng: Rng, bin: string, length = 16): string {
  const payload = bin + rng.digits(length - bin.length - 1);
  return payload + luhnCheckDigit(payload);
}

/** A valid-Luhn PAN with the given BIN and account number `seq` (zero-padded), for BIN enumeration. */
export function sequentialPan(bin: string, seq: number, length = 16): string {
  const width = length - bin.length - 1;
  const acct = String(seq % 10 ** width).padStart(width, '0');
  const payload = bin + acct;
  return payload + luhnCheckDigit(payload);
}
