/** The Luhn check digit that completes `payload` (digits only, check digit excluded). */
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

/** A valid-Luhn PAN of `length` digits starting with `bin`, the account number drawn from `digits`. */
export function panWithBin(bin: string, length: number, digits: (n: number) => string): string {
  const payload = bin + digits(length - bin.length - 1);
  return payload + luhnCheckDigit(payload);
}
