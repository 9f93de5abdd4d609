import { toBinary, type UnknownField } from '@bufbuild/protobuf';
import {
  type DecideResponse,
  DecideResponseSchema,
  type Reason,
  type StageTiming,
} from '../../gen/risk/v1/risk_pb.js';

/**
 * Encodes risk.v1.DecideResponse to protobuf binary without reflection, byte-identical to
 * `toBinary(DecideResponseSchema, msg)`: fields in field-number order; proto3 implicit presence
 * (zero values skipped, but a -0 double is written, as toBinary does); `model_score` (explicit
 * presence) written whenever present, even 0; repeated messages and strings unpacked; minimal
 * varints; negative enums as 10-byte varints; strings as UTF-8 with lone surrogates replaced by
 * U+FFFD (as TextEncoder does); `$unknown` fields appended after the known ones of each message.
 *
 * It writes in one pass into a reused scratch buffer (sub-message and string lengths are
 * back-patched) and returns an exact-size copy. BinaryWriter is not used: its per-string
 * TextEncoder chunks, per-double DataView allocations and fork/join copies cost about as much as
 * toBinary itself. A message that does not match its declared types (a non-string string, a
 * non-int32 enum...) is handed to toBinary, so it yields whatever toBinary yields, errors included.
 */
export function decideResponseToBinary(msg: DecideResponse): Uint8Array {
  let end: number;
  try {
    end = writeResponse(0, msg);
  } catch (e) {
    if (e === UNSUPPORTED) return toBinary(DecideResponseSchema, msg);
    throw e;
  }
  const out = buf.slice(0, end);
  if (buf.length > MAX_KEPT) setBuffer(new Uint8Array(INITIAL));
  return out;
}

/** Thrown internally when the message is not what its type says: toBinary takes over. */
const UNSUPPORTED = Symbol('unsupported');

const INITIAL = 4096;
const MAX_KEPT = 1 << 16;
let buf = new Uint8Array(INITIAL);
let view = new DataView(buf.buffer);

function setBuffer(b: Uint8Array<ArrayBuffer>): void {
  buf = b;
  view = new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Makes room for `end` bytes, keeping what is written. */
function ensure(end: number): void {
  if (end <= buf.length) return;
  let n = buf.length * 2;
  while (n < end) n *= 2;
  const b = new Uint8Array(n);
  b.set(buf);
  setBuffer(b);
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Unsigned 32-bit varint (BinaryWriter.uint32); the caller has ensured room. */
function writeUint32(pos: number, v: number): number {
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** int32 as BinaryWriter.int32 writes it: negative values sign-extended to 10 bytes. */
function writeInt32Field(pos: number, tag: number, v: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v > 0x7fffffff || v < -0x80000000) throw UNSUPPORTED;
  ensure(pos + 11);
  buf[pos++] = tag;
  if (v >= 0) return writeUint32(pos, v);
  for (let i = 0; i < 9; i++) {
    buf[pos++] = (v & 127) | 128;
    v >>= 7;
  }
  buf[pos++] = 1;
  return pos;
}

function writeDoubleField(pos: number, tag: number, v: number): number {
  ensure(pos + 9);
  buf[pos] = tag;
  view.setFloat64(pos + 1, v, true);
  return pos + 9;
}

/** proto3 implicit presence of a double: only +0 is the zero value (-0 and NaN are written). */
function doubleSet(v: number): boolean {
  if (typeof v !== 'number') throw UNSUPPORTED;
  return v !== 0 || 1 / v < 0;
}

function stringSet(v: string): boolean {
  if (typeof v !== 'string') throw UNSUPPORTED;
  return v !== '';
}

/** Tag, varint length and UTF-8 bytes of a string (the same bytes TextEncoder makes). */
function writeStringField(pos: number, tag: number, s: string): number {
  if (typeof s !== 'string') throw UNSUPPORTED;
  const n = s.length;
  // UTF-8 is at least one byte per UTF-16 unit and at most three: reserve the length varint for n
  // bytes, widen it afterwards if the encoded string needs more.
  const w0 = varintSize(n);
  ensure(pos + 1 + w0 + 3 * n + 4);
  buf[pos++] = tag;
  const start = pos + w0;
  let p = start;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    buf[p++] = c;
  }
  if (i < n) p = writeUtf8(s, i, p);
  const len = p - start;
  const w = varintSize(len);
  if (w !== w0) {
    buf.copyWithin(pos + w, start, p);
    p += w - w0;
  }
  writeUint32(pos, len);
  return p;
}

/** UTF-8 of s from index i on, lone surrogates as U+FFFD; the caller has ensured 3 bytes a unit. */
function writeUtf8(s: string, i: number, p: number): number {
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    } else {
      const d = c <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buf[p++] = 0xf0 | (cp >> 18);
        buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[p++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        buf[p++] = 0xef;
        buf[p++] = 0xbf;
        buf[p++] = 0xbd;
      }
    }
  }
  return p;
}

/**
 * Tag and length of a sub-message written by `body` right after a one-byte length slot; the body
 * is shifted when its length needs a longer varint.
 */
function writeMessageField<T>(pos: number, tag: number, m: T, body: (pos: number, m: T) => number): number {
  if (typeof m !== 'object' || m === null) throw UNSUPPORTED;
  ensure(pos + 2);
  buf[pos++] = tag;
  const start = pos + 1;
  let p = body(start, m);
  const len = p - start;
  if (len >= 0x80) {
    const w = varintSize(len);
    ensure(p + w);
    buf.copyWithin(pos + w, start, p);
    p += w - 1;
  }
  writeUint32(pos, len);
  return p;
}

/** Unknown fields as toBinary writes them: tag (field number, wire type) and the raw bytes. */
function writeUnknown(pos: number, unknown: UnknownField[] | undefined): number {
  if (unknown === undefined) return pos;
  if (!Array.isArray(unknown)) throw UNSUPPORTED;
  for (const u of unknown) {
    if (!(u.data instanceof Uint8Array) || typeof u.no !== 'number' || typeof u.wireType !== 'number') {
      throw UNSUPPORTED;
    }
    const tag = ((u.no << 3) | u.wireType) >>> 0;
    ensure(pos + 5 + u.data.length);
    pos = writeUint32(pos, tag);
    buf.set(u.data, pos);
    pos += u.data.length;
  }
  return pos;
}

function writeResponse(pos: number, m: DecideResponse): number {
  if (stringSet(m.decisionId)) pos = writeStringField(pos, 0x0a, m.decisionId);
  if (stringSet(m.eventId)) pos = writeStringField(pos, 0x12, m.eventId);
  if (m.decision !== 0) pos = writeInt32Field(pos, 0x18, m.decision);
  if (doubleSet(m.score)) pos = writeDoubleField(pos, 0x21, m.score);
  if (!Array.isArray(m.reasons)) throw UNSUPPORTED;
  for (const r of m.reasons) pos = writeMessageField(pos, 0x2a, r, writeReason);
  if (stringSet(m.bundleVersion)) pos = writeStringField(pos, 0x32, m.bundleVersion);
  if (stringSet(m.modelVersion)) pos = writeStringField(pos, 0x3a, m.modelVersion);
  if (!Array.isArray(m.degraded)) throw UNSUPPORTED;
  for (const d of m.degraded) pos = writeStringField(pos, 0x42, d);
  if (!Array.isArray(m.timings)) throw UNSUPPORTED;
  for (const t of m.timings) pos = writeMessageField(pos, 0x4a, t, writeTiming);
  const modelScore = m.modelScore;
  if (modelScore !== undefined && Object.hasOwn(m, 'modelScore')) {
    if (typeof modelScore !== 'number') throw UNSUPPORTED;
    pos = writeDoubleField(pos, 0x51, modelScore);
  }
  if (m.replayed !== false) {
    if (m.replayed !== true) throw UNSUPPORTED;
    ensure(pos + 2);
    buf[pos++] = 0x58;
    buf[pos++] = 1;
  }
  return writeUnknown(pos, m.$unknown);
}

function writeReason(pos: number, m: Reason): number {
  if (stringSet(m.code)) pos = writeStringField(pos, 0x0a, m.code);
  if (stringSet(m.message)) pos = writeStringField(pos, 0x12, m.message);
  if (m.source !== 0) pos = writeInt32Field(pos, 0x18, m.source);
  if (stringSet(m.ruleId)) pos = writeStringField(pos, 0x22, m.ruleId);
  if (m.action !== 0) pos = writeInt32Field(pos, 0x28, m.action);
  return writeUnknown(pos, m.$unknown);
}

function writeTiming(pos: number, m: StageTiming): number {
  if (stringSet(m.stage)) pos = writeStringField(pos, 0x0a, m.stage);
  if (doubleSet(m.micros)) pos = writeDoubleField(pos, 0x11, m.micros);
  return writeUnknown(pos, m.$unknown);
}
