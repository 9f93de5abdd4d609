/** A small seeded PRNG (mulberry32) so the generated traffic is the same on every run. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** `n` random decimal digits. */
  digits(n: number): string;
}

export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      const v = items[int(items.length)];
      if (v === undefined) throw new Error('pick from an empty array');
      return v;
    },
    digits(n: number): string {
      let out = '';
      for (let i = 0; i < n; i++) out += String(int(10));
      return out;
    },
  };
}
