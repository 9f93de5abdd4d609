import { isIsoCountry } from './iso-countries.js';

/**
 * Values callers send when they have nothing: a field that carries one of these was sent but holds
 * no information. Compared in lower case, trimmed.
 */
const PLACEHOLDERS: ReadonlySet<string> = new Set([
  'unknown',
  'null',
  'undefined',
  'none',
  'nil',
  'n/a',
  'na',
  '-',
  '--',
  '?',
  '0',
  '(null)',
  '<null>',
  'default',
  'test',
  'empty',
  'nan',
  'false',
  'true',
  '[object object]',
]);
/** The longest placeholder; longer values skip the (allocating) lower-case lookup. */
const PLACEHOLDER_MAX = 16;

/** True when the text is a placeholder such as "unknown", "null" or "-". */
export function isPlaceholder(s: string): boolean {
  if (s.length > PLACEHOLDER_MAX + 2) return false;
  return PLACEHOLDERS.has(s.trim().toLowerCase());
}

/** True when the text holds a control character (C0 or DEL). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * A device id is well formed when it has at least 4 characters, no control characters, is no
 * placeholder ("unknown", "null", ...) and is not one character repeated (the all-zero UUID).
 */
export function validDeviceId(s: string): boolean {
  if (s.length < 4) return false;
  // One pass: control characters, and whether more than one character (separators aside) occurs.
  let first = -1;
  let varied = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
    if (c === 0x2d || c === 0x3a || c === 0x5f || c === 0x2e || c === 0x20) continue;
    if (first === -1) first = c;
    else if (c !== first) varied = true;
  }
  return varied && !isPlaceholder(s);
}

/**
 * An IP (as the intake canonicalised it) is well formed when it could be the customer's: not
 * unspecified, loopback, private (RFC 1918, fc00::/7), carrier-grade NAT, link-local, multicast or
 * reserved. Those are what a gateway sends when it forwards its own or its proxy's address.
 */
export function validIp(ip: string): boolean {
  if (ip.indexOf(':') === -1) {
    // Dotted quad, strict (the intake checked it): the first two octets decide.
    let a = 0;
    let i = 0;
    for (; i < ip.length && ip.charCodeAt(i) !== 0x2e; i++) a = a * 10 + ip.charCodeAt(i) - 48;
    let b = 0;
    for (i++; i < ip.length && ip.charCodeAt(i) !== 0x2e; i++) b = b * 10 + ip.charCodeAt(i) - 48;
    if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
    if (a === 169 && b === 254) return false;
    if (a === 172 && b >= 16 && b <= 31) return false;
    if (a === 192 && b === 168) return false;
    if (a === 100 && b >= 64 && b <= 127) return false;
    return true;
  }
  // IPv6, compressed lower case: ::/8 (unspecified, loopback, mapped), fc00::/7, fe80::/10, ff00::/8.
  if (ip.startsWith('::')) return false;
  const c0 = ip.charCodeAt(0);
  const c1 = ip.charCodeAt(1);
  if (c0 === 0x66 /* f */ && ip.indexOf(':') === 4) {
    if (c1 === 0x63 || c1 === 0x64) return false; // fc, fd
    if (c1 === 0x66) return false; // ff
    if (c1 === 0x65) {
      const c2 = ip.charCodeAt(2);
      if (c2 === 0x38 || c2 === 0x39 || c2 === 0x61 || c2 === 0x62) return false; // fe8..feb
    }
  }
  return true;
}

/** A card country is well formed when it is an assigned ISO 3166-1 alpha-2 code. */
export function validCountry(code: string): boolean {
  return isIsoCountry(code);
}

const RESERVED_TLDS: ReadonlySet<string> = new Set(['invalid', 'local', 'localhost', 'test', 'example']);

/**
 * An email (seen through its domain: the address itself is a token) is well formed when the domain
 * has at least two labels of letters, digits and hyphens (non-ASCII allowed for IDNs), none longer
 * than 63 or starting or ending with a hyphen, and a top-level label of two or more letters (or an
 * xn-- label) that is not reserved (invalid, local, localhost, test, example).
 */
export function validEmailDomain(domain: string | undefined): boolean {
  if (domain === undefined || domain.length > 253) return false;
  let labelStart = 0;
  let labels = 0;
  for (let i = 0; i <= domain.length; i++) {
    const c = i === domain.length ? 0x2e : domain.charCodeAt(i);
    if (c === 0x2e) {
      const len = i - labelStart;
      if (len === 0 || len > 63) return false;
      if (domain.charCodeAt(labelStart) === 0x2d || domain.charCodeAt(i - 1) === 0x2d) return false;
      labels++;
      labelStart = i + 1;
      continue;
    }
    const ok =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2d ||
      c >= 0x80 ||
      (c >= 0x41 && c <= 0x5a);
    if (!ok) return false;
  }
  if (labels < 2) return false;
  const tld = domain.slice(domain.lastIndexOf('.') + 1);
  if (RESERVED_TLDS.has(tld)) return false;
  if (tld.startsWith('xn--')) return true;
  if (tld.length < 2) return false;
  for (let i = 0; i < tld.length; i++) {
    const c = tld.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) {
      if (tld.charCodeAt(i) < 0x80) return false;
    }
  }
  return true;
}

/** A user agent is well formed when it holds a letter, no control characters and is no placeholder. */
export function validUserAgent(ua: string): boolean {
  if (hasControl(ua) || isPlaceholder(ua)) return false;
  for (let i = 0; i < ua.length; i++) {
    const c = ua.charCodeAt(i) | 0x20;
    if (c >= 0x61 && c <= 0x7a) return true;
  }
  return false;
}

/** A free-text attribute is well formed when it has no control characters and is no placeholder. */
export function validText(s: string): boolean {
  return !hasControl(s) && !isPlaceholder(s);
}
