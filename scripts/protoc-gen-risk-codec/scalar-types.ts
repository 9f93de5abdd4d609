import { type DescField, ScalarType } from '@bufbuild/protobuf';

// What the generator needs to know about each scalar type, as @bufbuild/protobuf 2.13 treats it.

/** jstype = JS_STRING: a 64-bit field kept as a string (map values never are, as in protobuf-es). */
export const longAsString = (f: DescField) => 'longAsString' in f && f.longAsString === true;

/** A 64-bit integer type. */
export const is64 = (t: ScalarType) =>
  t === ScalarType.INT64 ||
  t === ScalarType.UINT64 ||
  t === ScalarType.SINT64 ||
  t === ScalarType.FIXED64 ||
  t === ScalarType.SFIXED64;
/** An unsigned integer type. */
export const isUnsigned = (t: ScalarType) =>
  t === ScalarType.UINT32 || t === ScalarType.FIXED32 || t === ScalarType.UINT64 || t === ScalarType.FIXED64;

/** BinaryReader / BinaryWriter method of a scalar type. */
export const WIRE_METHOD: Record<ScalarType, string> = {
  [ScalarType.DOUBLE]: 'double',
  [ScalarType.FLOAT]: 'float',
  [ScalarType.INT64]: 'int64',
  [ScalarType.UINT64]: 'uint64',
  [ScalarType.INT32]: 'int32',
  [ScalarType.FIXED64]: 'fixed64',
  [ScalarType.FIXED32]: 'fixed32',
  [ScalarType.BOOL]: 'bool',
  [ScalarType.STRING]: 'string',
  [ScalarType.BYTES]: 'bytes',
  [ScalarType.UINT32]: 'uint32',
  [ScalarType.SFIXED32]: 'sfixed32',
  [ScalarType.SFIXED64]: 'sfixed64',
  [ScalarType.SINT32]: 'sint32',
  [ScalarType.SINT64]: 'sint64',
};

/** Wire type of a scalar as toBinary writes it. */
export function wireType(t: ScalarType): number {
  switch (t) {
    case ScalarType.BYTES:
    case ScalarType.STRING:
      return 2;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 1;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT:
      return 5;
    default:
      return 0;
  }
}

/** Inline test that a string is well-formed UTF-16 (ES2024 isWellFormed, typed for ES2023 lib). */
export const WELL_FORMED = (v: string) => `(${v} as unknown as { isWellFormed(): boolean }).isWellFormed()`;
/** Inline test of the canonical JSON form of a scalar: when true the JSON value is the field value. */
export const FAST_JSON: Partial<Record<ScalarType, (v: string) => string>> = {
  [ScalarType.STRING]: (v) => `typeof ${v} === 'string' && ${WELL_FORMED(v)}`,
  [ScalarType.BOOL]: (v) => `typeof ${v} === 'boolean'`,
  [ScalarType.DOUBLE]: (v) => `typeof ${v} === 'number' && Number.isFinite(${v})`,
  [ScalarType.INT32]: (v) => `typeof ${v} === 'number' && (${v} | 0) === ${v}`,
  [ScalarType.SINT32]: (v) => `typeof ${v} === 'number' && (${v} | 0) === ${v}`,
  [ScalarType.SFIXED32]: (v) => `typeof ${v} === 'number' && (${v} | 0) === ${v}`,
};

/** The zero value of a scalar field as a TypeScript literal (create() and fromBinary defaults). */
export function zeroScalar(t: ScalarType, longAsString: boolean): string {
  if (t === ScalarType.STRING) return "''";
  if (t === ScalarType.BOOL) return 'false';
  if (t === ScalarType.BYTES) return 'new Uint8Array(0)';
  if (is64(t)) return longAsString ? "'0'" : '0n';
  return '0';
}
