import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import type { Printable } from '@bufbuild/protoplugin';
import type { GenContext } from './gen-context.js';
import { is64, WIRE_METHOD, wireType } from './scalar-types.js';

// Binary encoders: toBinary unrolled per message.

/** Prints the binary writer of m. */
export function printBinaryWriter(ctx: GenContext, m: DescMessage): void {
  const { f } = ctx;
  f.print('function ', ctx.writerName(m), '(pos: number, m: ', f.importShape(m), '): number {');
  for (const x of [...m.fields].sort((a, b) => a.number - b.number)) printWriteField(ctx, x);
  f.print('  return ', ctx.rt('writeUnknown'), '(pos, m.$unknown);');
  f.print('}');
  f.print();
}

/** Statement writing one value `v` of scalar type t as field `no` (toBinary's writeScalar). */
function writeScalar(ctx: GenContext, t: ScalarType, no: number, v: string): Printable[] {
  const tag = (no << 3) | wireType(t);
  switch (t) {
    case ScalarType.STRING:
      return ['pos = ', ctx.rt('writeString'), `(pos, ${tag}, ${v});`];
    case ScalarType.BOOL:
      return ['pos = ', ctx.rt('writeBool'), `(pos, ${tag}, ${v});`];
    case ScalarType.DOUBLE:
      return ['pos = ', ctx.rt('writeDouble'), `(pos, ${tag}, ${v});`];
    case ScalarType.INT32:
      return ['pos = ', ctx.rt('writeInt32'), `(pos, ${tag}, ${v});`];
    case ScalarType.UINT32:
      return ['pos = ', ctx.rt('writeUint32'), `(pos, ${tag}, ${v});`];
    default:
      return ['pos = ', ctx.rt('writeVia'), `(pos, ${tag}, (w) => w.${WIRE_METHOD[t]}(${v}));`];
  }
}

/** The implicit-presence test of a singular scalar or enum (toBinary's isSet). */
function isSet(ctx: GenContext, t: ScalarType, v: string): Printable[] {
  switch (t) {
    case ScalarType.STRING:
      return [ctx.rt('stringSet'), `(${v})`];
    case ScalarType.BOOL:
      return [ctx.rt('boolSet'), `(${v})`];
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return [ctx.rt('doubleSet'), `(${v})`];
    case ScalarType.BYTES:
      return [ctx.rt('bytesSet'), `(${v})`];
    default:
      return [ctx.rt('intSet'), `(${v})`];
  }
}

function printWriteField(ctx: GenContext, x: DescField): void {
  const { f } = ctx;
  const at = `m.${x.localName}`;
  switch (x.fieldKind) {
    case 'scalar':
    case 'enum': {
      const t = x.fieldKind === 'enum' ? ScalarType.INT32 : x.scalar;
      if (x.presence === 2) {
        const zero = x.fieldKind === 'enum' ? `${at} !== ${x.enum.values[0]?.number ?? 0}` : undefined;
        f.print(
          '  if (',
          ...(zero !== undefined ? [zero] : isSet(ctx, t, at)),
          ') ',
          ...writeScalar(ctx, t, x.number, at),
        );
      } else {
        // Explicit presence: written whenever present, zero included.
        f.print(
          `  if (${at} !== undefined && Object.hasOwn(m, '${x.localName}')) `,
          ...writeScalar(ctx, t, x.number, at),
        );
      }
      return;
    }
    case 'message':
      f.print(
        `  if (${at} !== undefined) pos = `,
        ctx.rt('writeMessage'),
        `(pos, ${(x.number << 3) | 2}, ${at}, ${ctx.writerName(x.message)});`,
      );
      return;
    case 'list': {
      const tag = (x.number << 3) | 2;
      if (x.listKind === 'message') {
        f.print(
          '  for (const v of ',
          ctx.rt('list'),
          `(${at})) pos = `,
          ctx.rt('writeMessage'),
          `(pos, ${tag}, v, ${ctx.writerName(x.message)});`,
        );
        return;
      }
      const t = x.listKind === 'enum' ? ScalarType.INT32 : x.scalar;
      if (x.packed) {
        f.print(`  if (`, ctx.rt('list'), `(${at}).length > 0)`);
        f.print('    pos = ', ctx.rt('writeVia'), `(pos, ${tag}, (w) => {`);
        f.print('      w.fork();');
        f.print(`      for (const v of ${at}) w.${WIRE_METHOD[t]}(v);`);
        f.print('      w.join();');
        f.print('    });');
        return;
      }
      f.print('  for (const v of ', ctx.rt('list'), `(${at})) `, ...writeScalar(ctx, t, x.number, 'v'));
      return;
    }
    case 'map': {
      // Each entry is a sub-message: key as field 1, value as field 2 (always written, zero included).
      const tag = (x.number << 3) | 2;
      const keyT = x.mapKey;
      const keyV =
        keyT === ScalarType.BOOL
          ? "k === 'true'"
          : is64(keyT)
            ? 'k'
            : keyT === ScalarType.STRING
              ? 'k'
              : 'Number(k)';
      let val: Printable[];
      if (x.mapKind === 'message') {
        val = ['p = ', ctx.rt('writeMessage'), `(p, 18, e[1], ${ctx.writerName(x.message)});`];
      } else {
        const t = x.mapKind === 'enum' ? ScalarType.INT32 : x.scalar;
        val = writeScalar(ctx, t, 2, 'e[1]').map((s) =>
          typeof s === 'string' ? s.replaceAll('pos', 'p') : s,
        );
      }
      const keyW = writeScalar(ctx, keyT, 1, keyV).map((s) =>
        typeof s === 'string' ? s.replaceAll('pos', 'p') : s,
      );
      f.print('  for (const e of Object.entries(', ctx.rt('map'), `(${at}))) {`);
      f.print('    pos = ', ctx.rt('writeMessage'), `(pos, ${tag}, e, (p, e) => {`);
      f.print('      const k = e[0];');
      f.print('      ', ...keyW);
      f.print('      ', ...val);
      f.print('      return p;');
      f.print('    });');
      f.print('  }');
      return;
    }
  }
}
