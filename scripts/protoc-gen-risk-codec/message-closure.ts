import type { DescMessage } from '@bufbuild/protobuf';

/** The distinct items of a list, in first-seen order. */
export function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** Message types reachable from `roots` through fields, dependencies first; refuses cycles. */
export function closure(roots: DescMessage[]): DescMessage[] {
  const out: DescMessage[] = [];
  const visiting = new Set<DescMessage>();
  const visit = (m: DescMessage, path: string) => {
    if (out.includes(m)) return;
    if (visiting.has(m)) throw new Error(`${path}: recursive message ${m.typeName} is not supported`);
    visiting.add(m);
    for (const f of m.fields) if (f.message !== undefined) visit(f.message, `${m.typeName}.${f.name}`);
    visiting.delete(m);
    out.push(m);
  };
  for (const r of roots) visit(r, r.typeName);
  return out;
}

const SPECIAL_JSON_WKT = new Set([
  'google.protobuf.Any',
  'google.protobuf.Duration',
  'google.protobuf.FieldMask',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.NullValue',
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

/** Refuses what the generated code does not implement, naming the field. */
export function checkSupported(m: DescMessage): void {
  if (m.oneofs.length > 0) throw new Error(`${m.typeName}: oneof is not supported by protoc-gen-risk-codec`);
  for (const f of m.fields) {
    const where = `${m.typeName}.${f.name}`;
    if (f.presence === 3) throw new Error(`${where}: required fields are not supported`);
    if ('delimitedEncoding' in f && f.delimitedEncoding) {
      throw new Error(`${where}: group (delimited) encoding is not supported`);
    }
    if (f.enum !== undefined && (!f.enum.open || SPECIAL_JSON_WKT.has(f.enum.typeName))) {
      throw new Error(`${where}: closed enums and google.protobuf.NullValue are not supported`);
    }
    if (f.message !== undefined && SPECIAL_JSON_WKT.has(f.message.typeName)) {
      throw new Error(`${where}: ${f.message.typeName} (special JSON form) is not supported`);
    }
  }
}
