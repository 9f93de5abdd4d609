import { Readable } from 'node:stream';
import { type DescField, type DescMessage, fromJson, type JsonObject, ScalarType } from '@bufbuild/protobuf';
import { eventFromProto, type IntakeOptions, type RiskEvent, type Tokenizer } from '../domain/index.js';
import { DecideRequestSchema } from '../gen/risk/v1/risk_pb.js';
import { csvRecords, isMissing } from '../model/train/index.js';

/**
 * How the columns of a labelled CSV make events (docs/backtest.md "Over a CSV"): each event field,
 * by its proto JSON path under `event` (`payment.amountMinor`, `account.id`, `attributes.channel`),
 * takes a column's value; `constants` fill fields no column has; `label` names the 0/1 fraud column.
 */
export interface CsvMapping {
  /** Field path → a column, or a column and a factor its numbers are multiplied by (dollars → cents: 100). */
  readonly columns: Readonly<Record<string, string | { readonly column: string; readonly scale: number }>>;
  readonly constants: Readonly<Record<string, string | number | boolean>>;
  readonly label?: string;
}

/** One CSV row as an event (tokenised at this edge like any request), or why it is not one. */
export type CsvEventRow =
  | { readonly line: number; readonly event: RiskEvent; readonly label?: boolean }
  | { readonly line: number; readonly errors: readonly string[] };

type FieldKind = 'string' | 'number' | 'int64' | 'bool' | 'enum' | 'timestamp' | 'map';
const EVENT: DescMessage = DecideRequestSchema.fields.find((f) => f.name === 'event')?.message as DescMessage;

/** The kind of value the event field at `path` (JSON names) takes, or why there is none. */
function fieldAt(path: string): { kind: FieldKind; parts: string[] } | { error: string } {
  const parts = path.split('.');
  let desc: DescMessage | undefined = EVENT;
  for (let i = 0; i < parts.length; i++) {
    const f: DescField | undefined = desc?.fields.find((x) => x.jsonName === parts[i] || x.name === parts[i]);
    if (f === undefined) return { error: `no event field ${parts.slice(0, i + 1).join('.')}` };
    parts[i] = f.jsonName;
    const last = i === parts.length - 1;
    if (f.fieldKind === 'map') {
      if (i !== parts.length - 2)
        return { error: `${path}: name one key of the map, as ${f.jsonName}.<key>` };
      return { kind: 'map', parts };
    }
    if (f.fieldKind === 'message') {
      if (f.message.typeName === 'google.protobuf.Timestamp') {
        if (!last) return { error: `${path}: ${f.jsonName} is a timestamp` };
        return { kind: 'timestamp', parts };
      }
      if (last) return { error: `${path} is a message; name one of its fields` };
      desc = f.message;
      continue;
    }
    if (!last) return { error: `${parts.slice(0, i + 1).join('.')} has no fields` };
    if (f.fieldKind === 'enum') return { kind: 'enum', parts };
    if (f.fieldKind !== 'scalar') return { error: `${path}: lists are not mapped from a column` };
    switch (f.scalar) {
      case ScalarType.STRING:
        return { kind: 'string', parts };
      case ScalarType.BOOL:
        return { kind: 'bool', parts };
      case ScalarType.INT64:
      case ScalarType.UINT64:
      case ScalarType.SINT64:
      case ScalarType.FIXED64:
      case ScalarType.SFIXED64:
        return { kind: 'int64', parts };
      default:
        return { kind: 'number', parts };
    }
  }
  return { error: `${path}: empty path` };
}

const isScaled = (c: unknown): c is { column: string; scale: number } =>
  typeof c === 'object' &&
  c !== null &&
  Object.keys(c).every((k) => k === 'column' || k === 'scale') &&
  typeof (c as { column?: unknown }).column === 'string' &&
  typeof (c as { scale?: unknown }).scale === 'number' &&
  Number.isFinite((c as { scale: number }).scale);

/** Checks a mapping (JSON) against the event's fields; every problem names its path. */
export function parseCsvMapping(raw: unknown): { value: CsvMapping } | { errors: string[] } {
  const errors: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { errors: ['mapping: must be an object with columns, constants and label'] };
  const m = raw as Record<string, unknown>;
  for (const k of Object.keys(m))
    if (k !== 'columns' && k !== 'constants' && k !== 'label') errors.push(`mapping.${k}: unknown key`);
  const columns: Record<string, string | { column: string; scale: number }> = {};
  const constants: Record<string, string | number | boolean> = {};
  const obj = (k: string) => {
    const v = m[k] ?? {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      errors.push(
        `mapping.${k}: must be an object of event field path: ${k === 'columns' ? 'column' : 'value'}`,
      );
      return {};
    }
    return v as Record<string, unknown>;
  };
  for (const [path, col] of Object.entries(obj('columns'))) {
    const f = fieldAt(path);
    if ('error' in f) errors.push(`mapping.columns.${path}: ${f.error}`);
    else if (typeof col === 'string' && col !== '') columns[path] = col;
    else if (isScaled(col)) {
      if (f.kind !== 'number' && f.kind !== 'int64')
        errors.push(`mapping.columns.${path}: scale applies to numeric fields only`);
      else columns[path] = col;
    } else
      errors.push(`mapping.columns.${path}: must name a column, or be {"column": name, "scale": number}`);
  }
  for (const [path, v] of Object.entries(obj('constants'))) {
    const f = fieldAt(path);
    if ('error' in f) errors.push(`mapping.constants.${path}: ${f.error}`);
    else if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      errors.push(`mapping.constants.${path}: must be a string, number or boolean`);
    else constants[path] = v;
  }
  if (m.label !== undefined && (typeof m.label !== 'string' || m.label === ''))
    errors.push('mapping.label: must name a column');
  if (Object.keys(columns).length === 0 && errors.length === 0)
    errors.push('mapping.columns: map at least one column');
  if (errors.length > 0) return { errors };
  return { value: { columns, constants, ...(typeof m.label === 'string' ? { label: m.label } : {}) } };
}

/** A CSV text value as the proto JSON value of its field; an error string when it cannot be one. */
function jsonValue(
  kind: FieldKind,
  text: string,
  scale: number,
): string | number | boolean | { error: string } {
  const t = text.trim();
  if (scale !== 1 && (kind === 'int64' || kind === 'number')) {
    const n = Number(t) * scale;
    if (!Number.isFinite(n)) return { error: `must be a number, got ${JSON.stringify(text)}` };
    return kind === 'int64' ? String(Math.round(n)) : n;
  }
  switch (kind) {
    case 'string':
    case 'map':
      return t;
    case 'enum':
      return t.toUpperCase();
    case 'int64':
      return /^[+-]?\d+$/.test(t) ? t : { error: `must be an integer, got ${JSON.stringify(text)}` };
    case 'number': {
      const n = Number(t);
      return Number.isFinite(n) ? n : { error: `must be a number, got ${JSON.stringify(text)}` };
    }
    case 'bool': {
      const l = t.toLowerCase();
      if (l === 'true' || l === '1' || l === 'yes') return true;
      if (l === 'false' || l === '0' || l === 'no') return false;
      return { error: `must be true or false (1/0), got ${JSON.stringify(text)}` };
    }
    case 'timestamp': {
      // RFC 3339, or epoch seconds / milliseconds (told apart by size).
      if (/^\d+(\.\d+)?$/.test(t)) {
        const n = Number(t);
        return new Date(n < 1e11 ? n * 1000 : n).toISOString();
      }
      return t;
    }
  }
}

const setPath = (root: JsonObject, parts: readonly string[], v: string | number | boolean) => {
  let o = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i] as string;
    o[k] ??= {};
    o = o[k] as JsonObject;
  }
  o[parts[parts.length - 1] as string] = v;
};

/**
 * Reads a CSV (text or a file) into events by `mapping`, through the same intake as the API:
 * tokenised at this edge, validated, a bad row reported with its line and field, never thrown.
 * A header naming no mapped column fails at once (thrown, with the header).
 */
export async function* csvEvents(
  source: { readonly path: string } | { readonly text: string; readonly name?: string },
  mapping: CsvMapping,
  tokenizer: Tokenizer,
  intake: IntakeOptions = {},
): AsyncGenerator<CsvEventRow> {
  const name = 'path' in source ? source.path : (source.name ?? 'csv');
  const input = 'text' in source ? Readable.from([source.text]) : undefined;
  const fields = Object.entries(mapping.columns).map(([path, c]) => {
    const f = fieldAt(path) as { kind: FieldKind; parts: string[] };
    const col = typeof c === 'string' ? c : c.column;
    return { path, col, scale: typeof c === 'string' ? 1 : c.scale, ...f, at: -1 };
  });
  const constants = Object.entries(mapping.constants).map(([path, v]) => ({
    ...(fieldAt(path) as { kind: FieldKind; parts: string[] }),
    v,
  }));
  let labelAt = -1;
  let header: string[] | undefined;
  for await (const { fields: row, line } of csvRecords(name, ',', input)) {
    if (header === undefined) {
      header = row.map((h) => h.trim());
      const missing = [
        ...fields.map((f) => f.col),
        ...(mapping.label !== undefined ? [mapping.label] : []),
      ].filter((c) => !header?.includes(c));
      if (missing.length > 0)
        throw new Error(
          `${name}: no column ${missing.map((c) => JSON.stringify(c)).join(', ')}; the header has ${header.join(', ')}`,
        );
      for (const f of fields) f.at = header.indexOf(f.col);
      if (mapping.label !== undefined) labelAt = header.indexOf(mapping.label);
      continue;
    }
    const errors: string[] = [];
    const event: JsonObject = {};
    for (const c of constants) setPath(event, c.parts, c.v);
    for (const f of fields) {
      const text = row[f.at] ?? '';
      if (isMissing(text)) continue;
      const v = jsonValue(f.kind, text, f.scale);
      if (typeof v === 'object') errors.push(`${name}:${line}: column ${f.col} (${f.path}) ${v.error}`);
      else setPath(event, f.parts, v);
    }
    let label: boolean | undefined;
    if (labelAt >= 0) {
      const t = (row[labelAt] ?? '').trim().toLowerCase();
      if (t === '1' || t === 'true' || t === '1.0') label = true;
      else if (t === '0' || t === 'false' || t === '0.0') label = false;
      else if (!isMissing(t))
        errors.push(
          `${name}:${line}: label ${mapping.label} must be 0 or 1 (or true/false), got ${JSON.stringify(t)}`,
        );
    }
    if (errors.length > 0) {
      yield { line, errors };
      continue;
    }
    let req: ReturnType<typeof fromJson<typeof DecideRequestSchema>>;
    try {
      req = fromJson(DecideRequestSchema, { event });
    } catch (err) {
      yield { line, errors: [`${name}:${line}: ${(err as Error).message}`] };
      continue;
    }
    const ev = eventFromProto(req, tokenizer, intake);
    if ('errors' in ev) {
      yield { line, errors: ev.errors.map((e) => `${name}:${line}: ${e.field}: ${e.description}`) };
      continue;
    }
    yield { line, event: ev.value, ...(label !== undefined ? { label } : {}) };
  }
}
