import { describe, expect, it } from 'vitest';
import { populationEntities, populationEvent, usersForEntities } from '../../bench/population-event.js';
import { createCounterStore } from '../../src/features/index.js';
import { defaultFeaturePlan } from '../helpers.js';

const plan = defaultFeaturePlan();

/** Commits users 0 .. users-1 once each the way the memory child does; returns the store's stats. */
function fill(users: number, maxEntities: number) {
  const store = createCounterStore({ plan, maxEntities });
  const out = new Float64Array(plan.schema.size);
  const t0 = Date.UTC(2026, 10, 29);
  for (let u = 0; u < users; u++) {
    const e = populationEvent(u, `t-${u}`, t0 + u);
    store.commit(e, t0 + u, { decision: 'ALLOW' }, store.hydrate(e, t0 + u, out, plan.entityOffset));
  }
  return store.stats();
}

describe('memory bench population', () => {
  it('names as many distinct entities as the store counts, past every shared kind', () => {
    // 6,000 users pass the 5,000 merchants and 1,000 BINs and span 24 IP /24s.
    for (const users of [1, 8, 9, 257, 6000]) {
      const expected = populationEntities(users);
      const stats = fill(users, expected + 100);
      expect(stats.entities, `${users} users`).toBe(expected);
      expect(stats.evictions).toBe(0);
    }
  });

  it('touches every default entity kind, a payout destination every eighth user', () => {
    const kinds = (u: number) =>
      plan.entities.filter((s) => s.keyOf(populationEvent(u, 'x', 0)) !== undefined);
    expect(kinds(0).map((s) => s.name)).toEqual(plan.entities.map((s) => s.name));
    expect(kinds(1).map((s) => s.name)).not.toContain('payout_dest');
    expect(populationEntities(0)).toBe(0);
    expect(populationEntities(8)).toBe(6 * 8 + 1 + 8 + 8 + 1);
  });

  it('takes the fewest users that reach an entity count', () => {
    for (const target of [1, 1000, 123_457, 1_000_000]) {
      const users = usersForEntities(target);
      expect(populationEntities(users)).toBeGreaterThanOrEqual(target);
      expect(populationEntities(users - 1)).toBeLessThan(target);
    }
    expect(usersForEntities(1_000_000)).toBe(162_183);
  });
});
