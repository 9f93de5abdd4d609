import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import type { Printable } from '@bufbuild/protoplugin';
import type { GenContext } from './gen-context.js';
import { is64, longAsString, WIRE_METHOD, zeroScalar } from './scalar-types.js';

// Binary decoders: fromBinary unrolled per message.

/** Expression reading one scalar (r, buf in scope), as fromBinary's readScalar plus set(). */
function readScalar(ctx: GenContext, t: ScalarType, utf8: boolean, longAsString: boolean): Printable[] {
  if (t === ScalarType.STRING) return utf8 ? [ctx.rt('readString'), '(r, buf)'] : ['r.string()'];
  if (t === ScalarType.BOOL) return [ctx.rt('readBool'), '(r, buf)'];
  if (is64(t))
    return longAsString ? [`String(r.${WIRE_METHOD[t]}())`] : [`(r.${WIRE_METHOD[t]}() as bigint)`];
  return [`r.${WIRE_METHOD[t]}()`];
}

/** Prints the binary reader of m. */
export function printBinaryReader(ctx: GenContext, m: DescMessage): void {
  const { f } = ctx;
  const shape = f.importShape(m);
  f.print(
    'function ',
    ctx.readerName(m),
    '(r: ',
    ctx.wire('BinaryReader', true),
    ', buf: Uint8Array, len: number, m: ',
    shape,
    ', depth: number): ',
    shape,
    ' {',
  );
  f.print('  const end = r.pos + len;');
  f.print('  let no = 0;');
  f.print('  try {');
  f.print('    while (r.pos < end) {');
  f.print('      no = 0;');
  f.print('      const tag = ', ctx.rt('readTag'), '(r, buf);');
  f.print('      no = tag >>> 3;');
  f.print('      switch (no) {');
  for (const x of [...m.fields].sort((a, b) => a.number - b.number)) {
    f.print(`        case ${x.number}: {`);
    printBinaryField(ctx, x);
    f.print('          break;');
    f.print('        }');
  }
  f.print('        default:');
  f.print('          ', ctx.rt('readUnknown'), '(r, m, tag, depth);');
  f.print('      }');
  f.print('    }');
  f.print('  } catch (e) {');
  f.print('    throw ', ctx.rt('underKey'), `(e, ${protoNames(m)});`);
  f.print('  }');
  f.print('  return m;');
  f.print('}');
  f.print();
}

/** The proto name of field `no` of m (the error path), '' for the message itself. */
function protoNames(m: DescMessage): string {
  const cases = m.fields.map((x) => `no === ${x.number} ? '${x.name}' : `).join('');
  return `${cases}no === 0 ? '' : \`[\${no}]\``;
}

function printBinaryField(ctx: GenContext, x: DescField): void {
  const { f } = ctx;
  const at = `m.${x.localName}`;
  const ind = '          ';
  switch (x.fieldKind) {
    case 'scalar':
      f.print(ind, `${at} = `, ...readScalar(ctx, x.scalar, x.utf8Validation, longAsString(x)), ';');
      return;
    case 'enum':
      f.print(ind, `${at} = r.int32();`);
      return;
    case 'message':
      f.print(
        ind,
        `${at} = ${ctx.readerName(x.message)}(r, buf, r.uint32(), ${at} ?? ${ctx.zeroName(x.message)}(), depth + 1);`,
      );
      return;
    case 'list':
      if (x.listKind === 'message') {
        f.print(
          ind,
          `${at}.push(${ctx.readerName(x.message)}(r, buf, r.uint32(), ${ctx.zeroName(x.message)}(), depth + 1));`,
        );
        return;
      }
      {
        const t = x.listKind === 'enum' ? ScalarType.INT32 : x.scalar;
        const read =
          x.listKind === 'enum' ? ['r.int32()'] : readScalar(ctx, t, x.utf8Validation, longAsString(x));
        if (t === ScalarType.STRING || t === ScalarType.BYTES) {
          f.print(ind, `${at}.push(`, ...read, ');');
          return;
        }
        // Packed and unpacked encodings are both accepted, whatever the field declares.
        f.print(ind, 'if ((tag & 7) === 2) {');
        f.print(ind, '  const e = r.uint32() + r.pos;');
        f.print(ind, `  while (r.pos < e) ${at}.push(`, ...read, ');');
        f.print(ind, '} else {');
        f.print(ind, `  ${at}.push(`, ...read, ');');
        f.print(ind, '}');
      }
      return;
    case 'map': {
      // As fromBinary's readMapEntry: wire types unchecked, other fields not skipped (their bytes
      // are read as the next tag), a missing key or value is the zero value.
      const key = readScalar(ctx, x.mapKey, x.utf8Validation, false);
      const keyExpr = is64(x.mapKey) || x.mapKey === ScalarType.BOOL ? ['String(', ...key, ')'] : key;
      const zeroKey = is64(x.mapKey)
        ? "'0'"
        : x.mapKey === ScalarType.BOOL
          ? "'false'"
          : zeroScalar(x.mapKey, false);
      let val: Printable[];
      let zeroVal: string;
      if (x.mapKind === 'message') {
        val = [`${ctx.readerName(x.message)}(r, buf, r.uint32(), ${ctx.zeroName(x.message)}(), depth + 1)`];
        zeroVal = `${ctx.zeroName(x.message)}()`;
      } else if (x.mapKind === 'enum') {
        val = ['r.int32()'];
        zeroVal = String(x.enum.values[0]?.number ?? 0);
      } else {
        val = readScalar(ctx, x.scalar, x.utf8Validation, longAsString(x));
        zeroVal = zeroScalar(x.scalar, longAsString(x));
      }
      f.print(ind, 'const e = r.uint32() + r.pos;');
      f.print(ind, 'let k;');
      f.print(ind, 'let v;');
      f.print(ind, 'while (r.pos < e) {');
      f.print(ind, '  const n = ', ctx.rt('readTag'), '(r, buf) >>> 3;');
      f.print(ind, '  if (n === 1) k = ', ...keyExpr, ';');
      f.print(ind, '  else if (n === 2) v = ', ...val, ';');
      f.print(ind, '}');
      f.print(ind, `${at}[k ?? ${zeroKey}] = v ?? ${zeroVal};`);
      return;
    }
  }
}
