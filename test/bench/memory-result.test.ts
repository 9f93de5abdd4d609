import { describe, expect, it } from 'vitest';
import { bytesPerEntity, formatMemory } from '../../bench/format-memory.js';
import { judgeGates } from '../../bench/gate-verdict.js';
import { MEMORY_GATE_ENTITIES } from '../../bench/gates.js';
import { type MemoryVariant, parseMemoryVariant, repeatGrowth } from '../../bench/memory-result.js';

const MiB = 2 ** 20;
const sample = (rss: number) => ({
  rss,
  heapUsed: 8 * MiB,
  external: rss - 90 * MiB,
  arrayBuffers: rss - 92 * MiB,
});
const variant: MemoryVariant = {
  windows: ['1h = 12 × 5 min', '24h = 24 × 60 min'],
  target: 1_000_000,
  entities: 1_000_005,
  maxEntities: 1_000_005,
  evictions: 0,
  users: 162_183,
  events: 162_183,
  fillMs: 2100,
  before: sample(100 * MiB),
  filled: sample(1400 * MiB),
  peakRss: 1400 * MiB,
  repeat: { events: 1_000_000, ms: 6100, memory: sample(1414 * MiB), evictions: 0 },
};

describe('memory child result', () => {
  it('reads the last line the child printed', () => {
    const v = parseMemoryVariant(`some warning\n${JSON.stringify(variant)}\n`);
    expect(v).toEqual(variant);
    const { repeat: _, ...noRepeat } = variant;
    expect(parseMemoryVariant(JSON.stringify(noRepeat)).repeat).toBeUndefined();
  });

  it('refuses output without a result, or one missing figures, naming them', () => {
    expect(() => parseMemoryVariant('FATAL ERROR: heap out of memory')).toThrow(/printed no result/);
    const { peakRss: _, filled: __, ...partial } = variant;
    expect(() => parseMemoryVariant(JSON.stringify(partial))).toThrow(/lacks peakRss, filled/);
    expect(() => parseMemoryVariant(JSON.stringify({ ...variant, repeat: { events: 1 } }))).toThrow(
      /lacks repeat/,
    );
  });

  it('derives bytes per entity over the empty process and the growth of the repeat pass', () => {
    expect(bytesPerEntity(variant)).toBeCloseTo((1300 * MiB) / 1_000_005, 6);
    expect(repeatGrowth(variant)).toBeCloseTo(0.01, 6);
    expect(repeatGrowth({ ...variant, repeat: undefined })).toBeUndefined();
  });
});

describe('memory section of the report', () => {
  const week = { ...variant, windows: [...variant.windows, '7d = 28 × 360 min'], peakRss: 1860 * MiB };

  it('prints a row per set of windows, the gate on the last and the flatness of each', () => {
    const [gate] = judgeGates({
      memory: { peakRssMiB: 1400, entities: 1_000_005, target: MEMORY_GATE_ENTITIES, evictions: 0 },
    });
    const lines = formatMemory({ variants: [variant, week] }, gate);
    const text = lines.join('\n');
    expect(lines[2]).toMatch(
      /^ {2}1h, 24h +1,000,005 +2\.1 s +1400\.0 MiB +1400\.0 MiB +8\.0 MiB +1310\.0 MiB +1308\.0 MiB +1,363 +0$/,
    );
    expect(lines[3]).toMatch(/^ {2}1h, 24h, 7d +1,000,005 .* 1860\.0 MiB/);
    const labelled = formatMemory({ variants: [{ ...variant, label: 'default bundle' }] }, gate);
    expect(labelled[2]).toMatch(/^ {2}default bundle +1,000,005/);
    expect(text).toContain(
      'FAIL  peak RSS, 1M counter entities 1400.0 MiB (gate < 1024.0 MiB), on the last row (every entity with 1h, 24h and 7d windows)',
    );
    expect(text).toContain('store.stats().entities');
    expect(text).toContain('7d = 28 × 360 min');
    expect(text).toContain('RSS 1400.0 MiB → 1414.0 MiB (+1.0 %), heap used 8.0 MiB, 0 evictions');
  });

  it('says why there is no gate at another entity count, and prints nothing without a variant', () => {
    const small = { ...variant, target: 20_000 };
    expect(formatMemory({ variants: [small] }, undefined).join('\n')).toContain(
      'no gate: the memory gate is for 1,000,000 entities (--memory-entities 20000)',
    );
    expect(formatMemory({ variants: [] }, undefined)).toEqual([]);
  });
});
