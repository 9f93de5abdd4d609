import { canonical, type Tokenizer } from '../domain/index.js';
import { type ListMatch, normaliseItem } from './list-matcher.js';
import type { ListItem, ListKind } from './lists.js';

const MATCHES: readonly ListMatch[] = ['exact', 'case_insensitive', 'cidr', 'prefix', 'domain'];

/** Why `match` cannot serve a list of `kind`, or undefined when it can. */
export function matchProblem(kind: ListKind, match: string): string | undefined {
  if (!MATCHES.includes(match as ListMatch)) return `match must be one of ${MATCHES.join(', ')}`;
  if ((kind === 'card' || kind === 'email') && match !== 'exact')
    return `a ${kind} list holds tokens: its match is exact`;
  if (match === 'cidr' && kind !== 'ip') return 'cidr matches ip lists only';
  if (kind === 'ip' && match !== 'cidr' && match !== 'exact') return 'an ip list matches cidr or exact';
  if (match === 'domain' && kind !== 'email_domain' && kind !== 'string')
    return 'domain matches email_domain and string lists';
  return undefined;
}

/**
 * Parses one list item as a bundle file or the admin API writes it: `value` (raw; card numbers and
 * emails are tokenised here with the service's key, exactly as at the edge) or `token`, and
 * optional `reason`, `addedBy`, `addedAt` and `expiresAt` (RFC 3339). The value is normalised for
 * the list's match type (a CIDR range, a lower-case domain, ...).
 */
export function parseListItem(
  it: Record<string, unknown>,
  list: { readonly kind: ListKind; readonly match: ListMatch },
  tokenizer: Tokenizer,
  where: string,
): { value: ListItem } | { error: string } {
  let text: string | undefined;
  if (typeof it.token === 'string') text = it.token;
  else if (typeof it.value === 'string') {
    if (list.kind === 'card') text = tokenizer.token('card', canonical.card(it.value));
    else if (list.kind === 'email') text = tokenizer.token('email', canonical.email(it.value));
    else text = it.value.trim();
  }
  if (text === undefined || text === '') return { error: `${where} needs a string value or token` };
  const normal = normaliseItem(list.match, text);
  if ('error' in normal) return { error: `${where}: ${normal.error}` };
  const time = (key: 'expiresAt' | 'addedAt'): number | undefined | string => {
    const v = it[key];
    if (v === undefined) return undefined;
    const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
    return Number.isNaN(ms) ? `${where}.${key} must be an RFC 3339 time` : ms;
  };
  const expiresAtMs = time('expiresAt');
  if (typeof expiresAtMs === 'string') return { error: expiresAtMs };
  const addedAtMs = time('addedAt');
  if (typeof addedAtMs === 'string') return { error: addedAtMs };
  for (const key of ['reason', 'addedBy'] as const)
    if (it[key] !== undefined && typeof it[key] !== 'string')
      return { error: `${where}.${key} must be a string` };
  return {
    value: {
      value: normal.key,
      ...(typeof it.reason === 'string' ? { reason: it.reason } : {}),
      ...(typeof it.addedBy === 'string' ? { addedBy: it.addedBy } : {}),
      ...(addedAtMs !== undefined ? { addedAtMs } : {}),
      ...(expiresAtMs !== undefined ? { expiresAtMs } : {}),
    },
  };
}
