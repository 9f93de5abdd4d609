import { isDeepStrictEqual } from 'node:util';
import {
  clone,
  create,
  type DescEnum,
  equals,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  type UnknownField,
} from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { type Timestamp, TimestampSchema } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AccountSchema,
  CardSchema,
  type DecideRequest,
  DecideRequestSchema,
  type DecideResponse,
  DecideResponseSchema,
  type Decision,
  DecisionSchema,
  DeviceSchema,
  EventSchema,
  EventTypeSchema,
  LoginMethodSchema,
  LoginSchema,
  NetworkSchema,
  PaymentChannelSchema,
  PaymentSchema,
  ReasonSchema,
  type ReasonSource,
  ReasonSourceSchema,
  StageTimingSchema,
} from '../../src/gen/risk/v1/risk_pb.js';
import {
  decideRequestFromBinary,
  decideRequestFromJson,
  decideResponseToBinary,
} from '../../src/server/codec/index.js';
import { createSimulator } from '../../src/sim/index.js';

// ---------------------------------------------------------------------------------------------
// Comparison helpers

/**
 * Same message: deep-strict-equal (presence, -0 vs +0, `$typeName`s, `$unknown`), equals() and
 * identical re-encoded bytes.
 */
function expectSameMessage(ours: DecideRequest, ref: DecideRequest): void {
  if (!isDeepStrictEqual(ours, ref)) {
    expect(ours).toStrictEqual(ref); // for the diff
    expect.fail('not deep-strict-equal');
  }
  const a = toBinary(DecideRequestSchema, ours);
  const b = toBinary(DecideRequestSchema, ref);
  if (Buffer.compare(a, b) !== 0) expect(a).toEqual(b);
  // equals() follows IEEE semantics (NaN !== NaN), so it only applies when ref equals a copy of itself.
  if (equals(DecideRequestSchema, ref, clone(DecideRequestSchema, ref))) {
    expect(equals(DecideRequestSchema, ours, ref)).toBe(true);
  }
}

function expectFastJson(json: unknown): void {
  const ref = fromJson(DecideRequestSchema, json as JsonValue);
  const ours = decideRequestFromJson(json);
  expect(ours, JSON.stringify(json)).toBeDefined();
  expectSameMessage(ours as DecideRequest, ref);
}

type Outcome = { ok: true; msg: DecideRequest } | { ok: false; err: Error };

function attempt(decode: () => DecideRequest): Outcome {
  try {
    return { ok: true, msg: decode() };
  } catch (err) {
    return { ok: false, err: err as Error };
  }
}

/** Our binary decoder agrees with fromBinary: the same message, or a throw (with the same message). */
function expectSameBinary(bytes: Uint8Array): void {
  const ref = attempt(() => fromBinary(DecideRequestSchema, bytes));
  const ours = attempt(() => decideRequestFromBinary(bytes));
  if (!ref.ok) {
    expect(ours.ok, `fromBinary threw "${ref.err.message}" but ours did not`).toBe(false);
    if (!ours.ok) expect(ours.err.message).toBe(ref.err.message);
    return;
  }
  if (!ours.ok) throw new Error(`ours threw "${ours.err.message}" but fromBinary did not`);
  expectSameMessage(ours.msg, ref.msg);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** 5,000 simulator requests in their JSON form, as the REST endpoint receives them. */
const simRequests = (() => {
  let cache: Record<string, unknown>[] | undefined;
  return () => {
    if (cache === undefined) {
      cache = [];
      for (const r of createSimulator({ seed: 11 }).events()) {
        cache.push(JSON.parse(JSON.stringify(r.request)) as Record<string, unknown>);
        if (cache.length >= 5000) break;
      }
    }
    return cache;
  };
})();

const enumNames = (e: DescEnum) => e.values.map((v) => v.name);
const enumNumbers = (e: DescEnum) => e.values.map((v) => v.number);

// ---------------------------------------------------------------------------------------------
// Hand-written canonical JSON

const FULL_EVENT = {
  event: {
    eventId: 'evt-ÿ-日本-🚀',
    type: 'PAYOUT_METHOD_ADD',
    occurredAt: '2026-11-21T10:15:00.123456789+05:30',
    account: {
      id: 'user-42',
      email: 'ana@example.com',
      phone: '+4915112345678',
      createdAt: '1969-12-31T23:59:59.5Z',
    },
    payment: {
      amountMinor: 2 ** 53 - 1,
      currency: 'EUR',
      card: {
        number: '4111111111111111',
        token: 'tok_1',
        bin: '411111',
        last4: '1111',
        country: 'DE',
        brand: 'visa',
        expMonth: 12,
        expYear: 2028,
      },
      merchantId: 'm-17',
      mcc: '5732',
      payoutDestination: 'iban:DE89370400440532013000',
      channel: 'RECURRING',
    },
    login: { success: true, method: 'SESSION_REFRESH', failureReason: 'bad_password' },
    network: {
      ip: '2001:db8::1',
      userAgent: 'Mozilla/5.0 (X11)',
      ipCountry: 'DE',
      asn: 'AS3320',
      isProxy: true,
    },
    device: {
      id: 'dev-9f2c',
      confidence: 0.98,
      emulator: true,
      rooted: true,
      bot: true,
      incognito: true,
      timezone: 'Europe/Berlin',
      language: 'de-DE',
      os: 'Android 15',
    },
    attributes: { campaign: 'spring', ключ: 'значение', '2': 'two', '10': 'ten', '': 'empty key', e: '' },
  },
};

function withEvent(patch: Record<string, unknown>): Record<string, unknown> {
  return { event: { eventId: 'e-1', ...patch } };
}

const TIMESTAMPS = [
  '2026-11-21T10:15:00Z',
  '2026-11-21T10:15:00.1Z',
  '2026-11-21T10:15:00.12Z',
  '2026-11-21T10:15:00.123Z',
  '2026-11-21T10:15:00.1234Z',
  '2026-11-21T10:15:00.12345Z',
  '2026-11-21T10:15:00.123456Z',
  '2026-11-21T10:15:00.1234567Z',
  '2026-11-21T10:15:00.12345678Z',
  '2026-11-21T10:15:00.123456789Z',
  '2026-11-21T10:15:00.000000001Z',
  '2026-11-21T10:15:00.000Z',
  '2026-11-21T10:15:00+00:00',
  '2026-11-21T10:15:00-00:00',
  '2026-11-21T10:15:00+05:30',
  '2026-11-21T10:15:00.5-08:00',
  '2026-11-21T00:00:00+23:59',
  '2026-11-21T23:59:59-23:59',
  '2024-02-29T12:00:00Z',
  '2000-02-29T12:00:00Z',
  '1970-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999999999Z',
  '1900-03-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '0001-01-01T05:00:00+05:00',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59.999999999Z',
  '9999-12-31T22:59:59-01:00',
];

const CANONICAL_CASES: [string, unknown][] = [
  ['every field set', FULL_EVENT],
  ['empty request', {}],
  ['empty event', { event: {} }],
  ['int64 as a decimal string', withEvent({ payment: { amountMinor: '12999' } })],
  ['int64 zero and negative strings', withEvent({ payment: { amountMinor: '-42' } })],
  ['int64 string at 2^53 - 1', withEvent({ payment: { amountMinor: '9007199254740991' } })],
  [
    'empty sub-messages',
    { event: { account: {}, payment: { card: {} }, login: {}, network: {}, device: {}, attributes: {} } },
  ],
  [
    'explicit zero values',
    withEvent({
      type: 'EVENT_TYPE_UNSPECIFIED',
      payment: {
        amountMinor: 0,
        currency: '',
        channel: 'PAYMENT_CHANNEL_UNSPECIFIED',
        card: { expMonth: 0 },
      },
      login: { success: false, method: 'LOGIN_METHOD_UNSPECIFIED' },
      device: { confidence: 0, bot: false },
    }),
  ],
  [
    'negative zero double and int',
    withEvent({ device: { confidence: -0 }, payment: { card: { expYear: -0 } } }),
  ],
  ['amount near 2^53', withEvent({ payment: { amountMinor: 2 ** 53 - 1 } })],
  ['amount near -2^53', withEvent({ payment: { amountMinor: -(2 ** 53 - 1) } })],
  ['negative amount', withEvent({ payment: { amountMinor: -12999 } })],
  ['int32 bounds', withEvent({ payment: { card: { expMonth: 2147483647, expYear: -2147483648 } } })],
  ['extreme doubles', withEvent({ device: { confidence: Number.MIN_VALUE } })],
  ['max double', withEvent({ device: { confidence: Number.MAX_VALUE } })],
  [
    'many attributes',
    withEvent({ attributes: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, `v${i}`])) }),
  ],
  [
    'unicode strings',
    withEvent({
      eventId: '\uFEFFbom-first',
      account: { id: '👩‍👩‍👧‍👦', email: 'ünïcödé@exämple.de', phone: '\u0000\u007f\u0080\u07ff\u0800\uffff' },
      network: { userAgent: '𝒜𝒷𝒸 — “quotes” ✓ 中文 العربية' },
      attributes: { '🔑': '🗝️', é: 'e\u0301' },
    }),
  ],
  ...TIMESTAMPS.map((t): [string, unknown] => [`timestamp ${t}`, withEvent({ occurredAt: t })]),
  ...enumNames(EventTypeSchema).map((n): [string, unknown] => [`event type ${n}`, withEvent({ type: n })]),
  ...enumNames(PaymentChannelSchema).map((n): [string, unknown] => [
    `channel ${n}`,
    withEvent({ payment: { channel: n } }),
  ]),
  ...enumNames(LoginMethodSchema).map((n): [string, unknown] => [
    `login method ${n}`,
    withEvent({ login: { method: n } }),
  ]),
];

// ---------------------------------------------------------------------------------------------
// Non-canonical JSON: the fast path must decline (undefined) and never throw

function throwingGetter(): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, 'eventId', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  return { event: o };
}

class NotPlain {
  eventId = 'x';
}

const NON_CANONICAL: [string, unknown][] = [
  ['null body', null],
  ['undefined body', undefined],
  ['array body', [FULL_EVENT]],
  ['string body', JSON.stringify(FULL_EVENT)],
  ['number body', 1],
  ['snake_case field', withEvent({ event_id: 'x' })],
  ['snake_case nested', withEvent({ payment: { amount_minor: 1 } })],
  ['snake_case top', { event: { eventId: 'x', occurred_at: '2026-11-21T10:15:00Z' } }],
  ['null event', { event: null }],
  ['null string', withEvent({ eventId: null })],
  ['null message', withEvent({ account: null })],
  ['null enum', withEvent({ type: null })],
  ['null map', withEvent({ attributes: null })],
  ['null map value', withEvent({ attributes: { a: null } })],
  ['null timestamp', withEvent({ occurredAt: null })],
  ['null int64', withEvent({ payment: { amountMinor: null } })],
  ['null bool', withEvent({ login: { success: null } })],
  ['null double', withEvent({ device: { confidence: null } })],
  ['enum as number', withEvent({ type: 1 })],
  ['enum as unknown number', withEvent({ type: 99 })],
  ['enum unknown name', withEvent({ type: 'FOO' })],
  ['enum lower case', withEvent({ type: 'payment' })],
  ['enum name of another enum', withEvent({ payment: { channel: 'PASSWORD' } })],
  ['enum inherited key', withEvent({ type: 'toString' })],
  ['int64 string with a plus sign', withEvent({ payment: { amountMinor: '+12999' } })],
  ['int64 string with leading zeros', withEvent({ payment: { amountMinor: '012999' } })],
  ['int64 string with spaces', withEvent({ payment: { amountMinor: ' 12999' } })],
  ['int64 string unsafe', withEvent({ payment: { amountMinor: '9007199254740993' } })],
  ['int64 string exponent', withEvent({ payment: { amountMinor: '1e3' } })],
  ['int64 fractional', withEvent({ payment: { amountMinor: 1.5 } })],
  ['int64 unsafe', withEvent({ payment: { amountMinor: 2 ** 53 } })],
  ['int64 huge', withEvent({ payment: { amountMinor: 1e21 } })],
  ['int64 bigint', withEvent({ payment: { amountMinor: 5n } })],
  ['int64 NaN', withEvent({ payment: { amountMinor: Number.NaN } })],
  ['int32 as string', withEvent({ payment: { card: { expMonth: '12' } } })],
  ['int32 overflow', withEvent({ payment: { card: { expYear: 2 ** 31 } } })],
  ['int32 fractional', withEvent({ payment: { card: { expYear: 2028.5 } } })],
  ['double NaN string', withEvent({ device: { confidence: 'NaN' } })],
  ['double Infinity string', withEvent({ device: { confidence: 'Infinity' } })],
  ['double -Infinity string', withEvent({ device: { confidence: '-Infinity' } })],
  ['double numeric string', withEvent({ device: { confidence: '0.5' } })],
  ['double NaN number', withEvent({ device: { confidence: Number.NaN } })],
  ['double Infinity number', withEvent({ device: { confidence: Number.POSITIVE_INFINITY } })],
  ['bool as string', withEvent({ login: { success: 'true' } })],
  ['bool as number', withEvent({ network: { isProxy: 1 } })],
  ['string as number', withEvent({ eventId: 5 })],
  ['string lone surrogate', withEvent({ eventId: 'a\uD800b' })],
  ['string lone low surrogate', withEvent({ network: { ip: '\uDC00' } })],
  ['unknown top key', { event: {}, extra: 1 }],
  ['unknown event key', withEvent({ foo: 1 })],
  ['unknown nested key', withEvent({ device: { fingerprint: 'x' } })],
  ['extension-like key', withEvent({ '[risk.v1.ext]': 1 })],
  ['message as array', withEvent({ account: [] })],
  ['message as string', withEvent({ account: 'user-1' })],
  ['event as array', { event: [] }],
  ['map as array', withEvent({ attributes: [] })],
  ['map value number', withEvent({ attributes: { a: 1 } })],
  ['map value object', withEvent({ attributes: { a: {} } })],
  ['map value lone surrogate', withEvent({ attributes: { a: '\uD83D' } })],
  ['map key lone surrogate', withEvent({ attributes: { '\uD83D': 'a' } })],
  ['map key __proto__', withEvent({ attributes: JSON.parse('{"__proto__":"x"}') })],
  ['timestamp as number', withEvent({ occurredAt: 1_700_000_000 })],
  ['timestamp as object', withEvent({ occurredAt: { seconds: 1 } })],
  ['timestamp date only', withEvent({ occurredAt: '2026-11-21' })],
  ['timestamp no zone', withEvent({ occurredAt: '2026-11-21T10:15:00' })],
  ['timestamp lower t', withEvent({ occurredAt: '2026-11-21t10:15:00Z' })],
  ['timestamp lower z', withEvent({ occurredAt: '2026-11-21T10:15:00z' })],
  ['timestamp space', withEvent({ occurredAt: '2026-11-21 10:15:00Z' })],
  ['timestamp 10 fraction digits', withEvent({ occurredAt: '2026-11-21T10:15:00.1234567890Z' })],
  ['timestamp empty fraction', withEvent({ occurredAt: '2026-11-21T10:15:00.Z' })],
  ['timestamp offset without colon', withEvent({ occurredAt: '2026-11-21T10:15:00+0530' })],
  ['timestamp offset hours only', withEvent({ occurredAt: '2026-11-21T10:15:00+05' })],
  ['timestamp offset 24h', withEvent({ occurredAt: '2026-11-21T10:15:00+24:00' })],
  ['timestamp offset 60m', withEvent({ occurredAt: '2026-11-21T10:15:00+00:60' })],
  ['timestamp Feb 30 (Date.parse rolls over)', withEvent({ occurredAt: '2026-02-30T10:15:00Z' })],
  ['timestamp Feb 29 non-leap', withEvent({ occurredAt: '2026-02-29T10:15:00Z' })],
  ['timestamp Feb 29 1900', withEvent({ occurredAt: '1900-02-29T10:15:00Z' })],
  ['timestamp 24:00', withEvent({ occurredAt: '2026-11-21T24:00:00Z' })],
  ['timestamp leap second', withEvent({ occurredAt: '2026-12-31T23:59:60Z' })],
  ['timestamp month 13', withEvent({ occurredAt: '2026-13-01T00:00:00Z' })],
  ['timestamp day 0', withEvent({ occurredAt: '2026-11-00T00:00:00Z' })],
  ['timestamp year 0', withEvent({ occurredAt: '0000-01-01T00:00:00Z' })],
  ['timestamp before year 1 via offset', withEvent({ occurredAt: '0001-01-01T00:00:00+00:01' })],
  ['timestamp after 9999 via offset', withEvent({ occurredAt: '9999-12-31T23:59:59-00:01' })],
  ['timestamp 5-digit year', withEvent({ occurredAt: '10000-01-01T00:00:00Z' })],
  ['timestamp extended year', withEvent({ occurredAt: '+002026-11-21T10:15:00Z' })],
  ['timestamp trailing space', withEvent({ occurredAt: '2026-11-21T10:15:00Z ' })],
  ['timestamp leading space', withEvent({ occurredAt: ' 2026-11-21T10:15:00Z' })],
  ['timestamp unicode digits', withEvent({ occurredAt: '２026-11-21T10:15:00Z' })],
  ['throwing getter', throwingGetter()],
  ['class instance', { event: new NotPlain() }],
  ['inherited properties', { event: Object.create({ eventId: 'x' }) }],
  ['Map', { event: new Map([['eventId', 'x']]) }],
  ['Date timestamp', withEvent({ occurredAt: new Date(0) })],
];

// ---------------------------------------------------------------------------------------------
// Arbitraries

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const int32 = fc.integer({ min: I32_MIN, max: I32_MAX });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

/** Any UTF-16 unit, lone surrogates included, plus whole code points. */
const anyUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
/** Strings for binary round trips: ASCII, unicode, lone surrogates, BOMs, long ones. */
const anyString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: anyUnit, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '\uFEFF', '\uFEFFx', 'x\uFEFF', '\uD800', '\uDFFF\uD800') },
  { weight: 1, arbitrary: fc.string({ minLength: 100, maxLength: 400 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 40, maxLength: 120 }) },
);
/** Well-formed strings (what fromJson accepts). */
const jsonString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 100, maxLength: 300 }) },
);
/** Open enums: known values and any other int32. */
const enumValue = (e: DescEnum) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...enumNumbers(e)) }, { weight: 1, arbitrary: int32 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });

/** Unknown fields of any wire type, numbered above `minNo`. */
function unknownFields(minNo: number): fc.Arbitrary<UnknownField[]> {
  const no = fc.oneof(
    fc.integer({ min: minNo, max: minNo + 40 }),
    fc.integer({ min: minNo, max: 536870911 }),
  );
  const field: fc.Arbitrary<UnknownField> = fc.oneof(
    fc.record({
      no,
      wireType: fc.constant(WireType.Varint),
      data: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => new BinaryWriter().uint64(v).finish()),
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

function withUnknown<T extends { $unknown?: UnknownField[] }>(a: fc.Arbitrary<T>, minNo: number) {
  return fc.tuple(a, unknownFields(minNo)).map(([m, u]) => {
    if (u.length > 0) m.$unknown = u;
    return m;
  });
}

const timestampArb: fc.Arbitrary<Timestamp> = withUnknown(
  fc.record({ seconds: int64, nanos: int32 }).map((t) => create(TimestampSchema, t)),
  3,
);

const requestArb: fc.Arbitrary<DecideRequest> = (() => {
  const s = anyString;
  const account = withUnknown(
    fc
      .record({ id: s, email: s, phone: s, createdAt: opt(timestampArb) })
      .map((a) => create(AccountSchema, a)),
    5,
  );
  const card = withUnknown(
    fc
      .record({
        number: s,
        token: s,
        bin: s,
        last4: s,
        country: s,
        brand: s,
        expMonth: int32,
        expYear: int32,
      })
      .map((c) => create(CardSchema, c)),
    9,
  );
  const payment = withUnknown(
    fc
      .record({
        amountMinor: int64,
        currency: s,
        card: opt(card),
        merchantId: s,
        mcc: s,
        payoutDestination: s,
        channel: enumValue(PaymentChannelSchema),
      })
      .map((p) => create(PaymentSchema, p)),
    8,
  );
  const login = withUnknown(
    fc
      .record({ success: fc.boolean(), method: enumValue(LoginMethodSchema), failureReason: s })
      .map((l) => create(LoginSchema, l)),
    4,
  );
  const network = withUnknown(
    fc
      .record({ ip: s, userAgent: s, ipCountry: s, asn: s, isProxy: fc.boolean() })
      .map((n) => create(NetworkSchema, n)),
    6,
  );
  const device = withUnknown(
    fc
      .record({
        id: s,
        confidence: fc.double(),
        emulator: fc.boolean(),
        rooted: fc.boolean(),
        bot: fc.boolean(),
        incognito: fc.boolean(),
        timezone: s,
        language: s,
        os: s,
      })
      .map((d) => create(DeviceSchema, d)),
    10,
  );
  const event = withUnknown(
    fc
      .record({
        eventId: s,
        type: enumValue(EventTypeSchema),
        occurredAt: opt(timestampArb),
        account: opt(account),
        payment: opt(payment),
        login: opt(login),
        network: opt(network),
        device: opt(device),
        attributes: fc.dictionary(s, s, { maxKeys: 6, noNullPrototype: true }),
      })
      .map((e) => create(EventSchema, e)),
    10,
  );
  return withUnknown(
    fc.record({ event: opt(event) }).map((r) => create(DecideRequestSchema, r)),
    2,
  );
})();

/** RFC 3339 timestamps fromJson and the fast path both accept (valid calendar values, any offset). */
const timestampJson = fc
  .record({
    y: fc.integer({ min: 2, max: 9998 }),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    frac: fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 9 })),
    off: fc.option(
      fc.record({
        sign: fc.constantFrom('+', '-'),
        h: fc.integer({ min: 0, max: 23 }),
        m: fc.integer({ min: 0, max: 59 }),
      }),
    ),
  })
  .map(({ y, mo, d, h, mi, s, frac, off }) => {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const zone = off === null ? 'Z' : `${off.sign}${p(off.h)}:${p(off.m)}`;
    return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}${frac === null ? '' : `.${frac}`}${zone}`;
  });

const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { requiredKeys: [] });

/** Canonical REST JSON: any subset of fields, every value in canonical form. */
const requestJson: fc.Arbitrary<Record<string, unknown>> = (() => {
  const s = jsonString;
  const bool = fc.boolean();
  const account = rec({ id: s, email: s, phone: s, createdAt: timestampJson });
  const card = rec({
    number: s,
    token: s,
    bin: s,
    last4: s,
    country: s,
    brand: s,
    expMonth: int32,
    expYear: int32,
  });
  const payment = rec({
    amountMinor: fc.maxSafeInteger(),
    currency: s,
    card,
    merchantId: s,
    mcc: s,
    payoutDestination: s,
    channel: fc.constantFrom(...enumNames(PaymentChannelSchema)),
  });
  const login = rec({
    success: bool,
    method: fc.constantFrom(...enumNames(LoginMethodSchema)),
    failureReason: s,
  });
  const network = rec({ ip: s, userAgent: s, ipCountry: s, asn: s, isProxy: bool });
  const device = rec({
    id: s,
    confidence: fc.double({ noNaN: true, noDefaultInfinity: true }),
    emulator: bool,
    rooted: bool,
    bot: bool,
    incognito: bool,
    timezone: s,
    language: s,
    os: s,
  });
  const event = rec({
    eventId: s,
    type: fc.constantFrom(...enumNames(EventTypeSchema)),
    occurredAt: timestampJson,
    account,
    payment,
    login,
    network,
    device,
    attributes: fc.dictionary(
      s.filter((k) => k !== '__proto__'),
      s,
      { maxKeys: 8 },
    ),
  });
  // Through JSON text, like a request body.
  return rec({ event }).map((j) => JSON.parse(JSON.stringify(j)) as Record<string, unknown>);
})();

/** Values to splice into canonical JSON: anything JSON, plus near-misses of the canonical forms. */
const wildValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    'NaN',
    'Infinity',
    '12',
    '',
    1.5,
    -0,
    2 ** 53,
    2 ** 31,
    -(2 ** 31) - 1,
    '__proto__',
    'PAYMENT',
    'ALLOW',
    'PASSWORD',
    'ECOMMERCE',
    '\uD800',
  ),
  fc.stringMatching(/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{0,10})?([Zz]|[+-]\d{2}:?\d{2})?$/),
  timestampJson,
);
const keyPool = fc.oneof(
  fc.constantFrom(
    'event',
    'eventId',
    'event_id',
    'type',
    'occurredAt',
    'occurred_at',
    'account',
    'payment',
    'login',
    'network',
    'device',
    'attributes',
    'id',
    'createdAt',
    'created_at',
    'amountMinor',
    'amount_minor',
    'card',
    'channel',
    'expMonth',
    'exp_month',
    'success',
    'method',
    'isProxy',
    'confidence',
    '__proto__',
    'constructor',
    'toString',
  ),
  fc.string({ maxLength: 6 }),
);

// ---------------------------------------------------------------------------------------------
// DecideResponse arbitraries

const responseArb: fc.Arbitrary<DecideResponse> = (() => {
  const s = anyString;
  const reason = withUnknown(
    fc
      .record({
        code: s,
        message: s,
        source: enumValue(ReasonSourceSchema),
        ruleId: s,
        action: enumValue(DecisionSchema),
      })
      .map((r) => create(ReasonSchema, r)),
    6,
  );
  const timing = withUnknown(
    fc.record({ stage: s, micros: fc.double() }).map((t) => create(StageTimingSchema, t)),
    3,
  );
  return withUnknown(
    fc
      .record({
        decisionId: s,
        eventId: s,
        decision: enumValue(DecisionSchema),
        score: fc.double(),
        reasons: fc.array(reason, { maxLength: 5 }),
        bundleVersion: s,
        modelVersion: s,
        degraded: fc.array(s, { maxLength: 4 }),
        timings: fc.array(timing, { maxLength: 8 }),
        modelScore: fc.option(fc.oneof(fc.double(), fc.constantFrom(0, -0)), { nil: undefined }),
        replayed: fc.boolean(),
      })
      .map((r) => create(DecideResponseSchema, r)),
    12,
  );
})();

function expectSameResponseBytes(m: DecideResponse): void {
  const ref = (() => {
    try {
      return toBinary(DecideResponseSchema, m);
    } catch (err) {
      return err as Error;
    }
  })();
  if (ref instanceof Error) {
    expect(() => decideResponseToBinary(m)).toThrow(ref.message);
    return;
  }
  const ours = decideResponseToBinary(m);
  if (Buffer.compare(ours, ref) !== 0) expect(ours).toEqual(ref);
}

// ---------------------------------------------------------------------------------------------

describe('decideRequestFromJson', { timeout: 60_000 }, () => {
  it('equals fromJson for 5,000 simulator events', () => {
    const requests = simRequests();
    expect(requests.length).toBe(5000);
    for (const json of requests) expectFastJson(json);
  });

  it.each(CANONICAL_CASES)('equals fromJson: %s', (_name, json) => {
    expectFastJson(json);
  });

  it.each(NON_CANONICAL)('declines non-canonical input: %s', (_name, json) => {
    expect(decideRequestFromJson(json)).toBeUndefined();
  });

  it('equals fromJson for random canonical JSON (property)', () => {
    fc.assert(
      fc.property(requestJson, (json) => {
        expectFastJson(json);
      }),
      { numRuns: 400 },
    );
  });

  it('never accepts what fromJson rejects or reads differently (mutated JSON, property)', () => {
    fc.assert(
      fc.property(
        requestJson,
        fc.nat(),
        fc.constantFrom('set', 'add', 'delete'),
        keyPool,
        wildValue,
        (json, at, op, key, value) => {
          const objects: Record<string, unknown>[] = [json];
          for (let i = 0; i < objects.length; i++) {
            for (const v of Object.values(objects[i] as object)) {
              if (typeof v === 'object' && v !== null && !Array.isArray(v))
                objects.push(v as Record<string, unknown>);
            }
          }
          const target = objects[at % objects.length] as Record<string, unknown>;
          const keys = Object.keys(target);
          const existing = keys.length > 0 ? (keys[at % keys.length] as string) : key;
          if (op === 'set') target[existing] = value;
          else if (op === 'add')
            Object.defineProperty(target, key, { value, enumerable: true, writable: true });
          else delete target[existing];

          const ours = decideRequestFromJson(json);
          if (ours === undefined) return;
          const ref = fromJson(DecideRequestSchema, json as JsonValue);
          expectSameMessage(ours, ref);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('decideRequestFromBinary', { timeout: 60_000 }, () => {
  it('equals fromBinary for 5,000 simulator events', () => {
    const requests = simRequests();
    expect(requests.length).toBe(5000);
    for (const json of requests) {
      const bytes = toBinary(DecideRequestSchema, fromJson(DecideRequestSchema, json as JsonValue));
      const ours = decideRequestFromBinary(bytes);
      expectSameMessage(ours, fromBinary(DecideRequestSchema, bytes));
      expect(Buffer.compare(toBinary(DecideRequestSchema, ours), bytes)).toBe(0);
    }
  });

  it.each(CANONICAL_CASES)('equals fromBinary: %s', (_name, json) => {
    expectSameBinary(toBinary(DecideRequestSchema, fromJson(DecideRequestSchema, json as JsonValue)));
  });

  it('decodes from a Buffer slice of a larger pool', () => {
    const bytes = toBinary(DecideRequestSchema, fromJson(DecideRequestSchema, FULL_EVENT));
    const pool = Buffer.alloc(bytes.length + 64, 0xff);
    pool.set(bytes, 17);
    const slice = pool.subarray(17, 17 + bytes.length);
    expectSameMessage(decideRequestFromBinary(slice), fromBinary(DecideRequestSchema, slice));
  });

  it('merges repeated sub-messages and overwrites scalars like fromBinary', () => {
    const a = fromJson(DecideRequestSchema, FULL_EVENT);
    const b = fromJson(DecideRequestSchema, {
      event: {
        eventId: 'second',
        payment: { currency: 'USD', card: { last4: '4242' } },
        device: { confidence: 0.5 },
        attributes: { campaign: 'autumn', extra: '1' },
      },
    });
    const bytes = concat(toBinary(DecideRequestSchema, a), toBinary(DecideRequestSchema, b));
    expectSameBinary(bytes);
    const m = decideRequestFromBinary(bytes);
    expect(m.event?.eventId).toBe('second');
    expect(m.event?.payment?.card?.number).toBe('4111111111111111');
    expect(m.event?.payment?.card?.last4).toBe('4242');
    expect(m.event?.attributes.campaign).toBe('autumn');
  });

  it('reads map entries with a missing key or value as ""', () => {
    // event { attributes: { value: "v" } } and { key: "k" } and an empty entry
    const entries = [
      [0x12, 0x01, 0x76], // value "v" only
      [0x0a, 0x01, 0x6b], // key "k" only
      [], // neither
    ];
    const inner = entries.flatMap((e) => [0x4a, e.length, ...e]);
    const bytes = Uint8Array.from([0x0a, inner.length, ...inner]);
    expectSameBinary(bytes);
    expect(decideRequestFromBinary(bytes).event?.attributes).toEqual({ '': '', k: '' });
  });

  it('keeps unknown fields like fromBinary', () => {
    const base = toBinary(DecideRequestSchema, fromJson(DecideRequestSchema, FULL_EVENT));
    const unknown = Uint8Array.from([0xa0, 0x06, 0x96, 0x01, 0x1d, 1, 2, 3, 4, 0x23, 0x24]);
    const bytes = concat(base, unknown);
    expectSameBinary(bytes);
    expect(decideRequestFromBinary(bytes).$unknown?.map((u) => u.no)).toEqual([100, 3, 4]);
  });

  it('strips a leading BOM from strings exactly like fromBinary', () => {
    const bytes = Uint8Array.from([0x0a, 6, 0x0a, 4, 0xef, 0xbb, 0xbf, 0x61]);
    expectSameBinary(bytes);
    expect(decideRequestFromBinary(bytes).event?.eventId).toBe('a');
  });

  it('throws on invalid UTF-8 like fromBinary', () => {
    expectSameBinary(Uint8Array.from([0x0a, 4, 0x0a, 2, 0xc3, 0x28]));
    expect(() => decideRequestFromBinary(Uint8Array.from([0x0a, 4, 0x0a, 2, 0xc3, 0x28]))).toThrow();
  });

  it('agrees with fromBinary on every truncation of a full message', () => {
    const bytes = toBinary(DecideRequestSchema, fromJson(DecideRequestSchema, FULL_EVENT));
    for (let i = 0; i < bytes.length; i++) expectSameBinary(bytes.subarray(0, i));
    expect(() => decideRequestFromBinary(bytes.subarray(0, bytes.length - 1))).toThrow();
  });

  it('equals fromBinary for random messages, with unknown fields and concatenation (property)', () => {
    fc.assert(
      fc.property(requestArb, fc.option(requestArb), (a, b) => {
        const bytes = toBinary(DecideRequestSchema, a);
        expectSameBinary(b === null ? bytes : concat(bytes, toBinary(DecideRequestSchema, b)));
      }),
      { numRuns: 600 },
    );
  });

  it('throws whenever fromBinary throws on truncated or corrupted bytes (property)', () => {
    const edit = fc.record({
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      op: fc.constantFrom('set', 'insert', 'delete'),
    });
    fc.assert(
      fc.property(
        requestArb,
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat()),
        (m, edits, cut) => {
          const bytes = Array.from(toBinary(DecideRequestSchema, m));
          for (const { at, byte, op } of edits) {
            const i = at % (bytes.length + 1);
            if (op === 'insert') bytes.splice(i, 0, byte);
            else if (i < bytes.length) {
              if (op === 'set') bytes[i] = byte;
              else bytes.splice(i, 1);
            }
          }
          if (cut !== null) bytes.length = cut % (bytes.length + 1);
          expectSameBinary(Uint8Array.from(bytes));
        },
      ),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => expectSameBinary(bytes)),
      { numRuns: 1500 },
    );
  });
});

describe('decideResponseToBinary', { timeout: 60_000 }, () => {
  it('is byte-identical to toBinary for random responses (property)', () => {
    fc.assert(
      fc.property(responseArb, (m) => expectSameResponseBytes(m)),
      { numRuns: 1000 },
    );
  });

  it('writes model_score 0 and -0, skips +0 implicit doubles, writes -0 ones', () => {
    for (const [score, modelScore] of [
      [0, 0],
      [-0, -0],
      [0, undefined],
      [Number.NaN, Number.POSITIVE_INFINITY],
    ] as const) {
      const m = create(DecideResponseSchema, { score, ...(modelScore === undefined ? {} : { modelScore }) });
      expectSameResponseBytes(m);
    }
    expect(decideResponseToBinary(create(DecideResponseSchema, {}))).toEqual(new Uint8Array(0));
    expect(decideResponseToBinary(create(DecideResponseSchema, { modelScore: 0 }))).toEqual(
      Uint8Array.from([0x51, 0, 0, 0, 0, 0, 0, 0, 0]),
    );
  });

  it('widens length varints for long strings and sub-messages', () => {
    for (const n of [42, 43, 127, 128, 5461, 5462, 16383, 16384, 30000]) {
      const m = create(DecideResponseSchema, {
        decisionId: 'x'.repeat(n),
        eventId: '€'.repeat(n),
        reasons: [{ code: 'c', message: '€'.repeat(n), ruleId: '🚀'.repeat(n) }],
        degraded: ['', 'a'.repeat(n)],
        timings: [{ stage: 's'.repeat(n), micros: 1 }],
      });
      expectSameResponseBytes(m);
    }
    // Back to a small message after the scratch buffer grew.
    expectSameResponseBytes(create(DecideResponseSchema, { decisionId: 'd', decision: 3, score: 0.5 }));
  });

  it('fails exactly like toBinary on messages that break their types', () => {
    const bad: Partial<Record<keyof DecideResponse, unknown>>[] = [
      { decision: 1.5 },
      { decision: 2 ** 31 },
      { decisionId: 42 },
      { score: 'high' },
      {
        reasons: [
          { $typeName: 'risk.v1.Reason', code: 'c', message: '', source: 0.5, ruleId: '', action: 0 },
        ],
      },
    ];
    for (const patch of bad) {
      const m = Object.assign(create(DecideResponseSchema, { decisionId: 'd' }), patch) as DecideResponse;
      expectSameResponseBytes(m);
    }
  });

  it('encodes negative enum values as 10-byte varints like toBinary', () => {
    expectSameResponseBytes(
      create(DecideResponseSchema, {
        decision: -1 as Decision,
        reasons: [{ source: I32_MIN as ReasonSource, action: -7 as Decision }],
      }),
    );
  });
});
