import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import {
  create,
  type DescField,
  type DescMessage,
  fromBinary,
  fromJson,
  type JsonValue,
  type Message,
  ScalarType,
  toBinary,
  toJson,
} from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../src/gen/codec-runtime.js';
import {
  decideRequestFromBinary,
  decideRequestFromJson,
  decideRequestToBinary,
  decideResponseFromBinary,
  decideResponseFromJson,
  decideResponseJsonSchema,
  decideResponseToBinary,
} from '../../src/gen/risk/v1/risk_codec.js';
import { DecideRequestSchema, DecideResponseSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { createSimulator } from '../../src/sim/index.js';
import { canonicalJson, fullMessage, jsonVariant, messageArb, messagePaths } from './proto-arbitraries.js';

// Differential tests of the generated codecs against @bufbuild/protobuf's reflective ones. Every
// generator is derived from the descriptors, so a field added to the .proto is covered at once.

type Outcome<T> = { ok: true; value: T } | { ok: false; err: unknown };

function attempt<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    return { ok: false, err };
  }
}

/** Same message: deep-strict-equal (presence, -0, NaN, $typeName, $unknown) and the same bytes. */
function expectSameMessage(ours: Message, ref: Message, desc: DescMessage = DecideRequestSchema): void {
  if (!isDeepStrictEqual(ours, ref)) {
    expect(ours).toStrictEqual(ref); // for the diff
    expect.fail('not deep-strict-equal');
  }
  expect(Buffer.compare(toBinary(desc, ours), toBinary(desc, ref))).toBe(0);
}

function expectCodecError(err: unknown): asserts err is CodecError {
  if (!(err instanceof CodecError)) expect.fail(`expected a CodecError, got ${String(err)}`);
}

/** The generated codecs of one message type, beside the descriptor the reflective ones use. */
interface Codec {
  readonly desc: DescMessage;
  readonly fromBinary: (bytes: Uint8Array) => Message;
  readonly fromJson: (json: unknown) => Message;
  readonly toBinary: (m: never) => Uint8Array;
}

const REQUEST: Codec = {
  desc: DecideRequestSchema,
  fromBinary: decideRequestFromBinary,
  fromJson: decideRequestFromJson,
  toBinary: decideRequestToBinary,
};
const RESPONSE: Codec = {
  desc: DecideResponseSchema,
  fromBinary: decideResponseFromBinary,
  fromJson: decideResponseFromJson,
  toBinary: decideResponseToBinary,
};

/** The JSON decoder agrees with fromJson: the same message, or a CodecError where fromJson throws. */
function expectSameJson(json: unknown, c: Codec = REQUEST): void {
  const ref = attempt(() => fromJson(c.desc, json as JsonValue));
  const ours = attempt(() => c.fromJson(json));
  if (ref.ok) {
    if (!ours.ok) {
      // The one deliberate divergence: fromJson silently drops a "__proto__" map key.
      expectCodecError(ours.err);
      expect(ours.err.reason, `${ours.err.message} on ${JSON.stringify(json)}`).toBe(
        'is not allowed as a map key',
      );
      return;
    }
    expectSameMessage(ours.value, ref.value, c.desc);
  } else {
    expect(ours.ok, `fromJson threw "${String(ref.err)}" but ours accepted ${JSON.stringify(json)}`).toBe(
      false,
    );
    if (!ours.ok) expectCodecError(ours.err);
  }
}

/** The binary decoder agrees with fromBinary: the same message, or a CodecError where it throws. */
function expectSameBinary(bytes: Uint8Array, c: Codec = REQUEST): void {
  const ref = attempt(() => fromBinary(c.desc, bytes));
  const ours = attempt(() => c.fromBinary(bytes));
  if (!ref.ok) {
    expect(ours.ok, `fromBinary threw "${String(ref.err)}" but ours did not`).toBe(false);
    if (!ours.ok) expectCodecError(ours.err);
    return;
  }
  if (!ours.ok) throw new Error(`ours threw "${String(ours.err)}" but fromBinary did not`);
  expectSameMessage(ours.value, ref.value, c.desc);
}

/** The binary encoder agrees with toBinary: the same bytes, or the same error. */
function expectSameBytes(m: Message, c: Codec = RESPONSE): void {
  const ref = attempt(() => toBinary(c.desc, m));
  if (!ref.ok) {
    expect(() => c.toBinary(m as never)).toThrow((ref.err as Error).message);
    return;
  }
  const ours = c.toBinary(m as never);
  if (Buffer.compare(ours, ref.value) !== 0) expect(ours).toEqual(ref.value);
}

/** Every field reachable from `desc` with the field numbers of the messages leading to it. */
function fieldsOf(desc: DescMessage, path: number[] = []): { path: number[]; field: DescField }[] {
  return desc.fields.flatMap((field) => [
    { path, field },
    ...(field.fieldKind === 'message' ? fieldsOf(field.message, [...path, field.number]) : []),
  ]);
}

/** The bytes of field `no` holding `inner` (length-delimited), nested in the messages of `path`. */
function nest(path: number[], no: number, inner: Uint8Array): Uint8Array {
  let bytes = new BinaryWriter().tag(no, WireType.LengthDelimited).bytes(inner).finish();
  for (const outer of [...path].reverse()) {
    bytes = new BinaryWriter().tag(outer, WireType.LengthDelimited).bytes(bytes).finish();
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** 2,000 simulator requests in their JSON form, as the REST endpoint receives them. */
const simRequests = (() => {
  let cache: JsonValue[] | undefined;
  return () => {
    if (cache === undefined) {
      cache = [];
      for (const r of createSimulator({ seed: 11 }).events()) {
        cache.push(JSON.parse(JSON.stringify(r.request)) as JsonValue);
        if (cache.length >= 2000) break;
      }
    }
    return cache;
  };
})();

/** Canonical proto3 JSON (toJson) of random messages, through JSON text like a request body. */
const canonicalArb = (c: Codec) => messageArb(c.desc, 'json').map((m) => canonicalJson(c.desc, m));

/** Proto3 JSON in any form fromJson reads, derived field by field from the descriptor. */
const variantArb = (c: Codec) =>
  fc.tuple(canonicalArb(c), fc.infiniteStream(fc.nat())).map(([json, stream]) => {
    const it = stream[Symbol.iterator]();
    const pick = <T>(xs: readonly T[]): T => xs[(it.next().value as number) % xs.length] as T;
    return JSON.parse(JSON.stringify(jsonVariant(c.desc, json, pick))) as JsonValue;
  });

/** Every field name (JSON and proto) of every message reachable from the codec's message. */
const fieldNames = (c: Codec) => [
  ...new Set(messagePaths(c.desc).flatMap(({ desc }) => desc.fields.flatMap((f) => [f.jsonName, f.name]))),
];

/** Values to splice into valid JSON: anything JSON, plus near-misses of the proto3 JSON forms. */
const wildValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    'NaN',
    'Infinity',
    '-Infinity',
    'nan',
    '12',
    ' 12',
    '0x1f',
    '1e3',
    '1.5',
    '',
    1.5,
    -0,
    2 ** 53,
    2 ** 31,
    2 ** 32,
    -(2 ** 31) - 1,
    '9223372036854775808',
    '-9223372036854775809',
    '__proto__',
    'PAYMENT',
    'ALLOW',
    'PASSWORD',
    '\uD800',
    'AQID',
    'AQID=',
    '!!',
    [null],
    [1, 'a'],
  ),
  fc.stringMatching(/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{0,10})?([Zz]|[+-]\d{2}:?\d{2})?$/),
);
const keyPool = (c: Codec) =>
  fc.oneof(
    fc.constantFrom(...fieldNames(c), '__proto__', 'constructor', 'toString', '[risk.v1.ext]'),
    fc.string({ maxLength: 6 }),
  );

// ---------------------------------------------------------------------------------------------

describe.each([
  ['DecideRequest', REQUEST],
  ['DecideResponse', RESPONSE],
])('generated codecs of %s, against the reflective ones (properties)', { timeout: 120_000 }, (_name, c) => {
  it('fromJson: equal for random canonical JSON', () => {
    fc.assert(
      fc.property(canonicalArb(c), (json) =>
        expectSameMessage(c.fromJson(json), fromJson(c.desc, json), c.desc),
      ),
      { numRuns: 300 },
    );
  });

  it('fromJson: equal for every proto3 JSON form (proto names, enum numbers, int64 and number strings, nulls)', () => {
    fc.assert(
      fc.property(variantArb(c), (json) =>
        expectSameMessage(c.fromJson(json), fromJson(c.desc, json), c.desc),
      ),
      { numRuns: 500 },
    );
  });

  it('fromJson: a CodecError wherever fromJson throws, the same message elsewhere (mutated JSON)', () => {
    fc.assert(
      fc.property(
        variantArb(c),
        fc.nat(),
        fc.constantFrom('set', 'add', 'delete'),
        keyPool(c),
        wildValue,
        (json, at, op, key, value) => {
          const objects: Record<string, unknown>[] = [];
          const collect = (v: unknown) => {
            if (typeof v !== 'object' || v === null) return;
            if (!Array.isArray(v)) objects.push(v as Record<string, unknown>);
            for (const x of Object.values(v)) collect(x);
          };
          collect(json);
          const target = objects[at % objects.length] as Record<string, unknown>;
          const keys = Object.keys(target);
          const existing = keys.length > 0 ? (keys[at % keys.length] as string) : key;
          if (op === 'set') target[existing] = value;
          else if (op === 'add')
            Object.defineProperty(target, key, { value, enumerable: true, writable: true });
          else delete target[existing];
          expectSameJson(json, c);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('fromBinary: equal for random messages, with unknown fields and concatenation (merge)', () => {
    const arb = messageArb(c.desc, 'binary', true);
    fc.assert(
      fc.property(arb, fc.option(arb), (a, b) => {
        const bytes = toBinary(c.desc, a);
        expectSameBinary(b === null ? bytes : concat(bytes, toBinary(c.desc, b)), c);
      }),
      { numRuns: 500 },
    );
  });

  it('fromBinary: a CodecError exactly where fromBinary throws on corrupted, truncated or random bytes', () => {
    const edit = fc.record({
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      op: fc.constantFrom('set', 'insert', 'delete'),
    });
    const arb = messageArb(c.desc, 'binary', true);
    fc.assert(
      fc.property(
        arb,
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat()),
        (m, edits, cut) => {
          const bytes = Array.from(toBinary(c.desc, m));
          for (const { at, byte, op } of edits) {
            const i = at % (bytes.length + 1);
            if (op === 'insert') bytes.splice(i, 0, byte);
            else if (i < bytes.length) {
              if (op === 'set') bytes[i] = byte;
              else bytes.splice(i, 1);
            }
          }
          if (cut !== null) bytes.length = cut % (bytes.length + 1);
          expectSameBinary(Uint8Array.from(bytes), c);
        },
      ),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => expectSameBinary(bytes, c)),
      { numRuns: 1500 },
    );
  });

  it('toBinary: byte-identical for random messages with unknown fields', () => {
    fc.assert(
      fc.property(messageArb(c.desc, 'binary', true), (m) => expectSameBytes(m, c)),
      { numRuns: 1000 },
    );
  });

  it('toBinary: fails or succeeds exactly like toBinary on messages that break their types', () => {
    const wrong = fc.constantFrom<unknown>('x', 1.5, 2 ** 31, -1, true, null, {}, [], 5n, undefined);
    fc.assert(
      fc.property(messageArb(c.desc, 'binary'), fc.nat(), wrong, (m, at, value) => {
        const f = c.desc.fields[at % c.desc.fields.length];
        if (f === undefined) return;
        (m as unknown as Record<string, unknown>)[f.localName] = value;
        expectSameBytes(m, c);
      }),
      { numRuns: 500 },
    );
  });
});

describe('generated decideRequestFromJson', { timeout: 120_000 }, () => {
  it('equals fromJson for 2,000 simulator events', () => {
    for (const json of simRequests())
      expectSameMessage(decideRequestFromJson(json), fromJson(DecideRequestSchema, json));
  });

  it('names the path of an unknown key in every message, and never decodes it reflectively', () => {
    for (const { path } of messagePaths(DecideRequestSchema)) {
      const json: Record<string, unknown> = {};
      let at = json;
      for (const p of path) {
        const next: Record<string, unknown> = {};
        at[p] = next;
        at = next;
      }
      at.foo = 1;
      expect(() => fromJson(DecideRequestSchema, json as JsonValue)).toThrow();
      const r = attempt(() => decideRequestFromJson(json));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expectCodecError(r.err);
        expect(r.err.path).toBe([...path, 'foo'].join('.'));
        expect(r.err.reason).toMatch(/^is not a field of risk\.v1\./);
      }
    }
    // There is no slow path to fall back to: the generated code never calls the reflective codecs
    // on requests (toBinary appears once, for responses that break their own types).
    for (const file of ['risk/v1/risk_codec.ts', 'codec-runtime.ts']) {
      const source = readFileSync(new URL(`../../src/gen/${file}`, import.meta.url), 'utf8');
      expect(source).not.toMatch(/\b(fromJson|fromBinary|mergeFromJson|mergeFromBinary|reflect)\(/);
    }
  });

  it.each([
    [
      'a __proto__ map key (refused: fromJson would drop it silently)',
      '{"event":{"attributes":{"__proto__":"x"}}}',
      'event.attributes.__proto__',
    ],
    ['a field given by both names', '{"event":{"eventId":"a","event_id":"b"}}', 'event.event_id'],
    ['a null map value', '{"event":{"attributes":{"a":null}}}', 'event.attributes.a'],
    [
      'an int64 out of range',
      '{"event":{"payment":{"amountMinor":"9223372036854775808"}}}',
      'event.payment.amountMinor',
    ],
    ['a NaN number', '{"event":{"device":{"confidence":"nan"}}}', 'event.device.confidence'],
    ['a leap second', '{"event":{"occurredAt":"2026-12-31T23:59:60Z"}}', 'event.occurredAt'],
    ['a lone surrogate', '{"event":{"eventId":"\\ud800"}}', 'event.eventId'],
    ['an array body', '[]', ''],
  ])('rejects %s with a CodecError naming the field', (_name, text, path) => {
    const json = JSON.parse(text) as JsonValue;
    const r = attempt(() => decideRequestFromJson(json));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expectCodecError(r.err);
      expect(r.err.path).toBe(path);
    }
  });

  it('accepts constructor, prototype and toString as map keys, like fromJson', () => {
    const json = JSON.parse('{"event":{"attributes":{"constructor":"a","prototype":"b","toString":"c"}}}');
    expectSameJson(json);
    expect(decideRequestFromJson(json).event?.attributes).toEqual({
      constructor: 'a',
      prototype: 'b',
      toString: 'c',
    });
  });

  it('reads timestamps exactly as fromJson, lenient Date.parse forms included (property)', () => {
    const ts = fc.oneof(
      fc.stringMatching(/^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-6]\d:[0-6]\d(\.\d{1,10})?(Z|[+-][0-2]\d:[0-6]\d)$/),
      fc.constantFrom('2026-11-21T24:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z'),
    );
    fc.assert(
      fc.property(ts, (t) => expectSameJson({ event: { occurredAt: t } })),
      { numRuns: 1000 },
    );
  });
});

describe('generated decideRequestFromBinary', { timeout: 120_000 }, () => {
  it('equals fromBinary for 2,000 simulator events', () => {
    for (const json of simRequests()) {
      const bytes = toBinary(DecideRequestSchema, fromJson(DecideRequestSchema, json));
      expectSameMessage(decideRequestFromBinary(bytes), fromBinary(DecideRequestSchema, bytes));
    }
  });

  it('agrees with fromBinary on every truncation of a message with every field set', () => {
    const bytes = toBinary(DecideRequestSchema, fullMessage(DecideRequestSchema));
    for (let i = 0; i < bytes.length; i++) expectSameBinary(bytes.subarray(0, i));
  });

  it('names the field of a truncated message in proto names, with a plain reason', () => {
    // Only the event, so the cut lands inside it and the path has to name a nested field.
    const full = { ...fullMessage(DecideRequestSchema), includeFeatures: false, explain: false };
    const bytes = toBinary(DecideRequestSchema, full);
    const r = attempt(() => decideRequestFromBinary(bytes.subarray(0, bytes.length - 1)));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expectCodecError(r.err);
      expect(r.err.path).toMatch(/^event\.[a-z_]+/);
      expect(r.err.message).not.toMatch(/DataView|RangeError|premature EOF/);
    }
  });

  it('reads map entries with a missing key or value, and BOMs and invalid UTF-8 in every string, like fromBinary', () => {
    let maps = 0;
    let strings = 0;
    for (const { path, field } of fieldsOf(DecideRequestSchema)) {
      const at = (inner: Uint8Array) => nest(path, field.number, inner);
      if (field.fieldKind === 'map') {
        maps++;
        const key =
          field.mapKey === ScalarType.STRING
            ? new BinaryWriter().tag(1, WireType.LengthDelimited).string('k').finish()
            : new Uint8Array(0);
        const val =
          field.mapKind === 'scalar' && field.scalar === ScalarType.STRING
            ? new BinaryWriter().tag(2, WireType.LengthDelimited).string('v').finish()
            : new Uint8Array(0);
        for (const entry of [key, val, new Uint8Array(0), concat(val, key)]) expectSameBinary(at(entry));
      }
      if (field.fieldKind === 'scalar' && field.scalar === ScalarType.STRING) {
        strings++;
        expectSameBinary(at(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)));
        const bad = at(Uint8Array.of(0xc3, 0x28));
        expectSameBinary(bad);
        const r = attempt(() => decideRequestFromBinary(bad));
        if (!r.ok) {
          expectCodecError(r.err);
          expect(r.err.path.endsWith(field.name), r.err.path).toBe(true);
          expect(r.err.reason).toBe('invalid UTF-8 in a string');
        }
      }
    }
    expect(maps).toBeGreaterThan(0);
    expect(strings).toBeGreaterThan(10);
  });

  it('decodes from a Buffer slice of a larger pool', () => {
    const bytes = toBinary(DecideRequestSchema, fullMessage(DecideRequestSchema));
    const pool = Buffer.alloc(bytes.length + 64, 0xff);
    pool.set(bytes, 17);
    const slice = pool.subarray(17, 17 + bytes.length);
    expectSameMessage(decideRequestFromBinary(slice), fromBinary(DecideRequestSchema, slice));
  });
});

describe('generated decideResponseToBinary', { timeout: 120_000 }, () => {
  it('writes explicit-presence zeros and -0, skips +0 implicit ones, like toBinary', () => {
    expect(decideResponseToBinary(create(DecideResponseSchema))).toEqual(new Uint8Array(0));
    for (const f of DecideResponseSchema.fields) {
      if (f.fieldKind !== 'scalar') continue;
      const zeros =
        f.scalar === ScalarType.DOUBLE || f.scalar === ScalarType.FLOAT ? [0, -0, Number.NaN] : [];
      for (const z of zeros) expectSameBytes(create(DecideResponseSchema, { [f.localName]: z }));
    }
  });
});

describe('generated decideResponseJsonSchema', () => {
  it('describes every field of the response as toJson writes it', () => {
    const json = toJson(DecideResponseSchema, fullMessage(DecideResponseSchema)) as Record<string, unknown>;
    const props = decideResponseJsonSchema.properties as Record<string, { type: string }>;
    expect(Object.keys(props).sort()).toEqual(DecideResponseSchema.fields.map((f) => f.jsonName).sort());
    for (const [k, v] of Object.entries(json)) {
      const t = Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v;
      expect([t, t === 'number' ? 'integer' : t], k).toContain(props[k]?.type);
    }
  });
});
