import type { AttributeType, RiskEvent } from '../domain/index.js';
import { toUsd } from './fx.js';

/** A field read as text: entity keys, distinct values, list matches, string comparisons. */
export interface TextField {
  readonly type: 'string';
  /** The value, or undefined when the event does not carry it. */
  readonly get: (e: RiskEvent) => string | undefined;
}

/** A field read as a number: metric values and numeric comparisons. Bools are 1 or 0, timestamps epoch ms. */
export interface NumberField {
  readonly type: 'number' | 'bool' | 'timestamp';
  /** The value, NaN when the event does not carry it. */
  readonly get: (e: RiskEvent) => number;
}

/** One typed field of an event. */
export type Field = TextField | NumberField;

const text = (get: (e: RiskEvent) => string | undefined): TextField => ({ type: 'string', get });
const num = (get: (e: RiskEvent) => number, type: NumberField['type'] = 'number'): NumberField => ({
  type,
  get,
});
const flag = (b: boolean): number => (b ? 1 : 0);

/**
 * The one table of event fields, by the name bundles use for them: entity keys, distinct counts and
 * metric values in the features section, list kinds and the string fields of rules all resolve
 * here (custom attributes through `attr.<name>`, see resolveField). Numeric fields the rules compare
 * are features (feature-plan.ts) and read from the feature vector instead.
 */
export const EVENT_FIELDS: Readonly<Record<string, Field>> = {
  type: text((e) => e.type),
  'event.id': text((e) => e.eventId),
  'user.id': text((e) => e.account.id),
  email: text((e) => e.account.emailToken),
  'email.domain': text((e) => e.account.emailDomain),
  phone: text((e) => e.account.phoneToken),
  currency: text((e) => e.payment?.currency),
  'card.token': text((e) => e.payment?.cardToken),
  'card.bin': text((e) => e.payment?.bin),
  'card.last4': text((e) => e.payment?.last4),
  'card.country': text((e) => e.payment?.cardCountry),
  'card.brand': text((e) => e.payment?.cardBrand),
  'merchant.id': text((e) => e.payment?.merchantId),
  mcc: text((e) => e.payment?.mcc),
  channel: text((e) => e.payment?.channel),
  'payout.destination': text((e) => e.payment?.payoutDestination),
  'login.method': text((e) => e.login?.method),
  'login.failure_reason': text((e) => e.login?.failureReason),
  ip: text((e) => e.network.ip),
  'ip.prefix': text((e) => e.network.ipPrefix),
  'ip.country': text((e) => e.network.ipCountry),
  'ip.asn': text((e) => e.network.asn),
  'device.id': text((e) => e.device.id),
  'device.timezone': text((e) => e.device.timezone),
  'device.language': text((e) => e.device.language),
  'device.os': text((e) => e.device.os),
  user_agent: text((e) => e.network.userAgent),
  amount_usd: num((e) =>
    e.payment === undefined ? Number.NaN : toUsd(e.payment.amountMinor, e.payment.currency),
  ),
  /** USD in cents, the unit the default bundle's `sum_usd` metrics (and the model trained on them) use. */
  amount_usd_cents: num((e) =>
    e.payment === undefined ? Number.NaN : toUsd(e.payment.amountMinor, e.payment.currency) * 100,
  ),
  amount_minor: num((e) => (e.payment === undefined ? Number.NaN : e.payment.amountMinor)),
  'login.failed': num((e) => (e.login === undefined ? Number.NaN : flag(!e.login.success)), 'bool'),
  'device.confidence': num((e) => e.device.confidence ?? Number.NaN),
  'device.emulator': num((e) => flag(e.device.emulator), 'bool'),
  'device.rooted': num((e) => flag(e.device.rooted), 'bool'),
  'ip.proxy': num((e) => flag(e.network.isProxy), 'bool'),
  'account.created_at': num((e) => e.account.createdAtMs ?? Number.NaN, 'timestamp'),
  occurred_at: num((e) => e.occurredAtMs ?? Number.NaN, 'timestamp'),
};

/**
 * Resolves a field name: an event field, or `attr.<name>` for a custom attribute. A declared
 * attribute has its declared type (non-string ones read the value parsed at the edge); an
 * undeclared one is text, as sent. Undefined when there is no such field.
 */
export function resolveField(
  name: string,
  attributes: ReadonlyMap<string, AttributeType> = new Map(),
): Field | undefined {
  if (name.startsWith('attr.') && name.length > 5) {
    const key = name.slice(5);
    const type = attributes.get(key) ?? 'string';
    // Own keys only: `attr.constructor` of an event without that attribute is missing, not
    // Object.prototype.constructor.
    if (type === 'string')
      return text((e) => (Object.hasOwn(e.attributes, key) ? e.attributes[key] : undefined));
    return num((e) => {
      const t = e.typed;
      return t !== undefined && Object.hasOwn(t, key) ? (t[key] as number) : Number.NaN;
    }, type);
  }
  return Object.hasOwn(EVENT_FIELDS, name) ? EVENT_FIELDS[name] : undefined;
}

/** Reads one field of an event as text; undefined when absent. */
export type StringField = (e: RiskEvent) => string | undefined;

/** Resolves a text field by name (see resolveField); undefined when there is none or it is numeric. */
export function stringField(
  name: string,
  attributes?: ReadonlyMap<string, AttributeType>,
): StringField | undefined {
  const f = resolveField(name, attributes);
  return f?.type === 'string' ? f.get : undefined;
}
