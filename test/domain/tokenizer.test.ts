import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical, createTokenizer } from '../../src/domain/tokenizer.js';

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

  it('equals node:crypto HMAC-SHA256 for any key and value, in any order of calls', () => {
    const kinds = ['card', 'email', 'phone'] as const;
    fc.assert(
      fc.property(
        // Keys shorter and longer than SHA-256's 64-byte block (a long key is hashed first).
        fc.string({ minLength: 16, maxLength: 100, unit: 'binary' }),
        // Values across block boundaries (55, 64, 119 bytes), astral and lone surrogates included.
        fc.array(fc.tuple(fc.constantFrom(...kinds), fc.string({ maxLength: 150, unit: 'binary' })), {
          minLength: 1,
          maxLength: 6,
        }),
        (k, values) => {
          const tok = createTokenizer(k);
          for (const [kind, raw] of values) {
            const ref = createHmac('sha256', Buffer.from(k, 'utf8'))
              .update(`${kind}\u0000${raw}`, 'utf8')
              .digest()
              .subarray(0, 16)
              .toString('base64url');
            expect(tok.token(kind, raw)).toBe(`${kind.slice(0, 2)}_${ref}`);
          }
        },
      ),
      { numRuns: 300 },
    );
    // A Buffer key gives the same tokens as the same bytes as a string.
    expect(createTokenizer(Buffer.from(key)).token('email', 'a@b.c')).toBe(t.token('email', 'a@b.c'));
    // Values longer than the reused input buffer, in characters or only in UTF-8 bytes.
    for (const long of ['x'.repeat(5_000), '€'.repeat(200), '😀'.repeat(100)]) {
      const ref = createHmac('sha256', key).update(`phone\u0000${long}`).digest().subarray(0, 16);
      expect(createTokenizer(key).token('phone', long)).toBe(`ph_${ref.toString('base64url')}`);
    }
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
