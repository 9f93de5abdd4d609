import type { BenchContext } from './bench-context.js';
import { mainThreadProfile, summarizeCpuProfile } from './cpu-profile-summary.js';
import type { Interleaved } from './interleave.js';
import { profileDir } from './server-specs.js';
import type { TransportResult } from './transport-result.js';

/**
 * The measured part of a TransportResult, the same for every transport: the pooled sides, their
 * ratios against the empty endpoint and, when profiling, the real and edge servers'
 * profiles (written under `real-<transport>` and `edge-<transport>`).
 */
export async function transportComparison(
  ctx: BenchContext,
  transport: TransportResult['transport'],
  measured: Interleaved,
): Promise<Omit<TransportResult, 'transport' | 'notes'>> {
  const { empty, edge, real, rounds } = measured;
  const ratio = real.rps / empty.rps;
  const summary = async (server: string) => {
    const dir = profileDir(ctx, `${server}-${transport}`);
    return dir === undefined
      ? undefined
      : summarizeCpuProfile(await mainThreadProfile(dir), ctx.runtime.codeRoot);
  };
  const profile = await summary('real');
  const edgeProfile = await summary('edge');
  return {
    empty,
    ...(edge !== undefined ? { edge, edgeRatio: edge.rps / empty.rps } : {}),
    real,
    ratio,
    rounds,
    ...(profile !== undefined ? { profile } : {}),
    ...(edgeProfile !== undefined ? { edgeProfile } : {}),
  };
}
