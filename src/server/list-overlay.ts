import type { Bundle } from '../engine/index.js';
import { createListSet, type ListItem, type RiskList } from '../policies/index.js';
import type { ListChange } from './bundle-store.js';

/** Live list items added or removed without a publish, over whatever bundle serves. */
export interface ListOverlay {
  /** How many changes were applied: the `n` of `<bundle version>+lists.<n>`. */
  readonly revision: number;
  apply(change: ListChange): void;
  /** `b` with the changes applied to its lists, versioned `<b.version>+lists.<n>`; `b` itself with none. */
  on(b: Bundle): Bundle;
  /** The version `b` serves with the changes applied, and `more` changes after them. */
  versionOn(b: Bundle, more?: number): string;
}

/**
 * Creates an empty overlay (docs/architecture.md §6). It is re-applied to every new bundle, so a
 * reload or publish keeps live items; every process applying the same changes in the same order
 * names the result the same.
 */
export function createListOverlay(): ListOverlay {
  /** List id → item value → the item, or null for a removed one. */
  const overlay = new Map<string, Map<string, ListItem | null>>();
  let revision = 0;
  const versionOn = (b: Bundle, more = 0) =>
    overlay.size === 0 && more === 0 ? b.version : `${b.version}+lists.${revision + more}`;
  return {
    get revision() {
      return revision;
    },
    apply(c) {
      const changes = overlay.get(c.list) ?? new Map<string, ListItem | null>();
      overlay.set(c.list, changes);
      changes.set(c.value, c.item);
      revision++;
    },
    on(b) {
      if (overlay.size === 0) return b;
      const lists: RiskList[] = b.lists.lists.map((l) => {
        const changes = overlay.get(l.id);
        if (changes === undefined) return l;
        const items = new Map(l.items);
        for (const [value, item] of changes) {
          if (item === null) items.delete(value);
          else items.set(value, item);
        }
        return { ...l, items };
      });
      return Object.freeze({ ...b, lists: createListSet(lists), version: versionOn(b) });
    },
    versionOn,
  };
}
