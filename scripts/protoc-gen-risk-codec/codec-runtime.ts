// Runtime of the codecs that scripts/protoc-gen-risk-codec generates. The plugin copies this file
// verbatim to src/gen/codec-runtime.ts, so it must import nothing but @bufbuild/protobuf.
// Every helper mirrors one step of @bufbuild/protobuf's reflective fromBinary / fromJson / toBinary
// (2.13) so that the generated code gives the same messages and bytes without walking descriptors.
import { protoInt64, type UnknownField } from '@bufbuild/protobuf';
import {
  type BinaryReader,
  BinaryWriter,
  base64Decode,
  getTextEncoding,
  type WireType,
} from '@bufbuild/protobuf/wire';
import type { Timestamp } from '@bufbuild/protobuf/wkt';

/**
 * Why an input could not be decoded, with the path of the field (JSON keys as written for JSON,
 * proto field names for binary; '' for the message itself). Generated decoders throw nothing else.
 */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === '' ? reason : `${path}: ${reason}`);
  }
}

const joinPath = (head: string, tail: string) =>
  head === '' ? tail : tail === '' ? head : tail.startsWith('[') ? head + tail : `${head}.${tail}`;

/** The error of a failed input as a CodecError under `key` (a raw reader error gets a clear reason). */
export function underKey(e: unknown, key: string): CodecError {
  if (e instanceof CodecError) return new CodecError(joinPath(key, e.path), e.reason);
  return new CodecError(key, readerReason(e));
}

/** The reason of an error thrown by BinaryReader, TextDecoder or DataView, in plain words. */
function readerReason(e: unknown): string {
  if (e instanceof RangeError) return 'truncated: the input ends inside this field';
  if (e instanceof TypeError) return 'invalid UTF-8 in a string';
  if (e instanceof Error) return e.message;
  return String(e);
}

// ---------------------------------------------------------------------------------------------
// Binary decoding

/** fromBinary's recursion budget (its skip() of nested groups gets what is left of it). */
export const RECURSION_LIMIT = 100;

const decodeUtf8 = getTextEncoding().decodeUtf8;

/** BinaryReader.tag() without the tuple: the raw tag (fieldNo << 3 | wireType), same checks. */
export function readTag(r: BinaryReader, buf: Uint8Array): number {
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
 * BinaryReader.string(true): bounds-checked, strict UTF-8 (TextDecoder, fatal, which also drops a
 * leading BOM). Short all-ASCII strings skip TextDecoder: ASCII decodes to the same string.
 */
export function readString(r: BinaryReader, buf: Uint8Array): string {
  const len = r.uint32();
  const start = r.pos;
  r.pos += len;
  if (r.pos > r.len) throw new RangeError('premature EOF');
  if (len === 0) return '';
  const end = start + len;
  if (len <= 32) {
    let s = '';
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
  return decodeUtf8(buf.subarray(start, end), true);
}

/** BinaryReader.bool() with a one-byte fast path (same result: any non-zero varint is true). */
export function readBool(r: BinaryReader, buf: Uint8Array): boolean {
  const p = r.pos;
  const b = buf[p];
  if (b !== undefined && b < 0x80 && p < r.len) {
    r.pos = p + 1;
    return b !== 0;
  }
  return r.bool();
}

/** Skips a field the message does not declare and keeps it in `$unknown`, as fromBinary does. */
export function readUnknown(
  r: BinaryReader,
  m: { $unknown?: UnknownField[] },
  tag: number,
  depth: number,
): void {
  const no = tag >>> 3;
  const wireType = (tag & 7) as WireType;
  const data = r.skip(wireType, no, RECURSION_LIMIT - depth);
  if (m.$unknown === undefined) m.$unknown = [];
  m.$unknown.push({ no, wireType, data });
}

// ---------------------------------------------------------------------------------------------
// JSON decoding (proto3 JSON, as fromJson reads it)

/** A short rendering of a JSON value for error messages (never the whole value). */
function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    // Error bodies travel further than the request (gateways log 4xx bodies): a value in the wrong
    // field may be a card number or an email, so strings are described, never quoted, and only
    // short numbers (an out-of-range month, an enum number) are echoed.
    case 'string':
      return `a string of ${v.length} characters`;
    case 'object':
      return 'an object';
    case 'number':
    case 'bigint': {
      const text = String(v);
      return text.length <= 8 ? text : `a number of ${text.length} characters`;
    }
    case 'boolean':
      return String(v);
    default:
      return typeof v;
  }
}

/**
 * A deep copy of a JSON schema built key by key, for the schemas the generated file exports.
 *
 * Why: a schema kept alive as an object literal (or as JSON.parse output) holds V8 hidden classes
 * whose property order is the message's field order, the same transition chains that JSON.parse
 * walks for request bodies ({"number", "country"} of a card, {"id", "email"} of an account).
 * Measured on the REST edge: such long-lived schema objects made every request about 15 µs
 * (25 %) slower. Properties added by keyed stores to fresh objects do not share those chains,
 * and the literal passed in here is garbage once copied.
 */
export function keyedCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(keyedCopy) as T;
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out[k] = keyedCopy((v as Record<string, unknown>)[k]);
  }
  return out as T;
}

const fail = (expected: string, v: unknown): CodecError => new CodecError('', `${expected}, got ${show(v)}`);

/**
 * Checks that a JSON value is an object for a message or map (fromJson accepts any non-array
 * object) and tells whether it is plain, as JSON.parse makes it: then its for-in keys are its own
 * keys (Object.prototype has no enumerable ones) and no hasOwn check is needed.
 */
export function jsonObject(v: unknown, what: string): boolean {
  if (typeof v === 'object' && v !== null) {
    const p: unknown = Object.getPrototypeOf(v);
    if (p === Object.prototype || p === null) return true;
    if (!Array.isArray(v)) return false;
  }
  throw fail(`expected ${what} (a JSON object)`, v);
}

/** A JSON array for a repeated field. */
export function jsonArray(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw fail('expected a JSON array', v);
  return v;
}

/** The key of a field given both by its JSON name and its proto name (fromJson: "set multiple times"). */
export function duplicateField(): CodecError {
  return new CodecError('', 'is set twice (by its JSON name and its proto name)');
}

/** A key that is no field of the message: proto3 JSON parsing rejects it (no silent dropping). */
export function unknownKey(typeName: string): CodecError {
  return new CodecError('', `is not a field of ${typeName}`);
}

/** A null list item or map value, which proto3 JSON does not allow. */
export function nullItem(): CodecError {
  return new CodecError('', 'must not be null');
}

interface WellFormed {
  isWellFormed(): boolean;
}

/** string: well-formed UTF-16 (fromJson rejects lone surrogates, as they have no UTF-8). */
export function jsonString(v: unknown): string {
  if (typeof v === 'string') {
    if ((v as unknown as WellFormed).isWellFormed()) return v;
    throw new CodecError('', 'invalid UTF-16 (lone surrogate) in a string');
  }
  throw fail('expected a string', v);
}

/** bool: only JSON true and false. */
export function jsonBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw fail('expected a boolean', v);
}

/** fromJson's int32FromJson: numeric strings (no surrounding space) become numbers. */
function int32FromJson(v: unknown): unknown {
  if (typeof v === 'string' && v !== '' && v.trim().length === v.length) {
    const n = Number(v);
    if (!Number.isNaN(n)) return n;
  }
  return v;
}

/** int32, sint32, sfixed32: a JSON number or numeric string, an integer in range. */
export function jsonInt32(v: unknown): number {
  const n = int32FromJson(v);
  if (typeof n === 'number' && Number.isInteger(n)) {
    if (n <= 2147483647 && n >= -2147483648) return n;
    throw new CodecError('', `${show(v)} is out of the int32 range`);
  }
  throw fail('expected an integer', v);
}

/** uint32, fixed32: a JSON number or numeric string, an integer in range. */
export function jsonUint32(v: unknown): number {
  const n = int32FromJson(v);
  if (typeof n === 'number' && Number.isInteger(n)) {
    if (n <= 4294967295 && n >= 0) return n;
    throw new CodecError('', `${show(v)} is out of the uint32 range`);
  }
  throw fail('expected an unsigned integer', v);
}

/** double: a finite JSON number, "NaN", "Infinity", "-Infinity" or a numeric string. */
export function jsonDouble(v: unknown): number {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    throw fail('expected a finite number (NaN and Infinity are written as strings)', v);
  }
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (v !== '' && v.trim().length === v.length) {
      const n = Number(v);
      if (Number.isFinite(n)) return n;
    }
  }
  throw fail('expected a number', v);
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** float: as double, then within the float32 range. */
export function jsonFloat(v: unknown): number {
  const n = jsonDouble(v);
  if (Number.isFinite(n) && (n > FLOAT32_MAX || n < -FLOAT32_MAX)) {
    throw new CodecError('', `${show(v)} is out of the float range`);
  }
  return n;
}

function jsonLong(v: unknown, unsigned: boolean): bigint | string {
  // The common case (a safe integer JSON number) without BigInt range comparisons.
  if (typeof v === 'number' && Number.isSafeInteger(v) && protoInt64.supported && (v >= 0 || !unsigned)) {
    return BigInt(v);
  }
  if (typeof v === 'bigint' || typeof v === 'number' || (typeof v === 'string' && v.length > 0)) {
    try {
      return unsigned ? protoInt64.uParse(v) : protoInt64.parse(v);
    } catch {
      throw new CodecError('', `${show(v)} is not a valid ${unsigned ? 'uint64' : 'int64'}`);
    }
  }
  throw fail('expected an integer (number or decimal string)', v);
}

/** int64, sint64, sfixed64: a JSON number or string that BigInt reads, in range. */
export function jsonInt64(v: unknown): bigint {
  return jsonLong(v, false) as bigint;
}

/** uint64, fixed64: as int64, unsigned. */
export function jsonUint64(v: unknown): bigint {
  return jsonLong(v, true) as bigint;
}

/** A 64-bit field with jstype = JS_STRING keeps the JSON value as a string, once it parses. */
export function jsonLongString(v: unknown, unsigned: boolean): string {
  jsonLong(v, unsigned);
  return String(v);
}

/** bytes: standard or URL-safe base64, padding optional. */
export function jsonBytes(v: unknown): Uint8Array {
  if (typeof v !== 'string') throw fail('expected a base64 string', v);
  if (v === '') return new Uint8Array(0);
  try {
    return base64Decode(v);
  } catch (e) {
    throw new CodecError('', e instanceof Error ? e.message : String(e));
  }
}

/** An open enum given by number: any int32 (names were matched by the caller). */
export function jsonEnumNumber(v: unknown, names: readonly string[]): number {
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (v <= 2147483647 && v >= -2147483648) return v;
    throw new CodecError('', `${show(v)} is out of the enum (int32) range`);
  }
  throw fail(`expected one of ${names.join(', ')}`, v);
}

/** A map key that would hit Object.prototype's __proto__ setter: refused rather than dropped. */
export function checkMapKey(key: string): string {
  if (key === '__proto__') throw new CodecError('', 'is not allowed as a map key');
  if (!(key as unknown as WellFormed).isWellFormed()) {
    throw new CodecError('', 'invalid UTF-16 (lone surrogate) in a map key');
  }
  return key;
}

/** An int32-family map key as fromJson canonicalises it ("01" and "1" are one key). */
export function jsonMapKeyInt32(key: string, unsigned: boolean): number {
  return unsigned ? jsonUint32(key) : jsonInt32(key);
}

/** A 64-bit map key as fromJson canonicalises it (leading zeros dropped), as a string. */
export function jsonMapKeyInt64(key: string, unsigned: boolean): string {
  const k = /^-?0+$/.test(key) ? '0' : key.replace(/^(-?)0+(?=\d)/, '$1');
  jsonLong(k, unsigned);
  return k;
}

/** A bool map key: "true" or "false". */
export function jsonMapKeyBool(key: string): string {
  if (key === 'true' || key === 'false') return key;
  throw new CodecError('', 'expected a bool map key ("true" or "false")');
}

/** Items of a repeated field appended to `out`; a null item is an error (proto3 JSON), named by index. */
export function jsonList<T>(v: unknown, item: (x: unknown) => T, out: T[]): void {
  const a = jsonArray(v);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    try {
      if (x === null) throw nullItem();
      out.push(item(x));
    } catch (e) {
      throw underKey(e, `[${i}]`);
    }
  }
}

/**
 * Entries of a map field set on `out`. String keys are taken as they are (except __proto__, see
 * checkMapKey); other key types are canonicalised by `key` and checked for duplicates, as fromJson.
 */
export function jsonMap<K extends string | number, T>(
  v: unknown,
  key: ((k: string) => K) | undefined,
  value: (x: unknown) => T,
  out: { [k: string]: T },
): void {
  const plain = jsonObject(v, 'a map');
  const o = v as Record<string, unknown>;
  const seen = key === undefined ? undefined : new Set<K>();
  let k = '';
  try {
    for (k in o) {
      if (!plain && !Object.hasOwn(o, k)) continue;
      const mk = key === undefined ? checkMapKey(k) : key(k);
      if (seen !== undefined) {
        if (seen.has(mk as K)) throw duplicateMapKey();
        seen.add(mk as K);
      }
      const x = o[k];
      if (x === null) throw nullItem();
      out[mk] = value(x);
    }
  } catch (e) {
    throw underKey(e, k);
  }
}

/** One entry of a map<string, scalar> that is not in canonical form: converted, or an error under its key. */
export function jsonMapEntry<T>(
  out: { [k: string]: T },
  k: string,
  x: unknown,
  value: (x: unknown) => T,
): void {
  try {
    checkMapKey(k);
    if (x === null) throw nullItem();
    out[k] = value(x);
  } catch (e) {
    throw underKey(e, k);
  }
}

/** A duplicate map key after canonicalisation (e.g. "1" and "01"). */
export function duplicateMapKey(): CodecError {
  return new CodecError('', 'duplicate map key');
}

/** Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range fromJson accepts. */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

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

/** A strict `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` real calendar time, or undefined. */
function strictTimestamp(v: string): Timestamp | undefined {
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

const RFC3339 =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:Z|([+-][0-9][0-9]:[0-9][0-9]))$/;

/**
 * A google.protobuf.Timestamp from proto3 JSON. Real calendar times take the
 * strict parser; the rest (e.g. "24:00", which Date.parse accepts) take fromJson's own algorithm,
 * step for step, so both accept and reject exactly the same strings.
 */
export function jsonTimestamp(v: unknown): Timestamp {
  if (typeof v !== 'string') throw fail('expected an RFC 3339 time string', v);
  const fast = strictTimestamp(v);
  if (fast !== undefined) return fast;
  const m = v.match(RFC3339);
  if (m === null) throw new CodecError('', 'invalid RFC 3339 time');
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8] ? m[8] : 'Z'}`);
  if (Number.isNaN(ms)) throw new CodecError('', 'invalid RFC 3339 time');
  if (ms < MIN_SECONDS * 1000 || ms > MAX_SECONDS * 1000) {
    throw new CodecError('', 'must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z inclusive');
  }
  const frac = m[7];
  const nanos = frac ? Number.parseInt(`1${frac}${'0'.repeat(9 - frac.length)}`, 10) - 1000000000 : 0;
  return { $typeName: 'google.protobuf.Timestamp', seconds: protoInt64.parse(ms / 1000) as bigint, nanos };
}

// ---------------------------------------------------------------------------------------------
// Binary encoding (one pass into a reused scratch buffer, back-patched lengths)

/** Thrown inside the encoder when a message does not match its type: toBinary takes over. */
export const MISMATCH = Symbol('mismatch');

const INITIAL = 4096;
const MAX_KEPT = 1 << 16;
let buf = new Uint8Array(INITIAL);
let view = new DataView(buf.buffer);

function setBuffer(b: Uint8Array<ArrayBuffer>): void {
  buf = b;
  view = new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Runs a generated message writer and returns an exact-size copy of its bytes. A message that
 * breaks its declared types (a number in a string field...) goes to `reflective` (toBinary), so
 * it yields whatever toBinary yields, errors included.
 */
export function encode<T>(
  m: T,
  write: (pos: number, m: T) => number,
  reflective: (m: T) => Uint8Array,
): Uint8Array {
  let end: number;
  try {
    end = write(0, m);
  } catch (e) {
    if (e === MISMATCH) return reflective(m);
    throw e;
  }
  const out = buf.slice(0, end);
  if (buf.length > MAX_KEPT) setBuffer(new Uint8Array(INITIAL));
  return out;
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

/** Unsigned 32-bit varint; the caller has ensured room. */
function putVarint(pos: number, v: number): number {
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Implicit presence of a string (proto3): set unless ''. */
export function stringSet(v: string): boolean {
  if (typeof v !== 'string') throw MISMATCH;
  return v !== '';
}

/** Implicit presence of a double or float: only +0 is the zero value (-0 and NaN are written). */
export function doubleSet(v: number): boolean {
  if (typeof v !== 'number') throw MISMATCH;
  return v !== 0 || 1 / v < 0;
}

/** Implicit presence of a bool. */
export function boolSet(v: boolean): boolean {
  if (typeof v !== 'boolean') throw MISMATCH;
  return v;
}

/** Implicit presence of an integer, enum or 64-bit field (toBinary: `value == 0` is unset). */
export function intSet(v: unknown): boolean {
  // biome-ignore lint/suspicious/noDoubleEquals: toBinary's isScalarZeroValue compares loosely (0n, "0", -0)
  return v != 0;
}

/** Implicit presence of bytes. */
export function bytesSet(v: Uint8Array): boolean {
  if (!(v instanceof Uint8Array)) throw MISMATCH;
  return v.byteLength > 0;
}

/** Tag and int32 (negative values sign-extended to 10 bytes), as BinaryWriter.int32. */
export function writeInt32(pos: number, tag: number, v: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v > 0x7fffffff || v < -0x80000000) throw MISMATCH;
  ensure(pos + 15);
  pos = putVarint(pos, tag);
  if (v >= 0) return putVarint(pos, v);
  for (let i = 0; i < 9; i++) {
    buf[pos++] = (v & 127) | 128;
    v >>= 7;
  }
  buf[pos++] = 1;
  return pos;
}

/** Tag and uint32 varint. */
export function writeUint32(pos: number, tag: number, v: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v > 0xffffffff || v < 0) throw MISMATCH;
  ensure(pos + 10);
  return putVarint(putVarint(pos, tag), v);
}

/** Tag and bool. */
export function writeBool(pos: number, tag: number, v: boolean): number {
  ensure(pos + 6);
  pos = putVarint(pos, tag);
  buf[pos++] = v ? 1 : 0;
  return pos;
}

/** Tag and little-endian double. */
export function writeDouble(pos: number, tag: number, v: number): number {
  if (typeof v !== 'number') throw MISMATCH;
  ensure(pos + 13);
  pos = putVarint(pos, tag);
  view.setFloat64(pos, v, true);
  return pos + 8;
}

/** Tag, varint length and UTF-8 bytes of a string (lone surrogates as U+FFFD, as TextEncoder). */
export function writeString(pos: number, tag: number, s: string): number {
  if (typeof s !== 'string') throw MISMATCH;
  const n = s.length;
  // UTF-8 is at least one byte per UTF-16 unit and at most three: reserve the length varint for n
  // bytes, widen it afterwards if the encoded string needs more.
  const w0 = varintSize(n);
  ensure(pos + 5 + w0 + 3 * n + 4);
  pos = putVarint(pos, tag);
  const start = pos + w0;
  let p = start;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    buf[p++] = c;
  }
  if (i < n) p = putUtf8(s, i, p);
  const len = p - start;
  const w = varintSize(len);
  if (w !== w0) {
    buf.copyWithin(pos + w, start, p);
    p += w - w0;
  }
  putVarint(pos, len);
  return p;
}

/** UTF-8 of s from index i on; the caller has ensured 3 bytes a UTF-16 unit. */
function putUtf8(s: string, i: number, p: number): number {
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

/** Tag and raw bytes. */
function writeRaw(pos: number, tag: number, data: Uint8Array): number {
  ensure(pos + 5 + data.length);
  pos = putVarint(pos, tag);
  buf.set(data, pos);
  return pos + data.length;
}

/**
 * Tag and a value written by BinaryWriter (64-bit integers, fixed-width, sint, float, bytes and
 * packed lists): rare in the service's messages, so one writer per value is fine. A value
 * BinaryWriter refuses is a type mismatch: toBinary then reports it.
 */
export function writeVia(pos: number, tag: number, put: (w: BinaryWriter) => unknown): number {
  const w = new BinaryWriter();
  try {
    put(w);
  } catch {
    throw MISMATCH;
  }
  return writeRaw(pos, tag, w.finish());
}

/** A list as an array, or a type mismatch. */
export function list<T>(v: T[]): T[] {
  if (!Array.isArray(v)) throw MISMATCH;
  return v;
}

/** A map as a plain object, or a type mismatch. */
export function map<T>(v: { [k: string]: T }): { [k: string]: T } {
  if (typeof v !== 'object' || v === null) throw MISMATCH;
  return v;
}

/** Tag and length of a sub-message written by `body` (shifted when the length needs a longer varint). */
export function writeMessage<T>(pos: number, tag: number, m: T, body: (pos: number, m: T) => number): number {
  if (typeof m !== 'object' || m === null) throw MISMATCH;
  ensure(pos + 6);
  pos = putVarint(pos, tag);
  const start = pos + 1;
  let p = body(start, m);
  const len = p - start;
  if (len >= 0x80) {
    const w = varintSize(len);
    ensure(p + w);
    buf.copyWithin(pos + w, start, p);
    p += w - 1;
  }
  putVarint(pos, len);
  return p;
}

/** Unknown fields as toBinary writes them: tag (field number, wire type) and the raw bytes. */
export function writeUnknown(pos: number, unknown: UnknownField[] | undefined): number {
  if (unknown === undefined) return pos;
  if (!Array.isArray(unknown)) throw MISMATCH;
  for (const u of unknown) {
    if (!(u.data instanceof Uint8Array) || typeof u.no !== 'number' || typeof u.wireType !== 'number') {
      throw MISMATCH;
    }
    pos = writeRaw(pos, ((u.no << 3) | u.wireType) >>> 0, u.data);
  }
  return pos;
}
