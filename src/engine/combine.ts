import type { Action, Reason } from '../domain/index.js';

// How strongly a reason decides: an allowlist (an ALLOW reason) wins over everything, then
// BLOCK > REVIEW > CHALLENGE. So the strongest reason's action is the decision.
const STRENGTH: Readonly<Record<Action, number>> = { ALLOW: 4, BLOCK: 3, REVIEW: 2, CHALLENGE: 1 };

/**
 * Combines live reasons into one outcome: allowlist > BLOCK > REVIEW > CHALLENGE > ALLOW (no
 * reason). Reasons come back strongest first, the deciding one leading, in their original order
 * within an action, and one per code: graded rules sharing a code (REVIEW at 4 charges, BLOCK at
 * 10) keep only their strongest reason, so the response does not repeat itself. At most `max`
 * reasons are kept (the bundle's `maxReasons`), the deciding one always among them.
 */
export function combine(
  reasons: readonly Reason[],
  max = Number.POSITIVE_INFINITY,
): { decision: Action; reasons: Reason[] } {
  // Array sort is stable, so equal strengths keep the pipeline's order (lists, device, model, sequences, rules).
  // Reasons without an action (explanations) ask for nothing, so they never count.
  const sorted = reasons.filter((r) => r.action !== undefined);
  sorted.sort((a, b) => STRENGTH[b.action as Action] - STRENGTH[a.action as Action]);
  const kept: Reason[] = [];
  for (const r of sorted) {
    if (kept.length >= max) break;
    if (!hasCode(kept, r.code)) kept.push(r);
  }
  return { decision: kept[0]?.action ?? 'ALLOW', reasons: kept };
}

function hasCode(reasons: readonly Reason[], code: string): boolean {
  for (const r of reasons) if (r.code === code) return true;
  return false;
}
