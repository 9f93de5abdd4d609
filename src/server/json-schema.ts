import { type DescEnum, type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';

/** A JSON Schema document (draft-07 subset ajv understands). */
export type JsonSchema = Record<string, unknown>;

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$';
const INT_STRING = '^-?\\d+$';
const FLOAT_STRING = '^(NaN|-?Infinity|-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?)$';

/**
 * Derives a strict JSON Schema for the proto3 JSON form of a message from its descriptor, so REST
 * validation and the gRPC contract come from the same .proto. It accepts what proto3 JSON allows
 * (both JSON and proto field names, int64 as string, enums by name or number, null as default)
 * and rejects unknown fields, so the error names the exact path.
 */
export function jsonSchemaFor(desc: DescMessage, maxString = 4096): JsonSchema {
  if (desc.typeName === 'google.protobuf.Timestamp') return { type: ['string', 'null'], pattern: RFC3339 };
  const properties: Record<string, JsonSchema> = {};
  for (const f of desc.fields) {
    const s = fieldSchema(f, maxString);
    properties[f.jsonName] = s;
    if (f.name !== f.jsonName) properties[f.name] = s;
  }
  return { type: ['object', 'null'], properties, additionalProperties: false };
}

function fieldSchema(f: DescField, maxString: number): JsonSchema {
  switch (f.fieldKind) {
    case 'scalar':
      return scalarSchema(f.scalar, maxString);
    case 'enum':
      return enumSchema(f.enum);
    case 'message':
      return jsonSchemaFor(f.message, maxString);
    case 'list':
      return { type: ['array', 'null'], items: elementSchema(f, f.listKind, maxString), maxItems: 1000 };
    case 'map':
      return {
        type: ['object', 'null'],
        additionalProperties: elementSchema(f, f.mapKind, maxString),
        maxProperties: 1000,
      };
  }
}

/** Schema of one element of a list, or one value of a map. */
function elementSchema(
  f: DescField & { fieldKind: 'list' | 'map' },
  kind: 'scalar' | 'enum' | 'message',
  maxString: number,
): JsonSchema {
  if (kind === 'scalar') return scalarSchema(f.scalar as ScalarType, maxString);
  if (kind === 'enum') return enumSchema(f.enum as DescEnum);
  return jsonSchemaFor(f.message as DescMessage, maxString);
}

function enumSchema(e: DescEnum): JsonSchema {
  return {
    type: ['string', 'integer', 'null'],
    enum: [...e.values.map((v) => v.name), ...e.values.map((v) => v.number), null],
  };
}

function scalarSchema(t: ScalarType, maxString: number): JsonSchema {
  switch (t) {
    case ScalarType.STRING:
      return { type: ['string', 'null'], maxLength: maxString };
    case ScalarType.BYTES:
      return { type: ['string', 'null'], maxLength: maxString * 2 };
    case ScalarType.BOOL:
      return { type: ['boolean', 'null'] };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: ['number', 'string', 'null'], pattern: FLOAT_STRING };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return {
        type: ['integer', 'string', 'null'],
        pattern: INT_STRING,
        minimum: -2147483648,
        maximum: 2147483647,
      };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: ['integer', 'string', 'null'], pattern: INT_STRING, minimum: 0, maximum: 4294967295 };
    default:
      // 64-bit integers: JSON numbers lose precision past 2^53, so proto3 JSON also allows strings.
      return { type: ['integer', 'string', 'null'], pattern: INT_STRING };
  }
}
