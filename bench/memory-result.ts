/** process.memoryUsage() figures, in bytes. */
export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** The second pass of the memory bench: more events over the same entities. */
export interface MemoryRepeat {
  readonly events: number;
  readonly ms: number;
  readonly memory: MemorySample;
  readonly evictions: number;
}

/** One memory child (bench/memory-child.ts): one store, one set of windows, filled once. */
export interface MemoryVariant {
  /** What the row is: the default bundle's features, or every entity at 1h, 24h and 7d. */
  readonly label?: string;
  /** Windows of the store, e.g. "1h = 12 × 5 min". */
  readonly windows: readonly string[];
  /** Entities asked for (--memory-entities). */
  readonly target: number;
  /** The store's own count after the fill, store.stats().entities. */
  readonly entities: number;
  /** The store's ceiling (what RISK_MAX_ENTITIES would be set to): the population's entity count. */
  readonly maxEntities: number;
  readonly evictions: number;
  readonly users: number;
  /** Events committed to fill the store, one per user. */
  readonly events: number;
  readonly fillMs: number;
  /** Before the store was created (node, tsx and the modules loaded), after a full collection. */
  readonly before: MemorySample;
  /** After the fill, after a full collection. */
  readonly filled: MemorySample;
  /** Peak RSS of the child up to the end of the fill (getrusage maxrss). */
  readonly peakRss: number;
  readonly repeat?: MemoryRepeat;
}

/** What the memory section reports: the variants, the gated one last. */
export interface MemoryReport {
  readonly variants: readonly MemoryVariant[];
}

const SAMPLE_KEYS = ['rss', 'heapUsed', 'external', 'arrayBuffers'] as const;

function isSample(v: unknown): v is MemorySample {
  const o = v as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && SAMPLE_KEYS.every((k) => typeof o[k] === 'number');
}

/**
 * The MemoryVariant a memory child printed as the last line of `stdout`; throws, quoting the
 * output, when there is none or it lacks a figure (a crashed or killed child).
 */
export function parseMemoryVariant(stdout: string): MemoryVariant {
  const line = stdout.trim().split('\n').pop() ?? '';
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`memory child printed no result:\n${stdout}`);
  }
  const numbers = ['target', 'entities', 'maxEntities', 'evictions', 'users', 'events', 'fillMs', 'peakRss'];
  const missing = [
    ...numbers.filter((k) => typeof v[k] !== 'number'),
    ...(Array.isArray(v.windows) ? [] : ['windows']),
    ...(['before', 'filled'] as const).filter((k) => !isSample(v[k])),
    ...(v.repeat !== undefined && !isSample((v.repeat as { memory?: unknown }).memory) ? ['repeat'] : []),
  ];
  if (missing.length > 0) throw new Error(`memory child result lacks ${missing.join(', ')}:\n${line}`);
  return v as unknown as MemoryVariant;
}

/** RSS growth of the repeat pass over the filled store, as a fraction; undefined without one. */
export function repeatGrowth(v: MemoryVariant): number | undefined {
  return v.repeat === undefined ? undefined : v.repeat.memory.rss / v.filled.rss - 1;
}
