import type { UnknownField } from '@bufbuild/protobuf';
import { BinaryReader, getTextEncoding, type WireType } from '@bufbuild/protobuf/wire';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import type {
  Account,
  Card,
  DecideRequest,
  Device,
  Event,
  EventType,
  Login,
  LoginMethod,
  Network,
  Payment,
  PaymentChannel,
} from '../../gen/risk/v1/risk_pb.js';
import {
  newAccount,
  newCard,
  newDevice,
  newEvent,
  newLogin,
  newNetwork,
  newPayment,
  newTimestamp,
} from './zero-messages.js';

/**
 * Decodes the protobuf binary form of risk.v1.DecideRequest without reflection.
 *
 * It mirrors `fromBinary(DecideRequestSchema, bytes)` step for step, with the same BinaryReader
 * primitives, so the result is the same message (equals() and identical re-encoded bytes) and the
 * same input throws:
 * - repeated occurrences of a field: last one wins for scalars, message fields merge;
 * - map entries (attributes) with a missing key or value get ''; a later entry overwrites a key;
 * - unknown fields are kept in `$unknown` (with the same skip/recursion rules), so they re-encode;
 * - like fromBinary, the wire type of a known field is not checked: the declared type is read;
 * - strings are strictly validated UTF-8 (the field's utf8Validation), as fromBinary does;
 * - truncated or malformed input throws (premature EOF, invalid varint, illegal tag...).
 */
export function decideRequestFromBinary(bytes: Uint8Array): DecideRequest {
  const r = new BinaryReader(bytes);
  const m: DecideRequest = { $typeName: 'risk.v1.DecideRequest' };
  readDecideRequest(r, bytes, bytes.byteLength, m);
  return m;
}

const decodeUtf8 = getTextEncoding().decodeUtf8;

/** Message nesting depths as fromBinary counts them (its recursion budget for skipped groups). */
const DEPTH_REQUEST = 1;
const DEPTH_EVENT = 2;
const DEPTH_CHILD = 3;
const DEPTH_GRANDCHILD = 4;
const RECURSION_LIMIT = 100;

/** BinaryReader.tag() without the tuple: returns the raw tag (fieldNo << 3 | wireType). */
function readTag(r: BinaryReader, buf: Uint8Array): number {
  const start = r.pos;
  const tag = r.uint32();
  const n = r.pos - start;
  if (n > 5 || (n === 5 && (buf[r.pos - 1] as number) > 0x0f)) {
    throw new Error('illegal tag: varint overflows uint32');
  }
  const fieldNo = tag >>> 3;
  const wireType = tag & 7;
  if (fieldNo <= 0 || wireType > 5) {
    throw new Error(`illegal tag: field no ${fieldNo} wire type ${wireType}`);
  }
  return tag;
}

/**
 * BinaryReader.string(true): length-delimited, bounds-checked, strict UTF-8 (TextDecoder, fatal,
 * which also drops a leading BOM). Short all-ASCII strings, most of a request, skip the TextDecoder
 * call: ASCII decodes to the same string either way.
 */
function readString(r: BinaryReader, buf: Uint8Array): string {
  const len = r.uint32();
  const start = r.pos;
  r.pos += len;
  if (r.pos > r.len) throw new RangeError('premature EOF');
  if (len === 0) return '';
  if (len <= 32) {
    let s = '';
    const end = start + len;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const a = buf[i] as number;
      const b = buf[i + 1] as number;
      const c = buf[i + 2] as number;
      const d = buf[i + 3] as number;
      if ((a | b | c | d) >= 0x80) return decodeUtf8(buf.subarray(start, end), true);
      s += String.fromCharCode(a, b, c, d);
    }
    for (; i < end; i++) {
      const a = buf[i] as number;
      if (a >= 0x80) return decodeUtf8(buf.subarray(start, end), true);
      s += String.fromCharCode(a);
    }
    return s;
  }
  return decodeUtf8(buf.subarray(start, start + len), true);
}

/** BinaryReader.bool() with a one-byte fast path (same result: lo !== 0 || hi !== 0). */
function readBool(r: BinaryReader, buf: Uint8Array): boolean {
  const p = r.pos;
  const b = buf[p];
  if (b !== undefined && b < 0x80 && p < r.len) {
    r.pos = p + 1;
    return b !== 0;
  }
  return r.bool();
}

/** Skips an unknown field and records it in `$unknown`, as fromBinary does. */
function readUnknown(r: BinaryReader, m: { $unknown?: UnknownField[] }, tag: number, depth: number): void {
  const no = tag >>> 3;
  const wireType = (tag & 7) as WireType;
  const data = r.skip(wireType, no, RECURSION_LIMIT - depth);
  if (m.$unknown === undefined) m.$unknown = [];
  m.$unknown.push({ no, wireType, data });
}

function readDecideRequest(r: BinaryReader, buf: Uint8Array, len: number, m: DecideRequest): void {
  const end = r.pos + len;
  while (r.pos < end) {
    const tag = readTag(r, buf);
    if (tag >>> 3 === 1) {
      const ev = m.event ?? newEvent();
      readEvent(r, buf, r.uint32(), ev);
      m.event = ev;
    } else {
      readUnknown(r, m, tag, DEPTH_REQUEST);
    }
  }
}

function readEvent(r: BinaryReader, buf: Uint8Array, len: number, m: Event): void {
  const end = r.pos + len;
  while (r.pos < end) {
    const tag = readTag(r, buf);
    switch (tag >>> 3) {
      case 1:
        m.eventId = readString(r, buf);
        break;
      case 2:
        m.type = r.int32() as EventType;
        break;
      case 3: {
        const t = m.occurredAt ?? newTimestamp();
        readTimestamp(r, buf, r.uint32(), t, DEPTH_CHILD);
        m.occurredAt = t;
        break;
      }
      case 4: {
        const a = m.account ?? newAccount();
        readAccount(r, buf, r.uint32(), a);
        m.account = a;
        break;
      }
      case 5: {
        const p = m.payment ?? newPayment();
        readPayment(r, buf, r.uint32(), p);
        m.payment = p;
        break;
      }
      case 6: {
        const l = m.login ?? newLogin();
        readLogin(r, buf, r.uint32(), l);
        m.login = l;
        break;
      }
      case 7: {
        const n = m.network ?? newNetwork();
        readNetwork(r, buf, r.uint32(), n);
        m.network = n;
        break;
      }
      case 8: {
        const d = m.device ?? newDevice();
        readDevice(r, buf, r.uint32(), d);
        m.device = d;
        break;
      }
      case 9:
        readAttribute(r, buf, m.attributes);
        break;
      default:
        readUnknown(r, m, tag, DEPTH_EVENT);
    }
  }
}

/**
 * One map<string, string> entry, exactly as fromBinary's readMapEntry: wire types are not checked,
 * fields other than 1 and 2 are not skipped (their bytes are read as the next tag), and a missing
 * key or value is ''.
 */
function readAttribute(r: BinaryReader, buf: Uint8Array, attrs: { [key: string]: string }): void {
  const len = r.uint32();
  const end = r.pos + len;
  let key = '';
  let val = '';
  while (r.pos < end) {
    const no = readTag(r, buf) >>> 3;
    if (no === 1) key = readString(r, buf);
    else if (no === 2) val = readString(r, buf);
  }
  attrs[key] = val;
}

function readTimestamp(r: BinaryReader, buf: Uint8Array, len: number, m: Timestamp, depth: number): void {
  const end = r.pos + len;
  while (r.pos < end) {
    const tag = readTag(r, buf);
    switch (tag >>> 3) {
      case 1:
        m.seconds = r.int64() as bigint;
        break;
      case 2:
        m.nanos = r.int32();
        break;
      default:
        readUnknown(r, m, tag, depth);
    }
  }
}

function readAccount(r: BinaryReader, buf: Uint8Array, len: number, m: Account): void {
  const end = r.pos + len;
  while (r.pos < end) {
    const tag = readTag(r, buf);
    switch (tag >>> 3) {
      case 1:
        m.id = readString(r, buf);
        break;
      case 2:
        m.email = readString(r, buf);
        break;
      case 3:
        m.phone = readString(r, buf);
        break;
      case 4: {
        const t = m.createdAt ?? newTimestamp();
        readTimestamp(r, buf, r.uint32(), t, DEPTH_GRANDCHILD);
        m.createdAt = t;
        break;
      }
      default:
        readUnknown(r, m, tag, DEPTH_CHILD);
    }
  }
}

function readPayment(r: BinaryReader, buf: Uint8Array, len: number, m: Payment): void {
  const end = r.pos + len;
  while (r.pos < end) {
    const tag = readTag(r, buf);
    switch (tag >>> 3) {
      case 1:
        m.amountMinor = r.int64() as bigint;
        break;
      case 2:
        m.currency = readString(r, buf);
        break;
      case 3: {
        const c = m.card ?? newCard();
        readCard(r, buf, r.uint32(), c);
        m.card = c;
        break;
      }
      case 4:
        m.merchantId = readString(r, buf);
        break;
      case 5:
        m.mcc = readString(r, buf);
        break;
      case 6:
        m.payoutDestination = readString(r, buf);
        break;
      case 7:
        m.channel = r.int32() as PaymentChannel;
        break;
      default:
        readUnknown(r, m, tag, DEPTH_CHILD);
    }
  }
}

function readCard(r: BinaryReader, buf: Uint8Array, len: number, m: Card): void {
  const end = r.pos + len;
  while (r.pos < end) {
    const tag = readTag(r, buf);
    switch (tag >>> 3) {
      case 1:
        m.number = readString(r, buf);
        break;
      case 2:
        m.token = readString(r, buf);
        break;
      case 3:
        m.bin = readString(r, buf);
        break;
      case 4:
        m.last4 = readString(r, buf);
        break;
      case 5:
        m.country = readString(r, buf);
        break;
      case 6:
        m.brand = readString(r, buf);
        break;
      case 7:
        m.expMonth = r.int32();
        break;
      case 8:
        m.expYear = r.int32();
        break;
      default:
        readUnknown(r, m, tag, DEPTH_GRANDCHILD);
    }
  }
}

function readLogin(r: BinaryReader, buf: Uint8Array, len: number, m: Login): void {
  const end = r.pos + len;
  while (r.pos < end) {
    const tag = readTag(r, buf);
    switch (tag >>> 3) {
      case 1:
        m.success = readBool(r, buf);
        break;
      case 2:
        m.method = r.int32() as LoginMethod;
        break;
      case 3:
        m.failureReason = readString(r, buf);
        break;
      default:
        readUnknown(r, m, tag, DEPTH_CHILD);
    }
  }
}

function readNetwork(r: BinaryReader, buf: Uint8Array, len: number, m: Network): void {
  const end = r.pos + len;
  while (r.pos < end) {
    const tag = readTag(r, buf);
    switch (tag >>> 3) {
      case 1:
        m.ip = readString(r, buf);
        break;
      case 2:
        m.userAgent = readString(r, buf);
        break;
      case 3:
        m.ipCountry = readString(r, buf);
        break;
      case 4:
        m.asn = readString(r, buf);
        break;
      case 5:
        m.isProxy = readBool(r, buf);
        break;
      default:
        readUnknown(r, m, tag, DEPTH_CHILD);
    }
  }
}

function readDevice(r: BinaryReader, buf: Uint8Array, len: number, m: Device): void {
  const end = r.pos + len;
  while (r.pos < end) {
    const tag = readTag(r, buf);
    switch (tag >>> 3) {
      case 1:
        m.id = readString(r, buf);
        break;
      case 2:
        m.confidence = r.double();
        break;
      case 3:
        m.emulator = readBool(r, buf);
        break;
      case 4:
        m.rooted = readBool(r, buf);
        break;
      case 5:
        m.bot = readBool(r, buf);
        break;
      case 6:
        m.incognito = readBool(r, buf);
        break;
      case 7:
        m.timezone = readString(r, buf);
        break;
      case 8:
        m.language = readString(r, buf);
        break;
      case 9:
        m.os = readString(r, buf);
        break;
      default:
        readUnknown(r, m, tag, DEPTH_CHILD);
    }
  }
}
