import type { CallgrindRun } from './callgrind-result.js';

/** The `totals:` (or, failing that, `summary:`) line of one callgrind output file: its instructions. */
export function callgrindTotal(text: string): number {
  const m = /^totals:\s+(\d+)/m.exec(text) ?? /^summary:\s+(\d+)/m.exec(text);
  if (m?.[1] === undefined) throw new Error('callgrind output has no totals line');
  return Number(m[1]);
}

/**
 * Per-call instructions from the numbered parts of one run of bench/callgrind-child.ts, in order:
 * start-up, trivial warm-up, trivial measured, service set-up and warm-up, decide measured. Any
 * other number of parts means a marker was missed or something else called getppid, so the parts
 * would not line up with the windows: that throws rather than report a wrong figure.
 */
export function runFromParts(
  parts: readonly number[],
  counts: { readonly decisions: number; readonly trivialCalls: number },
  seconds: number,
): CallgrindRun {
  if (parts.length !== 5)
    throw new Error(
      `callgrind wrote ${parts.length} marked parts, expected 5 (start-up, trivial ×2, set-up, decide)`,
    );
  const [, , trivial = Number.NaN, , decide = Number.NaN] = parts;
  return { perDecision: decide / counts.decisions, perTrivialCall: trivial / counts.trivialCalls, seconds };
}

/** Pools runs into the figures the report prints: means, their ratio and the runs' spread. */
export function summarizeRuns(runs: readonly CallgrindRun[]): {
  instructionsPerDecision: number;
  instructionsPerTrivialCall: number;
  ratio: number;
  spread: number;
} {
  if (runs.length === 0) throw new Error('no callgrind runs');
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const decide = runs.map((r) => r.perDecision);
  const perDecision = mean(decide);
  const perTrivial = mean(runs.map((r) => r.perTrivialCall));
  return {
    instructionsPerDecision: perDecision,
    instructionsPerTrivialCall: perTrivial,
    ratio: perDecision / perTrivial,
    spread: (Math.max(...decide) - Math.min(...decide)) / perDecision,
  };
}
