import type { Action, RiskEvent } from '../domain/index.js';
import { stringField } from '../features/index.js';
import type { ListLookup } from './expression.js';
import { createListMatcher, type ListMatch, type ListMatcher } from './list-matcher.js';

/**
 * The match type a list kind gets when the bundle names none: CIDR ranges for IPs, the domain and
 * its subdomains for email domains, leading digits for BINs, exact for the rest.
 */
export function defaultMatch(kind: ListKind): ListMatch {
  return kind === 'ip' ? 'cidr' : kind === 'email_domain' ? 'domain' : kind === 'bin' ? 'prefix' : 'exact';
}

/** What a list holds; it decides which event field is matched. */
export type ListKind =
  | 'ip'
  | 'device'
  | 'user'
  | 'card'
  | 'email'
  | 'email_domain'
  | 'bin'
  | 'merchant'
  | 'string';

/** One list item. `expiresAtMs` undefined means it never expires. */
export interface ListItem {
  /** The item as matched: normalised for the list's match type (see normaliseItem). */
  readonly value: string;
  readonly reason?: string;
  /** Who added it (a person or a system), for the audit trail. */
  readonly addedBy?: string;
  readonly addedAtMs?: number;
  readonly expiresAtMs?: number;
}

/** A typed list. A list with an action acts on its own; one without is only named by rules. */
export interface RiskList {
  readonly id: string;
  readonly kind: ListKind;
  /** How items match (defaultMatch of the kind when the bundle does not say). */
  readonly match: ListMatch;
  readonly action?: Action;
  readonly reasonCode: string;
  readonly message: string;
  readonly items: ReadonlyMap<string, ListItem>;
}

/** A list that matched the event being decided. */
export interface ListHit {
  readonly list: RiskList;
  readonly item: ListItem;
}

/**
 * The event field (in the features' field table) a list kind is matched against: tokens for card
 * and email. A `string` list has no field of its own; only rules name it.
 */
export const LIST_FIELD: Readonly<Record<ListKind, string | undefined>> = {
  ip: 'ip',
  device: 'device.id',
  user: 'user.id',
  card: 'card.token',
  email: 'email',
  email_domain: 'email.domain',
  bin: 'card.bin',
  merchant: 'merchant.id',
  string: undefined,
};

const listField = (kind: ListKind): ((e: RiskEvent) => string | undefined) | undefined => {
  const name = LIST_FIELD[kind];
  return name === undefined ? undefined : stringField(name);
};

/** The lists of one bundle: acting lists are checked per event, all lists are visible to rules. */
export interface ListSet extends ListLookup {
  readonly lists: readonly RiskList[];
  /** Acting lists that contain a value of `event`, at time `t`. */
  match(event: RiskEvent, t: number): ListHit[];
}

/** Builds the list set of a bundle. */
export function createListSet(lists: readonly RiskList[]): ListSet {
  const matchers = new Map<string, ListMatcher<ListItem>>(
    lists.map((l) => [l.id, createListMatcher(l.match, l.items)]),
  );
  const acting = lists
    .filter((l) => l.action !== undefined && LIST_FIELD[l.kind] !== undefined)
    .map((list) => ({
      list,
      field: listField(list.kind) as (e: RiskEvent) => string | undefined,
      matcher: matchers.get(list.id) as ListMatcher<ListItem>,
    }));
  const liveAt = (t: number) => (item: ListItem) => item.expiresAtMs === undefined || item.expiresAtMs > t;
  return {
    lists,
    has: (id) => matchers.has(id),
    contains: (id, value, t) => matchers.get(id)?.find(value, liveAt(t)) !== undefined,
    match(event, t) {
      const hits: ListHit[] = [];
      let live: ((item: ListItem) => boolean) | undefined;
      for (const { list, field, matcher } of acting) {
        const v = field(event);
        if (v === undefined) continue;
        live ??= liveAt(t);
        const item = matcher.find(v, live);
        if (item !== undefined) hits.push({ list, item });
      }
      return hits;
    },
  };
}
