import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonical, createTokenizer } from '../../src/core/tokenizer.js';

describe('tokenizer', () => {
  const key = 'test-key-0123456789';
  const t = createTokenizer(key);

  it('is HMAC-SHA256 over kind NUL value, truncated to 128 bits: stable across releases', () => {
    const expected = createHmac('sha256', key)
      .update('card\u00004111111111111111')
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    expect(t.token('card', '4111111111111111')).toBe(`ca_${expected}`);
  });

  it('separates kinds and keys, and never contains the raw value', () => {
    const card = t.token('card', '4111111111111111');
    expect(t.token('phone', '4111111111111111')).not.toBe(card);
    expect(createTokenizer('another-key-0123456789').token('card', '4111111111111111')).not.toBe(card);
    expect(card).not.toContain('4111');
  });

  it('canonicalises before tokenising', () => {
    expect(t.token('email', canonical.email(' Ana@Example.com '))).toBe(t.token('email', 'ana@example.com'));
    expect(t.token('card', canonical.card('4111 1111-1111 1111'))).toBe(t.token('card', '4111111111111111'));
  });

  it('refuses a short key', () => {
    expect(() => createTokenizer('short')).toThrow(/16 bytes/);
  });
});
