/** Formats epoch milliseconds as RFC 3339 text exactly like Date#toISOString. */
export type IsoFormatter = (ms: number) => string;

/**
 * Creates a formatter that remembers the text of the last second it formatted: decisions arrive
 * many to a second, and appending the milliseconds to that prefix costs a tenth of
 * `new Date(ms).toISOString()` (a Date and a full format for every decision otherwise).
 */
export function createIsoFormatter(): IsoFormatter {
  let second = Number.NaN;
  let prefix = '';
  return (ms) => {
    const s = Math.floor(ms / 1000);
    if (s !== second) {
      const iso = new Date(s * 1000).toISOString();
      // Years outside 0000–9999 are written with a sign and six digits: not worth a fast path.
      if (iso.length !== 24) return new Date(ms).toISOString();
      second = s;
      prefix = iso.slice(0, 20);
    }
    const rest = ms - s * 1000;
    return `${prefix}${rest < 10 ? '00' : rest < 100 ? '0' : ''}${rest}Z`;
  };
}
