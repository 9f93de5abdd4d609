import { formatVerdict, type GateVerdict } from './gate-verdict.js';
import { type MemoryReport, type MemoryVariant, repeatGrowth } from './memory-result.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** RSS the store added (above the process before it was created), per entity it holds. */
export function bytesPerEntity(v: MemoryVariant): number {
  return (v.filled.rss - v.before.rss) / v.entities;
}

function row(v: MemoryVariant): string {
  const labels = v.label ?? v.windows.map((w) => w.split(' ')[0]).join(', ');
  return (
    `  ${labels.padEnd(22)}${int(v.entities).padStart(11)}${`${(v.fillMs / 1000).toFixed(1)} s`.padStart(8)}` +
    `${mib(v.peakRss).padStart(13)}${mib(v.filled.rss).padStart(13)}${mib(v.filled.heapUsed).padStart(11)}` +
    `${mib(v.filled.external).padStart(13)}${mib(v.filled.arrayBuffers).padStart(14)}${int(bytesPerEntity(v)).padStart(10)}` +
    `${int(v.evictions).padStart(11)}`
  );
}

function repeatLine(v: MemoryVariant): string[] {
  const growth = repeatGrowth(v);
  if (v.repeat === undefined || growth === undefined) return [];
  const r = v.repeat;
  return [
    `  - ${v.label ?? `${v.windows.length} windows`}, flatness: ${int(r.events)} more events over the same users in ${(r.ms / 1000).toFixed(1)} s: ` +
      `RSS ${mib(v.filled.rss)} → ${mib(r.memory.rss)} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %), ` +
      `heap used ${mib(r.memory.heapUsed)}, ${int(r.evictions)} evictions`,
  ];
}

/** The memory section of the report: one row per set of windows, the gate, how it was counted. */
export function formatMemory(m: MemoryReport, gate: GateVerdict | undefined): string[] {
  const first = m.variants[0];
  if (first === undefined) return [];
  return [
    `Counter memory — ${int(first.target)} distinct active entities asked, every default kind (bench/population-event.ts), ` +
      `${int(first.events)} events through hydrate + commit, one child per row (node --expose-gc)`,
    `  ${'features'.padEnd(22)}${'entities'.padStart(11)}${'fill'.padStart(8)}${'peak RSS'.padStart(13)}${'RSS'.padStart(13)}` +
      `${'heap used'.padStart(11)}${'external'.padStart(13)}${'arrayBuffers'.padStart(14)}${'B/entity'.padStart(10)}${'evictions'.padStart(11)}`,
    ...m.variants.map(row),
    ...(gate !== undefined
      ? [`  ${formatVerdict(gate)}, on the last row (every entity with 1h, 24h and 7d windows)`]
      : [`  no gate: the memory gate is for 1,000,000 entities (--memory-entities ${first.target})`]),
    `  - entities: store.stats().entities after the fill, equal to the population's count; ceiling (RISK_MAX_ENTITIES) ${int(first.maxEntities)}`,
    ...m.variants.map((v) => `  - windows of ${v.windows.length}: ${v.windows.join(', ')}`),
    '  - a window holding one bucket keeps it in its running totals; a ring of buckets is allocated when a second bucket gets data and freed when the window empties',
    `  - RSS, heap used, external and arrayBuffers after the fill and two full collections; peak RSS up to the end of the fill; ` +
      `B/entity: RSS above the process before the store was created (${mib(first.before.rss)}), per entity`,
    ...m.variants.flatMap(repeatLine),
    '',
  ];
}
