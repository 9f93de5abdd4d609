import { luhnCheckDigit } from '../src/core/luhn.js';

/** A valid-Luhn PAN of `length` digits starting with `bin`, the account number drawn from `digits`. */
export function panWithBin(bin: string, length: number, digits: (n: number) => string): string {
  const payload = bin + digits(length - bin.length - 1);
  return payload + luhnCheckDigit(payload);
}
