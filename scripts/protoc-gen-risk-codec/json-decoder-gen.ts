import { type DescEnum, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import type { Printable } from '@bufbuild/protoplugin';
import type { GenContext } from './gen-context.js';
import { FAST_JSON, is64, isUnsigned, longAsString, WELL_FORMED } from './scalar-types.js';

// proto3 JSON decoders: fromJson unrolled per message.

const TIMESTAMP = 'google.protobuf.Timestamp';

/** Prints the JSON reader of enum e (names, then any int32). */
export function printEnumFromJson(ctx: GenContext, e: DescEnum): void {
  const { f } = ctx;
  const n = ctx.enumName(e);
  f.print(`const ${n}_names = `, JSON.stringify(e.values.map((v) => v.name)), ';');
  f.print(
    `const ${n}_numbers = new Map<unknown, number>(${n}_names.map((name, i) => [name, `,
    JSON.stringify(e.values.map((v) => v.number)),
    '[i] as number]));',
  );
  f.print();
  f.print('function ', n, '(v: unknown): ', f.importShape(e), ' {');
  f.print(`  return ${n}_numbers.get(v) ?? `, ctx.rt('jsonEnumNumber'), `(v, ${n}_names);`);
  f.print('}');
  f.print();
}

/** A function converting one non-null JSON value of a scalar, enum or message. */
function jsonValue(
  ctx: GenContext,
  x: { scalar?: ScalarType | undefined; enum?: DescEnum | undefined; message?: DescMessage | undefined },
  longAsString: boolean,
): Printable[] {
  if (x.message !== undefined) return [ctx.jsonName(x.message)];
  if (x.enum !== undefined) return [ctx.enumName(x.enum)];
  const t = x.scalar as ScalarType;
  switch (t) {
    case ScalarType.STRING:
      return [ctx.rt('jsonString')];
    case ScalarType.BOOL:
      return [ctx.rt('jsonBool')];
    case ScalarType.BYTES:
      return [ctx.rt('jsonBytes')];
    case ScalarType.DOUBLE:
      return [ctx.rt('jsonDouble')];
    case ScalarType.FLOAT:
      return [ctx.rt('jsonFloat')];
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return [ctx.rt('jsonInt32')];
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return [ctx.rt('jsonUint32')];
    default:
      if (longAsString) return ['((v: unknown) => ', ctx.rt('jsonLongString'), `(v, ${isUnsigned(t)}))`];
      return [ctx.rt(isUnsigned(t) ? 'jsonUint64' : 'jsonInt64')];
  }
}

/** Prints the JSON reader of m. */
export function printJsonReader(ctx: GenContext, m: DescMessage): void {
  const { f } = ctx;
  const shape = f.importShape(m);
  f.print('function ', ctx.jsonName(m), '(json: unknown): ', shape, ' {');
  if (m.typeName === TIMESTAMP) {
    f.print('  return ', ctx.rt('jsonTimestamp'), '(json);');
    f.print('}');
    f.print();
    return;
  }
  f.print('  const plain = ', ctx.rt('jsonObject'), `(json, '${m.typeName}');`);
  f.print('  const o = json as Record<string, unknown>;');
  f.print(`  const m = ${ctx.zeroName(m)}();`);
  f.print('  for (const k in o) {');
  f.print('    if (!plain && !Object.hasOwn(o, k)) continue;');
  f.print('    const v = o[k];');
  // A try per key costs nothing until it throws, and names the key in the error path.
  f.print('    try {');
  f.print('      switch (k) {');
  for (const x of m.fields) {
    if (x.name !== x.jsonName) {
      // Parsed JSON has unique keys, so only a field with two spellings can be given twice
      // (fromJson: "set multiple times"): checked under the proto name, off the canonical path.
      f.print(`        case '${x.jsonName}':`);
      f.print(`        case '${x.name}': {`);
      f.print(
        `          if (k === '${x.name}' && Object.hasOwn(o, '${x.jsonName}')) throw `,
        ctx.rt('duplicateField'),
        '();',
      );
    } else {
      f.print(`        case '${x.jsonName}': {`);
    }
    const at = `m.${x.localName}`;
    // null resets a field to its default; each field is set once, so there is nothing to reset.
    switch (x.fieldKind) {
      case 'scalar':
      case 'enum':
      case 'message': {
        const fast = x.fieldKind === 'scalar' ? FAST_JSON[x.scalar] : undefined;
        const signed64 =
          x.fieldKind === 'scalar' && !longAsString(x) && is64(x.scalar) && !isUnsigned(x.scalar);
        // The canonical form of the commonest scalars is checked inline; anything else (null,
        // other forms, errors) goes to the runtime converter, which applies fromJson's rules.
        if (fast !== undefined) f.print(`          if (${fast('v')}) ${at} = v;`);
        else if (signed64)
          f.print(`          if (typeof v === 'number' && Number.isSafeInteger(v)) ${at} = BigInt(v);`);
        f.print(
          `          ${fast !== undefined || signed64 ? 'else ' : ''}if (v !== null) ${at} = `,
          ...jsonValue(ctx, x, x.fieldKind === 'scalar' && longAsString(x)),
          '(v);',
        );
        break;
      }
      case 'list':
        f.print(
          '          if (v !== null) ',
          ctx.rt('jsonList'),
          '(v, ',
          ...jsonValue(ctx, x, longAsString(x)),
          `, ${at});`,
        );
        break;
      case 'map': {
        const fastValue = x.mapKind === 'scalar' ? FAST_JSON[x.scalar] : undefined;
        if (x.mapKey === ScalarType.STRING && fastValue !== undefined) {
          // The common map<string, scalar> unrolled: canonical entries inline, the rest (and
          // every error, named by key) through jsonMapEntry.
          f.print('          if (v !== null) {');
          f.print('            const mplain = ', ctx.rt('jsonObject'), "(v, 'a map');");
          f.print('            const mo = v as Record<string, unknown>;');
          f.print('            for (const mk in mo) {');
          f.print('              if (!mplain && !Object.hasOwn(mo, mk)) continue;');
          f.print('              const x = mo[mk];');
          f.print(
            `              if (${fastValue('x')} && mk !== '__proto__' && ${WELL_FORMED('mk')}) ${at}[mk] = x;`,
          );
          f.print(
            '              else ',
            ctx.rt('jsonMapEntry'),
            `(${at}, mk, x, `,
            ...jsonValue(ctx, x, false),
            ');',
          );
          f.print('            }');
          f.print('          }');
          break;
        }
        let key: Printable[];
        if (x.mapKey === ScalarType.STRING) key = ['undefined'];
        else if (x.mapKey === ScalarType.BOOL) key = [ctx.rt('jsonMapKeyBool')];
        else if (is64(x.mapKey))
          key = ['(s: string) => ', ctx.rt('jsonMapKeyInt64'), `(s, ${isUnsigned(x.mapKey)})`];
        else key = ['(s: string) => ', ctx.rt('jsonMapKeyInt32'), `(s, ${isUnsigned(x.mapKey)})`];
        f.print(
          '          if (v !== null) ',
          ctx.rt('jsonMap'),
          '(v, ',
          ...key,
          ', ',
          ...jsonValue(ctx, x, longAsString(x)),
          `, ${at});`,
        );
        break;
      }
    }
    f.print('          break;');
    f.print('        }');
  }
  f.print('        default:');
  f.print('          throw ', ctx.rt('unknownKey'), `('${m.typeName}');`);
  f.print('      }');
  f.print('    } catch (e) {');
  f.print('      throw ', ctx.rt('underKey'), '(e, k);');
  f.print('    }');
  f.print('  }');
  f.print('  return m;');
  f.print('}');
  f.print();
}
