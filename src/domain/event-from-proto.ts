import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { type DecideRequest, EventType, LoginMethod, PaymentChannel } from '../gen/risk/v1/risk_pb.js';
import type { FieldViolation } from './errors.js';
import { isLuhnValid } from './luhn.js';
import { canonical, type Tokenizer } from './tokenizer.js';
import type { AttributeType, EventType as DomainEventType, RiskEvent } from './types.js';

const MAX_ID = 128;
const MAX_TEXT = 512;
const MAX_ATTRIBUTES = 64;
const COUNTRY = /^[A-Z]{2}$/;
const CURRENCY = /^[A-Z]{3}$/;
const DIGITS = /^\d+$/;
const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_TIME = Date.UTC(2100, 0, 1);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const opt = (s: string): string | undefined => (s === '' ? undefined : s);

/** What the intake needs from the bundle being served. */
export interface IntakeOptions {
  /** Declared custom attributes with their types; a declared non-string one is parsed here. */
  readonly attributes?: ReadonlyMap<string, AttributeType>;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses one attribute's text as its declared type: a number is a decimal (no hex, no Infinity,
 * no empty text); a bool is true/false/1/0; a timestamp is RFC 3339 with a zone offset, or epoch
 * milliseconds as an integer. Returns the number (bools 1 or 0, timestamps epoch ms) or, when the
 * text is not of that type, the description of what it must be.
 */
export function parseAttribute(type: AttributeType, text: string): number | string {
  const v = text.trim();
  switch (type) {
    case 'number': {
      const n = NUMBER.test(v) ? Number(v) : Number.NaN;
      return Number.isFinite(n) ? n : 'must be a decimal number';
    }
    case 'bool':
      if (v === 'true' || v === '1') return 1;
      if (v === 'false' || v === '0') return 0;
      return 'must be true, false, 1 or 0';
    case 'timestamp': {
      const ms = /^\d{1,15}$/.test(v) ? Number(v) : RFC3339.test(v) ? Date.parse(v) : Number.NaN;
      return ms >= MIN_TIME && ms < MAX_TIME
        ? ms
        : 'must be an RFC 3339 time with a zone, or epoch milliseconds, between 2000 and 2100';
    }
    default:
      return 'is declared with no numeric type';
  }
}

/**
 * Validates a decoded request and turns it into the domain event, tokenising PAN, email and phone
 * on the way (the raw values go no further). Both transports call this after decoding, so one
 * set of rules applies to REST and gRPC alike. Paths use proto field names (snake_case).
 */
export function eventFromProto(
  req: DecideRequest,
  tokenizer: Tokenizer,
  options: IntakeOptions = {},
): { value: RiskEvent } | { errors: FieldViolation[] } {
  const errors: FieldViolation[] = [];
  const bad = (field: string, description: string) => errors.push({ field, description });
  const ev = req.event;
  if (ev === undefined) return { errors: [{ field: 'event', description: 'is required' }] };

  const text = (field: string, v: string, max = MAX_TEXT): string | undefined => {
    if (v.length > max) bad(field, `must be at most ${max} characters`);
    return opt(v);
  };
  const country = (field: string, v: string): string | undefined => {
    if (v !== '' && !COUNTRY.test(v)) bad(field, 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. DE');
    return opt(v);
  };

  if (ev.eventId === '') bad('event.event_id', 'is required');
  else if (ev.eventId.length > MAX_ID) bad('event.event_id', `must be at most ${MAX_ID} characters`);
  if (ev.type === EventType.EVENT_TYPE_UNSPECIFIED) bad('event.type', 'is required');
  const type = EventType[ev.type] as DomainEventType | undefined;
  if (type === undefined) bad('event.type', `unknown value ${ev.type}`);

  let occurredAtMs: number | undefined;
  if (ev.occurredAt !== undefined) {
    occurredAtMs = Number(ev.occurredAt.seconds) * 1000 + Math.floor(ev.occurredAt.nanos / 1e6);
    if (!(occurredAtMs >= MIN_TIME && occurredAtMs < MAX_TIME))
      bad('event.occurred_at', 'must be between 2000 and 2100');
  }

  const a = ev.account;
  // Every event has the same object shapes (absent parts are undefined, not missing), so the
  // stages that read it see one hidden class per object instead of one per combination.
  let account: RiskEvent['account'] = {
    id: undefined,
    emailToken: undefined,
    emailDomain: undefined,
    phoneToken: undefined,
    createdAtMs: undefined,
  };
  if (a !== undefined) {
    let emailToken: string | undefined;
    let emailDomain: string | undefined;
    if (a.email !== '') {
      const email = canonical.email(a.email);
      const at = email.lastIndexOf('@');
      if (email.length > 254 || at < 1 || at === email.length - 1)
        bad('event.account.email', 'is not an email address');
      else {
        emailToken = tokenizer.token('email', email);
        emailDomain = email.slice(at + 1);
      }
    }
    let phoneToken: string | undefined;
    if (a.phone !== '') {
      const phone = canonical.phone(a.phone);
      if (phone.replace('+', '').length < 6 || phone.length > 20)
        bad('event.account.phone', 'is not a phone number');
      else phoneToken = tokenizer.token('phone', phone);
    }
    let createdAtMs: number | undefined;
    if (a.createdAt !== undefined) {
      createdAtMs = Number(a.createdAt.seconds) * 1000 + Math.floor(a.createdAt.nanos / 1e6);
      if (!(createdAtMs >= Date.UTC(1970, 0, 1) && createdAtMs < MAX_TIME))
        bad('event.account.created_at', 'must be between 1970 and 2100');
    }
    account = {
      id: text('event.account.id', a.id, MAX_ID),
      emailToken,
      emailDomain,
      phoneToken,
      createdAtMs,
    };
  }

  let payment: RiskEvent['payment'];
  const p = ev.payment;
  if (p === undefined) {
    if (ev.type === EventType.PAYMENT || ev.type === EventType.PAYOUT || ev.type === EventType.REFUND) {
      bad('event.payment', `is required for ${type} events`);
    }
  } else {
    if (p.amountMinor < 0n || p.amountMinor > MAX_SAFE)
      bad('event.payment.amount_minor', 'must be between 0 and 2^53 - 1');
    if (p.currency !== '' && !CURRENCY.test(p.currency))
      bad('event.payment.currency', 'must be an ISO 4217 code in upper case, e.g. EUR');
    if (p.currency === '' && p.amountMinor > 0n)
      bad('event.payment.currency', 'is required when amount_minor is set');
    if (p.mcc !== '' && !/^\d{4}$/.test(p.mcc)) bad('event.payment.mcc', 'must be four digits');
    let cardToken: string | undefined;
    let bin: string | undefined;
    let last4: string | undefined;
    const c = p.card;
    if (c !== undefined) {
      if (c.number !== '') {
        const pan = canonical.card(c.number);
        if (!DIGITS.test(pan) || pan.length < 12 || pan.length > 19)
          bad('event.payment.card.number', 'must be 12 to 19 digits');
        else if (!isLuhnValid(pan)) bad('event.payment.card.number', 'fails the Luhn check');
        else {
          cardToken = tokenizer.token('card', pan);
          bin = pan.slice(0, 6);
          last4 = pan.slice(-4);
        }
      } else {
        cardToken = text('event.payment.card.token', c.token, MAX_ID);
      }
      if (c.bin !== '') {
        if (!DIGITS.test(c.bin) || c.bin.length < 6 || c.bin.length > 8)
          bad('event.payment.card.bin', 'must be 6 to 8 digits');
        else bin = c.bin.slice(0, 6);
      }
      if (c.last4 !== '') {
        if (!/^\d{4}$/.test(c.last4)) bad('event.payment.card.last4', 'must be four digits');
        else last4 = c.last4;
      }
      if (c.expMonth !== 0 && (c.expMonth < 1 || c.expMonth > 12))
        bad('event.payment.card.exp_month', 'must be 1 to 12');
    }
    payment = {
      amountMinor: Number(p.amountMinor),
      currency: opt(p.currency),
      cardToken,
      bin,
      last4,
      cardCountry: c === undefined ? undefined : country('event.payment.card.country', c.country),
      cardBrand: c === undefined ? undefined : text('event.payment.card.brand', c.brand, 32),
      merchantId: text('event.payment.merchant_id', p.merchantId, MAX_ID),
      mcc: opt(p.mcc),
      payoutDestination: text('event.payment.payout_destination', p.payoutDestination, MAX_ID),
      channel:
        p.channel === PaymentChannel.PAYMENT_CHANNEL_UNSPECIFIED ? undefined : PaymentChannel[p.channel],
    };
  }

  let login: RiskEvent['login'];
  if (ev.login !== undefined) {
    login = {
      success: ev.login.success,
      method:
        ev.login.method === LoginMethod.LOGIN_METHOD_UNSPECIFIED ? undefined : LoginMethod[ev.login.method],
      failureReason: text('event.login.failure_reason', ev.login.failureReason, 64),
    };
  } else if (ev.type === EventType.LOGIN) {
    bad('event.login', 'is required for LOGIN events');
  }

  const n = ev.network;
  let ip: string | undefined;
  let ipPrefix: string | undefined;
  if (n !== undefined && n.ip !== '') {
    if (isIPv4(n.ip)) {
      // Strict dotted quad (net.isIPv4 rejects shorthand and leading zeros), so it is canonical.
      ip = n.ip;
      ipPrefix = `${n.ip.slice(0, n.ip.lastIndexOf('.'))}.0/24`;
    } else if (ipaddr.IPv6.isValid(n.ip)) {
      const addr = ipaddr.IPv6.parse(n.ip);
      ip = addr.toString();
      ipPrefix = `${addr.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
    } else {
      bad('event.network.ip', 'is not an IPv4 or IPv6 address');
    }
  }
  const network: RiskEvent['network'] = {
    ip,
    ipPrefix,
    userAgent: n === undefined ? undefined : text('event.network.user_agent', n.userAgent, 1024),
    ipCountry: n === undefined ? undefined : country('event.network.ip_country', n.ipCountry),
    asn: n === undefined ? undefined : text('event.network.asn', n.asn, 32),
    isProxy: n?.isProxy ?? false,
  };

  const d = ev.device;
  if (d !== undefined && (Number.isNaN(d.confidence) || d.confidence < 0 || d.confidence > 1)) {
    bad('event.device.confidence', 'must be between 0 and 1');
  }
  const device: RiskEvent['device'] = {
    id: d === undefined ? undefined : text('event.device.id', d.id, MAX_ID),
    confidence: d === undefined || d.id === '' ? undefined : d.confidence,
    emulator: d?.emulator ?? false,
    rooted: d?.rooted ?? false,
    bot: d?.bot ?? false,
    incognito: d?.incognito ?? false,
    timezone: d === undefined ? undefined : text('event.device.timezone', d.timezone, 64),
    language: d === undefined ? undefined : text('event.device.language', d.language, 35),
    os: d === undefined ? undefined : text('event.device.os', d.os, 64),
  };

  const keys = Object.keys(ev.attributes);
  if (keys.length > MAX_ATTRIBUTES) bad('event.attributes', `must have at most ${MAX_ATTRIBUTES} entries`);
  for (const k of keys) {
    if (k.length > 64) bad(`event.attributes.${k.slice(0, 16)}…`, 'key must be at most 64 characters');
    else if ((ev.attributes[k] as string).length > MAX_TEXT)
      bad(`event.attributes.${k}`, `must be at most ${MAX_TEXT} characters`);
  }
  let typed: Record<string, number> | undefined;
  const declared = options.attributes;
  if (declared !== undefined && declared.size > 0 && keys.length > 0) {
    for (const [name, type] of declared) {
      if (type === 'string' || !Object.hasOwn(ev.attributes, name)) continue;
      const v = parseAttribute(type, ev.attributes[name] as string);
      if (typeof v === 'string') bad(`event.attributes.${name}`, v);
      else {
        typed ??= {};
        typed[name] = v;
      }
    }
  }

  if (errors.length > 0) return { errors };
  return {
    value: {
      eventId: ev.eventId,
      type: type as DomainEventType,
      occurredAtMs,
      account,
      payment,
      login,
      network,
      device,
      attributes: ev.attributes,
      // Always present (undefined when none) so every event has one shape.
      typed,
    },
  };
}
