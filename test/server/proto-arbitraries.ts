import {
  create,
  type DescEnum,
  type DescField,
  type DescMessage,
  type JsonValue,
  type Message,
  type MessageShape,
  ScalarType,
  toJson,
  type UnknownField,
} from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';

// fast-check arbitraries derived from message descriptors: a field added to the .proto is
// generated, mutated and compared the moment it exists, with no test edit.

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

/** Any UTF-16 unit, lone surrogates included, plus whole code points. */
const anyUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

/** Lengths where a string's UTF-8 length varint changes width. */
const EDGE_LENGTHS = [42, 43, 127, 128, 5461, 5462, 16383, 16384];

/** Strings for binary round trips: ASCII, unicode, lone surrogates, BOMs, long ones, varint edges. */
const binaryString = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 4, arbitrary: fc.string({ unit: anyUnit, maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom('', '\uFEFF', '\uFEFFx', 'x\uFEFF', '\uD800', '\uDFFF\uD800') },
  { weight: 2, arbitrary: fc.string({ minLength: 100, maxLength: 400 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...EDGE_LENGTHS), fc.constantFrom('x', '€', '🚀'))
      .map(([n, c]) => c.repeat(Math.ceil(n / c.length))),
  },
);

/** Well-formed strings (what fromJson accepts). */
const jsonString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 100, maxLength: 300 }) },
);

/** What the arbitraries aim at: any binary-encodable message, or one toJson can write. */
export type Flavour = 'binary' | 'json';

function scalarArb(t: ScalarType, flavour: Flavour): fc.Arbitrary<unknown> {
  switch (t) {
    case ScalarType.STRING:
      return flavour === 'binary' ? binaryString : jsonString;
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 16 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
      return fc.oneof(fc.double(), fc.constantFrom(0, -0, 0.5, Number.NaN, Number.MAX_VALUE));
    case ScalarType.FLOAT:
      return fc.float();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.oneof(int32, fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31)));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return uint32;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return uint64;
    default:
      return fc.oneof(int64, fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }));
  }
}

/** Open enums: known values mostly, and any other int32. */
function enumArb(e: DescEnum): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...e.values.map((v) => v.number)) },
    { weight: 1, arbitrary: int32 },
  );
}

/** Timestamps toJson can write: 0001-01-01 to 9999-12-31, nanos in range. */
const jsonTimestamp = fc.record({
  seconds: fc.bigInt({ min: -62135596800n, max: 253402300799n }),
  nanos: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 999_999_999 }),
    fc.constantFrom(1_000_000, 123_456_000),
  ),
});

function mapKeyArb(t: ScalarType, flavour: Flavour): fc.Arbitrary<string> {
  switch (t) {
    case ScalarType.STRING:
      // "__proto__" is refused by the JSON decoder on purpose; it is tested on its own.
      return (flavour === 'binary' ? binaryString : jsonString).filter((k) => k !== '__proto__');
    case ScalarType.BOOL:
      return fc.constantFrom('true', 'false');
    default:
      return (scalarArb(t, flavour) as fc.Arbitrary<number | bigint>).map(String);
  }
}

function elementArb(
  f: { message?: DescMessage | undefined; enum?: DescEnum | undefined; scalar?: ScalarType | undefined },
  flavour: Flavour,
  unknown: boolean,
  longAsString: boolean,
): fc.Arbitrary<unknown> {
  if (f.message !== undefined) return messageArb(f.message, flavour, unknown);
  if (f.enum !== undefined) return enumArb(f.enum);
  const a = scalarArb(f.scalar as ScalarType, flavour);
  return longAsString ? a.map(String) : a;
}

function fieldArb(f: DescField, flavour: Flavour, unknown: boolean): fc.Arbitrary<unknown> {
  const las = 'longAsString' in f && f.longAsString === true;
  switch (f.fieldKind) {
    case 'scalar':
    case 'enum':
    case 'message':
      return elementArb(f, flavour, unknown, las);
    case 'list':
      return fc.array(elementArb(f, flavour, unknown, las), { maxLength: 3 });
    case 'map':
      return fc.dictionary(mapKeyArb(f.mapKey, flavour), elementArb(f, flavour, unknown, false), {
        maxKeys: 3,
      });
  }
}

/** Unknown fields of any wire type, numbered above every declared field of the message. */
function unknownFieldsArb(desc: DescMessage): fc.Arbitrary<UnknownField[]> {
  const minNo = Math.max(0, ...desc.fields.map((f) => f.number)) + 1;
  const no = fc.oneof(
    fc.integer({ min: minNo, max: minNo + 40 }),
    fc.integer({ min: minNo, max: 536870911 }),
  );
  const field: fc.Arbitrary<UnknownField> = fc.oneof(
    fc.record({
      no,
      wireType: fc.constant(WireType.Varint),
      data: uint64.map((v) => new BinaryWriter().uint64(v).finish()),
    }),
    fc.record({
      no,
      wireType: fc.constant(WireType.Bit64),
      data: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    }),
    fc.record({
      no,
      wireType: fc.constant(WireType.Bit32),
      data: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    }),
    fc.record({
      no,
      wireType: fc.constant(WireType.LengthDelimited),
      data: fc.uint8Array({ maxLength: 20 }).map((b) => new BinaryWriter().bytes(b).finish()),
    }),
    no.map((n) => ({
      no: n,
      wireType: WireType.StartGroup,
      data: new BinaryWriter().tag(n, WireType.EndGroup).finish(),
    })),
  );
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant<UnknownField[]>([]) },
    { weight: 1, arbitrary: fc.array(field, { maxLength: 3 }) },
  );
}

const cache = new Map<string, fc.Arbitrary<Message>>();

/**
 * Messages of `desc` with any subset of fields set, every field kind generated from its
 * descriptor. 'binary' allows anything toBinary writes (lone surrogates, any timestamp); 'json'
 * only what toJson can write. `unknown` adds unknown fields ($unknown) at every level.
 */
export function messageArb(desc: DescMessage, flavour: Flavour, unknown = false): fc.Arbitrary<Message> {
  const key = `${desc.typeName}/${flavour}/${unknown}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let arb: fc.Arbitrary<Message>;
  if (desc.typeName === 'google.protobuf.Timestamp' && flavour === 'json') {
    arb = jsonTimestamp.map((t) => create(desc, t as never));
  } else {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of desc.fields) model[f.localName] = fieldArb(f, flavour, unknown);
    const init = fc.record(model, { requiredKeys: [] });
    arb = unknown
      ? fc.tuple(init, unknownFieldsArb(desc)).map(([i, u]) => {
          const m = create(desc, i as never);
          if (u.length > 0) m.$unknown = u;
          return m;
        })
      : init.map((i) => create(desc, i as never));
  }
  cache.set(key, arb);
  return arb;
}

/** Own keys of a JSON object (a parsed body has no others). */
type JsonObject = { [k: string]: JsonValue };

/** Picks one of the options with the property's generator. */
type Pick = <T>(options: readonly T[]) => T;

/**
 * Rewrites canonical proto3 JSON (toJson's output) into another form fromJson reads the same,
 * field by field from the descriptor: proto names for JSON names, enum numbers for names, int64
 * as numbers or padded strings, 32-bit integers and doubles as numeric strings, URL-safe unpadded
 * base64, timestamps with a zero offset, explicit nulls and zero values for absent fields.
 */
export function jsonVariant(desc: DescMessage, json: JsonValue, pick: Pick): JsonValue {
  if (desc.typeName === 'google.protobuf.Timestamp') {
    const s = json as string;
    return s.endsWith('Z') ? pick([s, `${s.slice(0, -1)}+00:00`, `${s.slice(0, -1)}-00:00`]) : s;
  }
  const o = json as JsonObject;
  const out: JsonObject = {};
  for (const f of desc.fields) {
    const key = pick([f.jsonName, f.name]);
    if (!(f.jsonName in o)) {
      const absent = pick(['omit', 'null', 'zero']);
      if (absent === 'null') out[key] = null;
      else if (absent === 'zero' && zeroJson(f) !== undefined) out[key] = zeroJson(f) as JsonValue;
      continue;
    }
    const v = o[f.jsonName] as JsonValue;
    switch (f.fieldKind) {
      case 'list':
        out[key] = (v as JsonValue[]).map((x) => elementVariant(f, x, pick));
        break;
      case 'map': {
        const m: JsonObject = {};
        for (const [k, x] of Object.entries(v as JsonObject)) m[k] = elementVariant(f, x, pick);
        out[key] = m;
        break;
      }
      default:
        out[key] = elementVariant(f, v, pick);
    }
  }
  return out;
}

/** The explicit JSON zero of an absent field (fromJson reads it as unset), if it has one. */
function zeroJson(f: DescField): JsonValue | undefined {
  if (f.fieldKind === 'list') return [];
  if (f.fieldKind === 'map') return {};
  if (f.fieldKind === 'message' || f.presence !== 2) return undefined;
  if (f.fieldKind === 'enum') return f.enum.values[0]?.name ?? 0;
  switch (f.scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return '';
    case ScalarType.BOOL:
      return false;
    default:
      return 0;
  }
}

function elementVariant(
  f: { message?: DescMessage | undefined; enum?: DescEnum | undefined; scalar?: ScalarType | undefined },
  v: JsonValue,
  pick: Pick,
): JsonValue {
  if (f.message !== undefined) return jsonVariant(f.message, v, pick);
  if (f.enum !== undefined) {
    const known = f.enum.values.find((x) => x.name === v);
    return known !== undefined ? pick([v, known.number]) : v;
  }
  switch (f.scalar) {
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64: {
      const s = String(v);
      const n = Number(s);
      return pick([s, ...(Number.isSafeInteger(n) ? [n] : []), s.startsWith('-') ? s : `00${s}`, ` ${s} `]);
    }
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32: {
      const n = v as number;
      return pick([n, String(n), `${n}.0`, `${n}e0`, ...(n >= 0 ? [`0x${n.toString(16)}`] : [])]);
    }
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return typeof v === 'number' ? pick([v, String(v), v.toExponential()]) : v;
    case ScalarType.BYTES: {
      const s = v as string;
      return pick([s, s.replace(/=+$/, ''), s.replaceAll('+', '-').replaceAll('/', '_')]);
    }
    default:
      return v;
  }
}

/** Canonical proto3 JSON of a message, as a request body would carry it (through JSON text). */
export function canonicalJson(desc: DescMessage, m: Message): JsonValue {
  return JSON.parse(JSON.stringify(toJson(desc, m))) as JsonValue;
}

/**
 * One message with every field set to a value other than its default, walking the descriptor:
 * two items per list, two entries per map, the last value of each enum. A new field is set the
 * moment it exists, so a round trip of this message exercises it.
 */
export function fullMessage<Desc extends DescMessage>(desc: Desc, seed = 1): MessageShape<Desc> {
  const init: Record<string, unknown> = {};
  for (const f of desc.fields) {
    const one = (i: number) => fullValue(f, seed * 31 + f.number * 7 + i);
    if (f.fieldKind === 'list') init[f.localName] = [one(1), one(2)];
    else if (f.fieldKind === 'map')
      init[f.localName] = { [fullKey(f.mapKey, 1)]: one(1), [fullKey(f.mapKey, 2)]: one(2) };
    else init[f.localName] = one(0);
  }
  return create(desc, init as never) as MessageShape<Desc>;
}

function fullKey(t: ScalarType, i: number): string {
  if (t === ScalarType.BOOL) return i === 1 ? 'true' : 'false';
  return t === ScalarType.STRING ? `key-${i}` : String(i);
}

function fullValue(
  f: { message?: DescMessage | undefined; enum?: DescEnum | undefined; scalar?: ScalarType | undefined },
  n: number,
): unknown {
  if (f.message?.typeName === 'google.protobuf.Timestamp') {
    return create(f.message, { seconds: BigInt(1_700_000_000 + n), nanos: 1000 * n });
  }
  if (f.message !== undefined) return fullMessage(f.message, n);
  if (f.enum !== undefined) return f.enum.values[f.enum.values.length - 1]?.number ?? 1;
  switch (f.scalar) {
    case ScalarType.STRING:
      return `v${n}`;
    case ScalarType.BYTES:
      return Uint8Array.of(n & 0xff, 1);
    case ScalarType.BOOL:
      return true;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return n + 0.5;
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return BigInt(n) * 1000n;
    default:
      return n;
  }
}

/** Every message type reachable from `desc` through fields, with the JSON path of one occurrence. */
export function messagePaths(desc: DescMessage, path = ''): { desc: DescMessage; path: string[] }[] {
  const out = [{ desc, path: path === '' ? [] : path.split('.') }];
  for (const f of desc.fields) {
    if (f.fieldKind === 'message' && f.message.typeName !== 'google.protobuf.Timestamp') {
      out.push(...messagePaths(f.message, path === '' ? f.jsonName : `${path}.${f.jsonName}`));
    }
  }
  return out;
}
