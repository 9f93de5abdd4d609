import type { Action, Reason } from '../domain/index.js';

const RANK: Readonly<Record<Action, number>> = { ALLOW: 0, CHALLENGE: 1, REVIEW: 2, BLOCK: 3 };

/**
 * Combines live reasons into one outcome: an allowlist (an ALLOW reason) wins over everything,
 * then BLOCK > REVIEW > CHALLENGE > ALLOW. Reasons come back strongest first, all kept.
 */
export function combine(reasons: readonly Reason[]): { decision: Action; reasons: Reason[] } {
  let allow = false;
  let best: Action = 'ALLOW';
  for (const r of reasons) {
    if (r.action === 'ALLOW') allow = true;
    else if (RANK[r.action] > RANK[best]) best = r.action;
  }
  const sorted = [...reasons].sort((a, b) => RANK[b.action] - RANK[a.action]);
  if (allow) {
    // The allow reasons lead so the caller sees why a would-be block was let through.
    return {
      decision: 'ALLOW',
      reasons: [...sorted.filter((r) => r.action === 'ALLOW'), ...sorted.filter((r) => r.action !== 'ALLOW')],
    };
  }
  return { decision: best, reasons: sorted };
}
