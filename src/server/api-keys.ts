import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Who a presented key belongs to. */
export type KeyRole = 'admin' | 'readonly' | 'decide' | 'none' | 'unknown';

/** The configured API keys, compared in constant time. */
export interface ApiKeys {
  /** True when admin keys are configured; without them the admin API answers loopback callers only. */
  readonly adminConfigured: boolean;
  /** True when decide keys are configured; without them decisions need no key. */
  readonly decideConfigured: boolean;
  /** True when read-only keys are configured: they may read the admin API (GET), the stream and the console. */
  readonly readonlyConfigured: boolean;
  /** The role of a presented key (`none` when there is none). */
  roleOf(presented: string | undefined): KeyRole;
}

const digest = (k: string) => createHash('sha256').update(k).digest();

/**
 * Reads keys from a comma-separated list and a file (one key per line, `#` comments). Keys are
 * compared as SHA-256 digests with timingSafeEqual against every configured key, so neither a
 * key's content nor which key matched shows in the timing.
 */
export function loadApiKeys(env: {
  readonly adminKeys: string;
  readonly adminKeysFile: string;
  readonly decideKeys: string;
  readonly decideKeysFile: string;
  readonly readonlyKeys?: string;
  readonly readonlyKeysFile?: string;
}): ApiKeys {
  const read = (list: string, file: string): Buffer[] => {
    const fromFile =
      file === ''
        ? []
        : readFileSync(file, 'utf8')
            .split('\n')
            .map((l) => l.trim())
            .filter((l) => l !== '' && !l.startsWith('#'));
    const keys = [...list.split(','), ...fromFile].map((k) => k.trim()).filter((k) => k !== '');
    for (const k of keys) if (k.length < 16) throw new Error('an API key must be at least 16 characters');
    return keys.map(digest);
  };
  const admin = read(env.adminKeys, env.adminKeysFile);
  const decide = read(env.decideKeys, env.decideKeysFile);
  const readonly = read(env.readonlyKeys ?? '', env.readonlyKeysFile ?? '');
  const matches = (set: Buffer[], d: Buffer) => {
    let hit = false;
    for (const k of set) hit = timingSafeEqual(k, d) || hit;
    return hit;
  };
  return {
    adminConfigured: admin.length > 0,
    decideConfigured: decide.length > 0,
    readonlyConfigured: readonly.length > 0,
    roleOf(presented) {
      if (presented === undefined || presented === '') return 'none';
      const d = digest(presented);
      if (matches(admin, d)) return 'admin';
      if (matches(readonly, d)) return 'readonly';
      if (matches(decide, d)) return 'decide';
      return 'unknown';
    },
  };
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(
  authorization: string | undefined,
  apiKey: string | undefined,
): string | undefined {
  if (apiKey !== undefined && apiKey !== '') return apiKey;
  const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m?.[1];
}
