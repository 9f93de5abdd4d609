import { type DescEnum, type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';

/** A JSON Schema document (the draft-07 subset ajv and fast-json-stringify understand). */
export type JsonSchema = { [key: string]: unknown };

/** Longest string a request may carry in one field (bytes fields: twice, for base64). */
const MAX_STRING = 4096;
/** Most items of a repeated field, or entries of a map, in a request. */
const MAX_ITEMS = 1000;

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$';
const INT_STRING = '^-?\\d+$';
const FLOAT_STRING = '^(NaN|-?Infinity|-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?)$';

/**
 * The REST validation schema of a request message: what proto3 JSON allows (JSON and proto field
 * names, int64 as string, enums by name or number, null as default), unknown fields rejected so
 * the error names the exact path. The body itself must be an object.
 */
export function requestJsonSchema(desc: DescMessage): JsonSchema {
  return { ...messageSchema(desc), type: 'object' };
}

function messageSchema(desc: DescMessage): JsonSchema {
  if (desc.typeName === 'google.protobuf.Timestamp') return { type: ['string', 'null'], pattern: RFC3339 };
  const properties: JsonSchema = {};
  for (const f of desc.fields) {
    const s = fieldSchema(f);
    properties[f.jsonName] = s;
    if (f.name !== f.jsonName) properties[f.name] = s;
  }
  return { type: ['object', 'null'], properties, additionalProperties: false };
}

function fieldSchema(f: DescField): JsonSchema {
  switch (f.fieldKind) {
    case 'scalar':
      return scalarSchema(f.scalar);
    case 'enum':
      return enumSchema(f.enum);
    case 'message':
      return messageSchema(f.message);
    case 'list':
      return { type: ['array', 'null'], items: elementSchema(f), maxItems: MAX_ITEMS };
    case 'map':
      return { type: ['object', 'null'], additionalProperties: elementSchema(f), maxProperties: MAX_ITEMS };
  }
}

/** Schema of one element of a list, or one value of a map. */
function elementSchema(f: DescField & { fieldKind: 'list' | 'map' }): JsonSchema {
  if (f.message !== undefined) return messageSchema(f.message);
  if (f.enum !== undefined) return enumSchema(f.enum);
  return scalarSchema(f.scalar as ScalarType);
}

function enumSchema(e: DescEnum): JsonSchema {
  return {
    type: ['string', 'integer', 'null'],
    enum: [...e.values.map((v) => v.name), ...e.values.map((v) => v.number), null],
  };
}

function scalarSchema(t: ScalarType): JsonSchema {
  switch (t) {
    case ScalarType.STRING:
      return { type: ['string', 'null'], maxLength: MAX_STRING };
    case ScalarType.BYTES:
      return { type: ['string', 'null'], maxLength: MAX_STRING * 2 };
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

/**
 * The fast-json-stringify schema of a response message in proto3 JSON form (JSON names, enums as
 * names, 64-bit integers as strings, timestamps as strings): it serialises several times faster
 * than JSON.stringify and writes nothing the schema does not name.
 */
export function responseJsonSchema(desc: DescMessage): JsonSchema {
  const properties: JsonSchema = {};
  for (const f of desc.fields) properties[f.jsonName] = responseFieldSchema(f);
  return { type: 'object', properties };
}

function responseFieldSchema(f: DescField): JsonSchema {
  switch (f.fieldKind) {
    case 'scalar':
      return responseScalar(f.scalar);
    case 'enum':
      return { type: 'string' };
    case 'message':
      return responseMessage(f.message);
    case 'list':
    case 'map': {
      const item =
        f.message !== undefined
          ? responseMessage(f.message)
          : f.enum !== undefined
            ? { type: 'string' }
            : responseScalar(f.scalar as ScalarType);
      return f.fieldKind === 'list'
        ? { type: 'array', items: item }
        : { type: 'object', additionalProperties: item };
    }
  }
}

function responseMessage(desc: DescMessage): JsonSchema {
  return desc.typeName === 'google.protobuf.Timestamp' ? { type: 'string' } : responseJsonSchema(desc);
}

function responseScalar(t: ScalarType): JsonSchema {
  switch (t) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return { type: 'string' };
    case ScalarType.BOOL:
      return { type: 'boolean' };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: 'number' };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: 'integer' };
    default:
      return { type: 'string' };
  }
}
