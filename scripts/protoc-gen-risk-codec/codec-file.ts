import type { DescMessage } from '@bufbuild/protobuf';
import type { GeneratedFile } from '@bufbuild/protoplugin';
import { printBinaryReader } from './binary-decoder-gen.js';
import { printBinaryWriter } from './binary-encoder-gen.js';
import { GenContext } from './gen-context.js';
import { printEnumFromJson, printJsonReader } from './json-decoder-gen.js';
import { requestJsonSchema, responseJsonSchema } from './json-schemas.js';
import { checkSupported, closure, unique } from './message-closure.js';
import { longAsString, zeroScalar } from './scalar-types.js';

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * Prints the codec file of a proto file: for each message of its services (request or response),
 * a binary decoder, a proto3 JSON decoder and a binary encoder, plus the REST validation schema of
 * each request and the serializer schema of each response; then the unrolled codecs of every
 * message they reach.
 */
export function printCodecFile(f: GeneratedFile, inputs: DescMessage[], outputs: DescMessage[]): void {
  const ctx = new GenContext(f);
  const both = inputs.find((m) => outputs.includes(m));
  if (both !== undefined) throw new Error(`${both.typeName} is both a request and a response: not supported`);
  const all = closure([...inputs, ...outputs]);
  for (const m of all) checkSupported(m);
  const enums = unique(all.flatMap((m) => m.fields.flatMap((x) => (x.enum ? [x.enum] : []))));

  for (const m of inputs) printSchema(ctx, m, 'request');
  for (const m of outputs) printSchema(ctx, m, 'response');
  for (const m of [...inputs, ...outputs]) printEntryPoints(ctx, m);
  f.print('// ---------------------------------------------------------------------------------------------');
  f.print(
    '// Zero messages, as create() makes them (proto3: implicit-presence fields set to their zero value)',
  );
  f.print();
  for (const m of all) printZero(ctx, m);
  f.print('// ---------------------------------------------------------------------------------------------');
  f.print('// Binary decoders: fromBinary unrolled (same reader primitives, merge and unknown-field rules)');
  f.print();
  for (const m of all) printBinaryReader(ctx, m);
  f.print('// ---------------------------------------------------------------------------------------------');
  f.print(
    '// proto3 JSON decoders: fromJson unrolled (JSON and proto names, null = default, all scalar forms)',
  );
  f.print();
  for (const e of enums) printEnumFromJson(ctx, e);
  for (const m of all) printJsonReader(ctx, m);
  f.print('// ---------------------------------------------------------------------------------------------');
  f.print(
    '// Binary encoders: toBinary unrolled (field-number order, implicit presence, unknown fields last)',
  );
  f.print();
  for (const m of all) printBinaryWriter(ctx, m);
}

function printSchema(ctx: GenContext, m: DescMessage, role: 'request' | 'response'): void {
  const { f } = ctx;
  const name = lowerFirst(m.name);
  const [doc, schema] =
    role === 'request'
      ? [
          `The REST (proto3 JSON) validation schema of ${m.typeName}, derived from its descriptor.`,
          requestJsonSchema(m),
        ]
      : [
          `The fast-json-stringify schema of ${m.typeName} in proto3 JSON form (JSON names, enums as names).`,
          responseJsonSchema(m),
        ];
  f.print(f.jsDoc(doc));
  // Copied key by key at load (keyedCopy says why): the literal itself is garbage afterwards.
  f.print(
    f.export('const', `${name}JsonSchema`),
    ' = ',
    ctx.rt('keyedCopy'),
    '(',
    JSON.stringify(schema, null, 2),
    ');',
  );
  f.print();
}

function printEntryPoints(ctx: GenContext, m: DescMessage): void {
  const { f } = ctx;
  const name = lowerFirst(m.name);
  const shape = f.importShape(m);
  f.print(
    f.jsDoc(
      `Decodes the protobuf binary form of ${m.typeName} without reflection: the same message as fromBinary,\nand a CodecError (path in proto field names) wherever fromBinary throws.`,
    ),
  );
  f.print(f.export('function', `${name}FromBinary`), '(bytes: Uint8Array): ', shape, ' {');
  f.print('  const r = new ', ctx.wire('BinaryReader'), '(bytes);');
  f.print('  try {');
  f.print(`    return ${ctx.readerName(m)}(r, bytes, bytes.byteLength, ${ctx.zeroName(m)}(), 1);`);
  f.print('  } catch (e) {');
  f.print('    throw ', ctx.rt('underKey'), "(e, '');");
  f.print('  }');
  f.print('}');
  f.print();
  f.print(
    f.jsDoc(
      `Decodes the proto3 JSON form of ${m.typeName} (a parsed JSON value) without reflection: the same\nmessage as fromJson, and a CodecError naming the field path (JSON keys as written) wherever fromJson\nthrows. Unknown keys are errors. One divergence: a map key "__proto__" is refused (fromJson drops it).`,
    ),
  );
  f.print(f.export('function', `${name}FromJson`), '(json: unknown): ', shape, ' {');
  f.print('  try {');
  f.print(`    return ${ctx.jsonName(m)}(json);`);
  f.print('  } catch (e) {');
  f.print('    throw ', ctx.rt('underKey'), "(e, '');");
  f.print('  }');
  f.print('}');
  f.print();
  f.print(
    f.jsDoc(
      `Encodes ${m.typeName} to protobuf binary without reflection, byte-identical to toBinary. A message\nthat breaks its declared types is handed to toBinary, so it fails (or not) exactly as toBinary does.`,
    ),
  );
  f.print(f.export('function', `${name}ToBinary`), '(m: ', shape, '): Uint8Array {');
  f.print('  return ', ctx.rt('encode'), `(m, ${ctx.writerName(m)}, ${name}Reflective);`);
  f.print('}');
  f.print();
  f.print(
    'const ',
    `${name}Reflective`,
    ' = (m: ',
    shape,
    ') => ',
    f.runtime.toBinary,
    '(',
    f.importSchema(m),
    ', m);',
  );
  f.print();
}

function printZero(ctx: GenContext, m: DescMessage): void {
  const { f } = ctx;
  const parts = [`$typeName: '${m.typeName}'`];
  for (const x of m.fields) {
    if (x.fieldKind === 'list') parts.push(`${x.localName}: []`);
    else if (x.fieldKind === 'map') parts.push(`${x.localName}: {}`);
    else if (x.presence !== 2 || x.fieldKind === 'message') continue;
    else if (x.fieldKind === 'enum') parts.push(`${x.localName}: ${x.enum.values[0]?.number ?? 0}`);
    else parts.push(`${x.localName}: ${zeroScalar(x.scalar, longAsString(x))}`);
  }
  f.print('function ', ctx.zeroName(m), '(): ', f.importShape(m), ' {');
  f.print(`  return { ${parts.join(', ')} };`);
  f.print('}');
  f.print();
}
