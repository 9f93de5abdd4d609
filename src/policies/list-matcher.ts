import ipaddr from 'ipaddr.js';

/** How a list's items match a value. */
export type ListMatch = 'exact' | 'case_insensitive' | 'cidr' | 'prefix' | 'domain';

/** Finds the item a value matches; items are keyed by their normalised text. */
export interface ListMatcher<T> {
  /**
   * The most specific item `value` matches among those `accept` takes (all by default; the list
   * set passes a liveness check, so an expired specific item does not hide a live broader one).
   */
  find(value: string, accept?: (item: T) => boolean): T | undefined;
}

/** Why an item's text is not valid for a match type, or undefined when it is; `key` is its normal form. */
export function normaliseItem(match: ListMatch, text: string): { key: string } | { error: string } {
  switch (match) {
    case 'case_insensitive':
      return { key: text.toLowerCase() };
    case 'domain': {
      const d = text
        .trim()
        .toLowerCase()
        .replace(/^\*?\./, '');
      return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(d) ? { key: d } : { error: `${text} is not a domain` };
    }
    case 'prefix':
      return text === '' ? { error: 'a prefix must not be empty' } : { key: text };
    case 'cidr': {
      try {
        const [addr, bits] = text.includes('/')
          ? ipaddr.parseCIDR(text)
          : ((a) => [a, a.kind() === 'ipv4' ? 32 : 128] as const)(ipaddr.parse(text));
        const a =
          addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
            ? (addr as ipaddr.IPv6).toIPv4Address()
            : addr;
        const width = a.kind() === 'ipv4' ? 32 : 128;
        const b = a.kind() === addr.kind() ? bits : bits - 96;
        if (!(b >= 0 && b <= width)) return { error: `${text} has a bad prefix length` };
        return { key: `${a.toString()}/${b}` };
      } catch {
        return { error: `${text} is not an IP address or CIDR range` };
      }
    }
    default:
      return { key: text };
  }
}

/**
 * Builds the matcher for items keyed by normaliseItem's keys. exact and case-insensitive are one
 * map lookup; domain looks the domain up, then each parent (`a.b.example.com` matches an item
 * `example.com`); prefix looks up each leading substring, longest first; cidr walks a binary trie
 * of the address's bits (IPv4 and IPv6 apart, IPv4-mapped IPv6 as IPv4), keeping the longest
 * prefix with an item: at most 32 or 128 steps, whatever the list's size.
 */
export function createListMatcher<T>(match: ListMatch, items: ReadonlyMap<string, T>): ListMatcher<T> {
  const ok = (item: T | undefined, accept: ((item: T) => boolean) | undefined): item is T =>
    item !== undefined && (accept === undefined || accept(item));
  switch (match) {
    case 'case_insensitive':
      return {
        find(v, accept) {
          const hit = items.get(v.toLowerCase());
          return ok(hit, accept) ? hit : undefined;
        },
      };
    case 'domain':
      return {
        find(v, accept) {
          let d = v.toLowerCase();
          for (;;) {
            const hit = items.get(d);
            if (ok(hit, accept)) return hit;
            const dot = d.indexOf('.');
            if (dot < 0) return undefined;
            d = d.slice(dot + 1);
          }
        },
      };
    case 'prefix': {
      const lengths = [...new Set([...items.keys()].map((k) => k.length))].sort((a, b) => b - a);
      return {
        find(v, accept) {
          for (const n of lengths) {
            if (n > v.length) continue;
            const hit = items.get(v.slice(0, n));
            if (ok(hit, accept)) return hit;
          }
          return undefined;
        },
      };
    }
    case 'cidr':
      return cidrMatcher(items);
    default:
      return {
        find(v, accept) {
          const hit = items.get(v);
          return ok(hit, accept) ? hit : undefined;
        },
      };
  }
}

/** A node of the bit trie: children for 0 and 1, and the item of the prefix ending here. */
interface TrieNode<T> {
  zero?: TrieNode<T>;
  one?: TrieNode<T>;
  item?: T;
}

/**
 * The bits of an address as bytes: IPv4 dotted quads are read by hand (the intake already made them
 * canonical), IPv6 through ipaddr.js; IPv4-mapped IPv6 becomes IPv4. Undefined for a non-address.
 */
function addressBytes(v: string): { v4: boolean; bytes: number[] } | undefined {
  const parts = v.split('.');
  if (parts.length === 4 && !v.includes(':')) {
    const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : 256));
    return bytes.every((b) => b < 256) ? { v4: true, bytes } : undefined;
  }
  try {
    let a: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(v);
    if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress())
      a = (a as ipaddr.IPv6).toIPv4Address();
    return { v4: a.kind() === 'ipv4', bytes: a.toByteArray() };
  } catch {
    return undefined;
  }
}

function cidrMatcher<T>(items: ReadonlyMap<string, T>): ListMatcher<T> {
  const roots: { v4: TrieNode<T>; v6: TrieNode<T> } = { v4: {}, v6: {} };
  /** Single addresses (/32, /128) by their text: most block lists hold only these, one lookup. */
  const singles = new Map<string, T>();
  let ranges = 0;
  for (const [key, item] of items) {
    const [addr, bits] = ipaddr.parseCIDR(key);
    if (bits === (addr.kind() === 'ipv4' ? 32 : 128)) singles.set(addr.toString(), item);
    else ranges++;
    const bytes = addr.toByteArray();
    let node = addr.kind() === 'ipv4' ? roots.v4 : roots.v6;
    for (let i = 0; i < bits; i++) {
      const bit = ((bytes[i >> 3] as number) >> (7 - (i & 7))) & 1;
      if (bit === 1) {
        node.one ??= {};
        node = node.one;
      } else {
        node.zero ??= {};
        node = node.zero;
      }
    }
    node.item = item;
  }
  return {
    find(v, accept) {
      const take = (item: T | undefined) => item !== undefined && (accept === undefined || accept(item));
      const single = singles.get(v);
      if (take(single)) return single;
      if (ranges === 0 && singles.size === items.size && !v.includes(':')) return undefined;
      const addr = addressBytes(v);
      if (addr === undefined) return undefined;
      const { bytes } = addr;
      let node: TrieNode<T> | undefined = addr.v4 ? roots.v4 : roots.v6;
      let best = take(node.item) ? node.item : undefined;
      for (let i = 0; node !== undefined && i < bytes.length * 8; i++) {
        const bit = ((bytes[i >> 3] as number) >> (7 - (i & 7))) & 1;
        node = bit === 1 ? node.one : node.zero;
        if (take(node?.item)) best = node?.item;
      }
      return best;
    },
  };
}
