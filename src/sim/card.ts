import { isLuhnValid, luhnCheckDigit } from '../domain/index.js';
import type { CardBrand } from './geo.js';
import type { Rng } from './rng.js';

export { isLuhnValid, luhnCheckDigit };

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
