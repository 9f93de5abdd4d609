import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** Replaces raw PII (PAN, email, phone) with keyed HMAC tokens so raw values never go further. */
export interface Tokenizer {
  /** Token for a value of a given kind; the kind is mixed in so equal strings of different kinds differ. */
  token(kind: 'card' | 'email' | 'phone', raw: string): string;
}

/**
 * Creates an HMAC-SHA256 tokenizer; tokens are the first 128 bits, base64url, prefixed by kind.
 *
 * The MAC is @noble/hashes' (plain JavaScript): the key's pad blocks are hashed once, and each token
 * copies that keyed state into one reused instance (`_cloneInto`), so a short value costs two SHA-256
 * compressions and no native call. node:crypto's createHmac builds a native object per token: about
 * 2 µs in a tight loop and several times that inside a busy server (README, Benchmark). The tokens
 * are the same bytes either way; a test checks them against node:crypto for any key and value.
 */
export function createTokenizer(key: string | Buffer): Tokenizer {
  if (key.length < 16) throw new Error('tokenization key must be at least 16 bytes');
  const keyed = hmac.create(
    sha256,
    typeof key === 'string' ? Buffer.from(key, 'utf8') : Uint8Array.from(key),
  );
  let mac = keyed.clone();
  const digest = Buffer.alloc(keyed.outputLen);
  let input = Buffer.alloc(256);
  return {
    token(kind, raw) {
      const text = `${kind}\0${raw}`;
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      if (text.length * 3 > input.length) input = Buffer.alloc(text.length * 3);
      const n = input.write(text, 0, 'utf8');
      mac = keyed._cloneInto(mac);
      mac.update(input.subarray(0, n));
      mac.digestInto(digest);
      return `${kind.slice(0, 2)}_${digest.toString('base64url', 0, 16)}`;
    },
  };
}

/** Canonical forms, so the same card, email or phone always gets the same token. */
export const canonical = {
  card: (raw: string): string => raw.replace(/[\s-]/g, ''),
  email: (raw: string): string => raw.trim().toLowerCase(),
  phone: (raw: string): string => raw.replace(/[^\d+]/g, ''),
};
