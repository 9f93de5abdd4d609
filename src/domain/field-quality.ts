import type { RiskEvent } from './types.js';

/**
 * One field of one event as data quality sees it. `present`: the caller sent it; `valid`: sent and
 * usable. The edge already rejects malformed values (an IP that does not parse, a country that is not
 * two capitals), so `valid` catches what passes the syntax but carries no signal: a private or
 * loopback IP (the caller's proxy, not the customer), a placeholder device id, an unassigned country.
 */
export interface FieldCheck {
  readonly field: string;
  readonly present: boolean;
  readonly valid: boolean;
}

/** The fields every event is checked on, in report order (attributes follow, as `attributes.<name>`). */
export const QUALITY_FIELDS = [
  'device.id',
  'network.ip',
  'payment.card.country',
  'account.email',
  'account.phone',
] as const;

/**
 * Whether an address (as the edge keeps it: a dotted quad, or IPv6 in its compressed lower-case form)
 * can be a customer's: not private, loopback, link-local, CGNAT, unspecified or multicast. Plain
 * arithmetic: node:net's BlockList costs about 7 µs a check, more than a report's whole record.
 */
function isPublicIp(ip: string): boolean {
  if (ip.includes(':')) {
    const h = ip.toLowerCase();
    if (h === '::' || h === '::1') return false;
    const first = h.startsWith('::') ? 0 : Number.parseInt(h.slice(0, h.indexOf(':')), 16);
    // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast.
    return (first & 0xfe00) !== 0xfc00 && (first & 0xffc0) !== 0xfe80 && (first & 0xff00) !== 0xff00;
  }
  const dot = ip.indexOf('.');
  const a = Number(ip.slice(0, dot));
  const b = Number(ip.slice(dot + 1, ip.indexOf('.', dot + 1)));
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  return !(a === 192 && b === 168);
}

// Device ids an SDK sends when it has none.
const PLACEHOLDER = /^(?:unknown|undefined|null|none|n\/a|na|-|0+|(?:0+-){4}0+)$/i;
// ISO 3166-1 user-assigned codes some integrations send for "unknown".
const NO_COUNTRY = new Set(['XX', 'ZZ', 'AA', 'QM', 'QZ']);

/**
 * The data-quality checks of one tokenised event, one entry per field that applies to it: the
 * QUALITY_FIELDS (`payment.card.country` only on events with a payment) and every attribute the event
 * carries. Shared by the risk report (over the decision log) and live data-quality metrics, so both
 * count the same fields the same way (docs/reports.md "Data quality").
 */
export function fieldQuality(event: RiskEvent): FieldCheck[] {
  const out: FieldCheck[] = [];
  const device = event.device.id;
  out.push({
    field: 'device.id',
    present: device !== undefined && device !== '',
    valid: device !== undefined && device !== '' && !PLACEHOLDER.test(device.trim()),
  });
  const ip = event.network.ip;
  out.push({
    field: 'network.ip',
    present: ip !== undefined,
    valid: ip !== undefined && isPublicIp(ip),
  });
  if (event.payment !== undefined) {
    const c = event.payment.cardCountry;
    out.push({
      field: 'payment.card.country',
      present: c !== undefined,
      valid: c !== undefined && /^[A-Z]{2}$/.test(c) && !NO_COUNTRY.has(c),
    });
  }
  const domain = event.account.emailDomain;
  out.push({
    field: 'account.email',
    present: event.account.emailToken !== undefined,
    // The edge keeps the domain of a well-formed address: one with a dot and no empty label is deliverable in form.
    valid:
      event.account.emailToken !== undefined && domain !== undefined && /^[^.]+(?:\.[^.]+)+$/.test(domain),
  });
  // The edge tokenises a phone only when its canonical form has 6 to 20 digits.
  const phone = event.account.phoneToken !== undefined;
  out.push({ field: 'account.phone', present: phone, valid: phone });
  for (const [name, value] of Object.entries(event.attributes)) {
    const present = value !== '';
    out.push({ field: `attributes.${name}`, present, valid: present && value.trim() !== '' });
  }
  return out;
}

/**
 * The source dimension data quality is grouped by: the event type, which fixes the integration that
 * sends it (the payment gateway, the login service, ...) and so the fields it can fill.
 */
export function qualitySource(event: RiskEvent): string {
  return event.type;
}
