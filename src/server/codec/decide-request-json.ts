import type { Timestamp } from '@bufbuild/protobuf/wkt';
import {
  type Account,
  type Card,
  type DecideRequest,
  type Device,
  type Event,
  type EventType,
  EventTypeSchema,
  type Login,
  type LoginMethod,
  LoginMethodSchema,
  type Network,
  type Payment,
  type PaymentChannel,
  PaymentChannelSchema,
} from '../../gen/risk/v1/risk_pb.js';
import {
  newAccount,
  newCard,
  newDevice,
  newEvent,
  newLogin,
  newNetwork,
  newPayment,
} from './zero-messages.js';

/** int64 as proto3 JSON writes it: no plus sign, spaces, exponent or leading zeros. */
const INT64_STRING = /^(0|-?[1-9]\d{0,15})$/;

/**
 * Fast path for the canonical proto3 JSON form of risk.v1.DecideRequest, the shape the REST
 * endpoint receives: camelCase keys, enums as names, int64 as a safe-integer JSON number or plain
 * decimal string, timestamps
 * as strict RFC 3339 strings, doubles as numbers, attributes as an object of strings.
 *
 * For such input it returns exactly what `fromJson(DecideRequestSchema, json)` returns (same fields,
 * same `$typeName`s, same presence). For anything else (snake_case keys, nulls, enum numbers or
 * unknown names, int64 strings with signs, spaces or leading zeros, unsafe or fractional integers, "NaN"/"Infinity", unknown keys,
 * wrong types, lone surrogates, timestamps outside the strict form or not a real calendar time)
 * it returns `undefined`, so the caller falls back to the reflective `fromJson`, which either accepts
 * the input or throws its usual, descriptive error. It never throws.
 */
export function decideRequestFromJson(json: unknown): DecideRequest | undefined {
  try {
    return readDecideRequest(json);
  } catch {
    // Only reachable with exotic objects (throwing getters, proxies): let fromJson deal with it.
    return undefined;
  }
}

type Obj = Record<string, unknown>;

interface WellFormed {
  isWellFormed(): boolean;
}

function enumNames<T extends number>(schema: { values: readonly { name: string; number: number }[] }) {
  const m = new Map<string, T>();
  for (const v of schema.values) m.set(v.name, v.number as T);
  return m;
}

const EVENT_TYPES = enumNames<EventType>(EventTypeSchema);
const PAYMENT_CHANNELS = enumNames<PaymentChannel>(PaymentChannelSchema);
const LOGIN_METHODS = enumNames<LoginMethod>(LoginMethodSchema);

/** A plain object as JSON.parse makes it (arrays, class instances and null excluded). */
function asObj(v: unknown): Obj | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null ? (v as Obj) : undefined;
}

/** A string fromJson accepts: well-formed UTF-16 (fromJson rejects lone surrogates). */
function isStr(v: unknown): v is string {
  return typeof v === 'string' && (v as unknown as WellFormed).isWellFormed();
}

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}

function isDouble(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function readDecideRequest(json: unknown): DecideRequest | undefined {
  const o = asObj(json);
  if (o === undefined) return undefined;
  const m: DecideRequest = { $typeName: 'risk.v1.DecideRequest' };
  for (const k in o) {
    if (k !== 'event') return undefined;
    const ev = readEvent(o[k]);
    if (ev === undefined) return undefined;
    m.event = ev;
  }
  return m;
}

function readEvent(json: unknown): Event | undefined {
  const o = asObj(json);
  if (o === undefined) return undefined;
  const m = newEvent();
  for (const k in o) {
    const v = o[k];
    switch (k) {
      case 'eventId':
        if (!isStr(v)) return undefined;
        m.eventId = v;
        break;
      case 'type': {
        const t = typeof v === 'string' ? EVENT_TYPES.get(v) : undefined;
        if (t === undefined) return undefined;
        m.type = t;
        break;
      }
      case 'occurredAt': {
        const t = readTimestamp(v);
        if (t === undefined) return undefined;
        m.occurredAt = t;
        break;
      }
      case 'account': {
        const a = readAccount(v);
        if (a === undefined) return undefined;
        m.account = a;
        break;
      }
      case 'payment': {
        const p = readPayment(v);
        if (p === undefined) return undefined;
        m.payment = p;
        break;
      }
      case 'login': {
        const l = readLogin(v);
        if (l === undefined) return undefined;
        m.login = l;
        break;
      }
      case 'network': {
        const n = readNetwork(v);
        if (n === undefined) return undefined;
        m.network = n;
        break;
      }
      case 'device': {
        const d = readDevice(v);
        if (d === undefined) return undefined;
        m.device = d;
        break;
      }
      case 'attributes': {
        const a = asObj(v);
        if (a === undefined) return undefined;
        const attrs = m.attributes;
        for (const key in a) {
          const s = a[key];
          // '__proto__' would hit the setter of a plain object: leave that oddity to fromJson.
          if (!isStr(s) || key === '__proto__' || !(key as unknown as WellFormed).isWellFormed()) {
            return undefined;
          }
          attrs[key] = s;
        }
        break;
      }
      default:
        return undefined;
    }
  }
  return m;
}

function readAccount(json: unknown): Account | undefined {
  const o = asObj(json);
  if (o === undefined) return undefined;
  const m = newAccount();
  for (const k in o) {
    const v = o[k];
    switch (k) {
      case 'id':
        if (!isStr(v)) return undefined;
        m.id = v;
        break;
      case 'email':
        if (!isStr(v)) return undefined;
        m.email = v;
        break;
      case 'phone':
        if (!isStr(v)) return undefined;
        m.phone = v;
        break;
      case 'createdAt': {
        const t = readTimestamp(v);
        if (t === undefined) return undefined;
        m.createdAt = t;
        break;
      }
      default:
        return undefined;
    }
  }
  return m;
}

function readPayment(json: unknown): Payment | undefined {
  const o = asObj(json);
  if (o === undefined) return undefined;
  const m = newPayment();
  for (const k in o) {
    const v = o[k];
    switch (k) {
      case 'amountMinor':
        // proto3 JSON writers (protobuf's own toJson included) emit int64 as a decimal string.
        if (typeof v === 'number') {
          if (!Number.isSafeInteger(v)) return undefined;
        } else if (typeof v !== 'string' || !INT64_STRING.test(v) || !Number.isSafeInteger(Number(v))) {
          return undefined;
        }
        m.amountMinor = BigInt(v);
        break;
      case 'currency':
        if (!isStr(v)) return undefined;
        m.currency = v;
        break;
      case 'card': {
        const c = readCard(v);
        if (c === undefined) return undefined;
        m.card = c;
        break;
      }
      case 'merchantId':
        if (!isStr(v)) return undefined;
        m.merchantId = v;
        break;
      case 'mcc':
        if (!isStr(v)) return undefined;
        m.mcc = v;
        break;
      case 'payoutDestination':
        if (!isStr(v)) return undefined;
        m.payoutDestination = v;
        break;
      case 'channel': {
        const c = typeof v === 'string' ? PAYMENT_CHANNELS.get(v) : undefined;
        if (c === undefined) return undefined;
        m.channel = c;
        break;
      }
      default:
        return undefined;
    }
  }
  return m;
}

function readCard(json: unknown): Card | undefined {
  const o = asObj(json);
  if (o === undefined) return undefined;
  const m = newCard();
  for (const k in o) {
    const v = o[k];
    switch (k) {
      case 'number':
        if (!isStr(v)) return undefined;
        m.number = v;
        break;
      case 'token':
        if (!isStr(v)) return undefined;
        m.token = v;
        break;
      case 'bin':
        if (!isStr(v)) return undefined;
        m.bin = v;
        break;
      case 'last4':
        if (!isStr(v)) return undefined;
        m.last4 = v;
        break;
      case 'country':
        if (!isStr(v)) return undefined;
        m.country = v;
        break;
      case 'brand':
        if (!isStr(v)) return undefined;
        m.brand = v;
        break;
      case 'expMonth':
        if (!isInt32(v)) return undefined;
        m.expMonth = v;
        break;
      case 'expYear':
        if (!isInt32(v)) return undefined;
        m.expYear = v;
        break;
      default:
        return undefined;
    }
  }
  return m;
}

function readLogin(json: unknown): Login | undefined {
  const o = asObj(json);
  if (o === undefined) return undefined;
  const m = newLogin();
  for (const k in o) {
    const v = o[k];
    switch (k) {
      case 'success':
        if (typeof v !== 'boolean') return undefined;
        m.success = v;
        break;
      case 'method': {
        const t = typeof v === 'string' ? LOGIN_METHODS.get(v) : undefined;
        if (t === undefined) return undefined;
        m.method = t;
        break;
      }
      case 'failureReason':
        if (!isStr(v)) return undefined;
        m.failureReason = v;
        break;
      default:
        return undefined;
    }
  }
  return m;
}

function readNetwork(json: unknown): Network | undefined {
  const o = asObj(json);
  if (o === undefined) return undefined;
  const m = newNetwork();
  for (const k in o) {
    const v = o[k];
    switch (k) {
      case 'ip':
        if (!isStr(v)) return undefined;
        m.ip = v;
        break;
      case 'userAgent':
        if (!isStr(v)) return undefined;
        m.userAgent = v;
        break;
      case 'ipCountry':
        if (!isStr(v)) return undefined;
        m.ipCountry = v;
        break;
      case 'asn':
        if (!isStr(v)) return undefined;
        m.asn = v;
        break;
      case 'isProxy':
        if (typeof v !== 'boolean') return undefined;
        m.isProxy = v;
        break;
      default:
        return undefined;
    }
  }
  return m;
}

function readDevice(json: unknown): Device | undefined {
  const o = asObj(json);
  if (o === undefined) return undefined;
  const m = newDevice();
  for (const k in o) {
    const v = o[k];
    switch (k) {
      case 'id':
        if (!isStr(v)) return undefined;
        m.id = v;
        break;
      case 'confidence':
        if (!isDouble(v)) return undefined;
        m.confidence = v;
        break;
      case 'emulator':
        if (typeof v !== 'boolean') return undefined;
        m.emulator = v;
        break;
      case 'rooted':
        if (typeof v !== 'boolean') return undefined;
        m.rooted = v;
        break;
      case 'bot':
        if (typeof v !== 'boolean') return undefined;
        m.bot = v;
        break;
      case 'incognito':
        if (typeof v !== 'boolean') return undefined;
        m.incognito = v;
        break;
      case 'timezone':
        if (!isStr(v)) return undefined;
        m.timezone = v;
        break;
      case 'language':
        if (!isStr(v)) return undefined;
        m.language = v;
        break;
      case 'os':
        if (!isStr(v)) return undefined;
        m.os = v;
        break;
      default:
        return undefined;
    }
  }
  return m;
}

/** Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range fromJson accepts. */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** Two ASCII digits at i as a number, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(year: number, m: number, d: number): number {
  const y = m <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` with every part a real calendar value, as fromJson's
 * Timestamp parser reads it. Lenient forms Date.parse would roll over (Feb 30, 24:00) fall back.
 */
function readTimestamp(v: unknown): Timestamp | undefined {
  if (typeof v !== 'string') return undefined;
  const n = v.length;
  if (n < 20 || n > 35) return undefined;
  if (
    v.charCodeAt(4) !== 45 ||
    v.charCodeAt(7) !== 45 ||
    v.charCodeAt(10) !== 84 ||
    v.charCodeAt(13) !== 58 ||
    v.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const y1 = d2(v, 0);
  const y2 = d2(v, 2);
  const month = d2(v, 5);
  const day = d2(v, 8);
  const hour = d2(v, 11);
  const minute = d2(v, 14);
  const second = d2(v, 17);
  if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const year = y1 * 100 + y2;
  if (day > daysInMonth(year, month)) return undefined;
  let i = 19;
  let nanos = 0;
  if (v.charCodeAt(i) === 46) {
    const start = ++i;
    for (let c = v.charCodeAt(i) - 48; c >= 0 && c <= 9; c = v.charCodeAt(++i) - 48) nanos = nanos * 10 + c;
    const digits = i - start;
    if (digits < 1 || digits > 9) return undefined;
    nanos *= POW10[9 - digits] as number;
  }
  let offset = 0;
  const z = v.charCodeAt(i);
  if (z === 90) {
    if (i + 1 !== n) return undefined;
  } else if (z === 43 || z === 45) {
    if (i + 6 !== n || v.charCodeAt(i + 3) !== 58) return undefined;
    const oh = d2(v, i + 1);
    const om = d2(v, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = (oh * 60 + om) * 60;
    if (z === 45) offset = -offset;
  } else {
    return undefined;
  }
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) return undefined;
  return { $typeName: 'google.protobuf.Timestamp', seconds: BigInt(seconds), nanos };
}
