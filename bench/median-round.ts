import type { TransportResult } from './transport-result.js';

/**
 * Folds repeated empty/real pairs of one transport into one result: the table shows the round
 * whose ratio is the median (lower median for an even count), `rounds` keeps every pair, and the
 * verdict needs the median at target with no errors in any round. On a noisy machine one pair can
 * land anywhere in a wide band; the median of pairs run back to back is the figure to quote.
 */
export function medianRound(results: readonly TransportResult[]): TransportResult {
  const first = results[0];
  if (first === undefined) throw new Error('no rounds to fold');
  const byRatio = [...results].sort((a, b) => a.ratio - b.ratio);
  const median = byRatio[Math.floor((byRatio.length - 1) / 2)] as TransportResult;
  const rounds = results.flatMap((r) => r.rounds);
  const clean = results.every((r) => r.real.errors === 0);
  return {
    ...median,
    rounds,
    pass: median.ratio >= median.target && clean,
    notes:
      results.length === 1
        ? median.notes
        : [
            ...median.notes,
            `${results.length} rounds (each: fresh empty server, then fresh real server); table shows the median round`,
          ],
  };
}
