import type { DescEnum, DescMessage } from '@bufbuild/protobuf';
import type { GeneratedFile, Printable } from '@bufbuild/protoplugin';

const RUNTIME = './codec-runtime.js';

const id = (desc: DescMessage | DescEnum) => desc.typeName.replaceAll('.', '_');

/** The file being generated, its imports (each once) and the names of the generated functions. */
export class GenContext {
  private readonly imported = new Map<string, Printable>();

  constructor(readonly f: GeneratedFile) {}

  /** A runtime helper, imported on first use. */
  rt(name: string): Printable {
    let s = this.imported.get(name);
    if (s === undefined) {
      s = this.f.import(name, RUNTIME);
      this.imported.set(name, s);
    }
    return s;
  }

  wire(name: string, typeOnly = false): Printable {
    const key = `wire:${name}`;
    let s = this.imported.get(key);
    if (s === undefined) {
      s = this.f.import(name, '@bufbuild/protobuf/wire', typeOnly);
      this.imported.set(key, s);
    }
    return s;
  }

  /** Zero message factory of m. */
  zeroName = (m: DescMessage) => `zero_${id(m)}`;
  /** Binary reader of m. */
  readerName = (m: DescMessage) => `binary_${id(m)}`;
  /** JSON reader of m. */
  jsonName = (m: DescMessage) => `json_${id(m)}`;
  /** JSON enum reader of e. */
  enumName = (e: DescEnum) => `enum_${id(e)}`;
  /** Binary writer of m. */
  writerName = (m: DescMessage) => `write_${id(m)}`;
}
