import { createHmac, createSecretKey } from 'node:crypto';

/** Replaces raw PII (PAN, email, phone) with keyed HMAC tokens so raw values never go further. */
export interface Tokenizer {
  /** Token for a value of a given kind; the kind is mixed in so equal strings of different kinds differ. */
  token(kind: 'card' | 'email' | 'phone', raw: string): string;
}

/** Creates an HMAC-SHA256 tokenizer; tokens are the first 128 bits, base64url, prefixed by kind. */
export function createTokenizer(key: string | Buffer): Tokenizer {
  if (key.length < 16) throw new Error('tokenization key must be at least 16 bytes');
  // One KeyObject, so each token skips re-importing the key; one update call per token.
  const secret = createSecretKey(typeof key === 'string' ? Buffer.from(key, 'utf8') : key);
  return {
    token(kind, raw) {
      const mac = createHmac('sha256', secret).update(`${kind}\0${raw}`).digest();
      return `${kind.slice(0, 2)}_${mac.subarray(0, 16).toString('base64url')}`;
    },
  };
}

/** Canonical forms, so the same card, email or phone always gets the same token. */
export const canonical = {
  card: (raw: string): string => raw.replace(/[\s-]/g, ''),
  email: (raw: string): string => raw.trim().toLowerCase(),
  phone: (raw: string): string => raw.replace(/[^\d+]/g, ''),
};
