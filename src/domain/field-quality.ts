import { validCountry, validDeviceId, validEmailDomain, validIp, validText } from './quality-checks.js';
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
 * The data-quality checks of one tokenised event, one entry per field that applies to it: the
 * QUALITY_FIELDS (`payment.card.country` only on events with a payment) and every attribute the event
 * carries. Shared by the risk report (over the decision log) and live data-quality metrics, so both
 * judge each field by the same checks (src/domain/quality-checks.ts; docs/reports.md "Data quality").
 */
export function fieldQuality(event: RiskEvent): FieldCheck[] {
  const out: FieldCheck[] = [];
  const device = event.device.id;
  out.push({
    field: 'device.id',
    present: device !== undefined && device !== '',
    valid: device !== undefined && device !== '' && validDeviceId(device),
  });
  const ip = event.network.ip;
  out.push({
    field: 'network.ip',
    present: ip !== undefined,
    valid: ip !== undefined && validIp(ip),
  });
  if (event.payment !== undefined) {
    const c = event.payment.cardCountry;
    out.push({
      field: 'payment.card.country',
      present: c !== undefined,
      valid: c !== undefined && validCountry(c),
    });
  }
  const domain = event.account.emailDomain;
  out.push({
    field: 'account.email',
    present: event.account.emailToken !== undefined,
    valid: event.account.emailToken !== undefined && validEmailDomain(domain),
  });
  // The edge tokenises a phone only when its canonical form has 6 to 20 digits.
  const phone = event.account.phoneToken !== undefined;
  out.push({ field: 'account.phone', present: phone, valid: phone });
  for (const [name, value] of Object.entries(event.attributes)) {
    const present = value !== '';
    out.push({
      field: `attributes.${name}`,
      present,
      valid: present && value.trim() !== '' && validText(value),
    });
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
