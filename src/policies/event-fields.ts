import type { RiskEvent } from '../domain/index.js';

/** Reads one string field of an event; undefined when absent. */
export type StringField = (e: RiskEvent) => string | undefined;

/** String fields rules may name; `attr.<name>` reads custom attributes. Numeric ones are features. */
export const STRING_FIELDS: Readonly<Record<string, StringField>> = {
  type: (e) => e.type,
  'event.id': (e) => e.eventId,
  'user.id': (e) => e.account.id,
  email: (e) => e.account.emailToken,
  'email.domain': (e) => e.account.emailDomain,
  phone: (e) => e.account.phoneToken,
  currency: (e) => e.payment?.currency,
  'card.token': (e) => e.payment?.cardToken,
  'card.bin': (e) => e.payment?.bin,
  'card.last4': (e) => e.payment?.last4,
  'card.country': (e) => e.payment?.cardCountry,
  'card.brand': (e) => e.payment?.cardBrand,
  'merchant.id': (e) => e.payment?.merchantId,
  mcc: (e) => e.payment?.mcc,
  channel: (e) => e.payment?.channel,
  'payout.destination': (e) => e.payment?.payoutDestination,
  'login.method': (e) => e.login?.method,
  'login.failure_reason': (e) => e.login?.failureReason,
  ip: (e) => e.network.ip,
  'ip.prefix': (e) => e.network.ipPrefix,
  'ip.country': (e) => e.network.ipCountry,
  'ip.asn': (e) => e.network.asn,
  'device.id': (e) => e.device.id,
  'device.timezone': (e) => e.device.timezone,
  'device.language': (e) => e.device.language,
  'device.os': (e) => e.device.os,
  user_agent: (e) => e.network.userAgent,
};

/** Resolves a string field name, including `attr.<name>`; undefined when there is no such field. */
export function stringField(name: string): StringField | undefined {
  if (name.startsWith('attr.') && name.length > 5) {
    const key = name.slice(5);
    // Own keys only: `attr.constructor` of an event without that attribute is missing, not
    // Object.prototype.constructor.
    return (e) => (Object.hasOwn(e.attributes, key) ? e.attributes[key] : undefined);
  }
  return Object.hasOwn(STRING_FIELDS, name) ? STRING_FIELDS[name] : undefined;
}
