import type { Reason, ReasonSource, RiskEvent } from '../domain/index.js';
import type { CompiledRule, CompiledSequence, EvalContext } from '../policies/index.js';
import type { Bundle } from './bundle.js';

// The pure parts of the decision stages, shared by the engine and the backtest so both decide alike.

/** Adds a reason per acting list that holds a value of the event at time `t`. */
export function listReasons(b: Bundle, event: RiskEvent, t: number, reasons: Reason[]): void {
  for (const hit of b.lists.match(event, t)) {
    reasons.push({
      code: hit.list.reasonCode,
      message: hit.item.reason ? `${hit.list.message}: ${hit.item.reason}` : hit.list.message,
      source: 'LIST',
      ruleId: hit.list.id,
      action: hit.list.action ?? 'ALLOW',
    });
  }
}

/** Adds the model's reason when its score reaches the manifest's review or block threshold. */
export function modelReasons(
  score: number,
  th: { readonly review: number; readonly block: number },
  reasons: Reason[],
): void {
  const pct = Math.round(score * 100);
  if (score >= th.block) {
    reasons.push({
      code: 'model_high_risk',
      message: `model risk score ${pct}% is at or above the block threshold`,
      source: 'MODEL',
      action: 'BLOCK',
    });
  } else if (score >= th.review) {
    reasons.push({
      code: 'model_elevated_risk',
      message: `model risk score ${pct}% is at or above the review threshold`,
      source: 'MODEL',
      action: 'REVIEW',
    });
  }
}

/** Runs rules in order; live hits become reasons, shadow hits are only recorded. Returns the score modifier. */
export function evaluate(
  rules: readonly CompiledRule[],
  ctx: EvalContext,
  source: ReasonSource,
  reasons: Reason[],
  shadowHits: string[],
  liveHits: string[],
): number {
  let modifier = 0;
  for (const r of rules) {
    if (!r.test(ctx)) continue;
    if (r.mode === 'shadow') {
      shadowHits.push(r.id);
      continue;
    }
    modifier += r.score;
    liveHits.push(r.id);
    reasons.push({ code: r.code, message: r.message(ctx), source, ruleId: r.id, action: r.action });
  }
  return modifier;
}

/**
 * The reason a bundle's score thresholds give a final score (model score plus rule modifiers,
 * clipped): the highest tier it reaches, or none. It joins the other reasons, so combine's order
 * holds: an allowlist still wins, and a rule's stronger action is not weakened.
 */
export function scoreTier(score: number, th: NonNullable<Bundle['scoreThresholds']>): Reason | undefined {
  const pct = Math.round(score * 100);
  const tiers = [
    ['BLOCK', th.block],
    ['REVIEW', th.review],
    ['CHALLENGE', th.challenge],
  ] as const;
  for (const [action, at] of tiers) {
    if (at !== undefined && score >= at)
      return {
        code: `score_${action.toLowerCase()}`,
        message: `risk score ${pct}% is at or above the bundle's ${action.toLowerCase()} threshold (${Math.round(at * 100)}%)`,
        source: 'SYSTEM',
        action,
      };
  }
  return undefined;
}

/** A sequence's completed match: a SEQUENCE reason when live, a shadow hit otherwise. Returns its score modifier. */
export function sequenceMatched(
  seq: CompiledSequence,
  ctx: EvalContext,
  reasons: Reason[],
  shadowHits: string[],
  liveHits: string[],
): number {
  if (seq.mode === 'shadow') {
    shadowHits.push(seq.id);
    return 0;
  }
  liveHits.push(seq.id);
  reasons.push({
    code: seq.code,
    message: seq.message(ctx),
    source: 'SEQUENCE',
    ruleId: seq.id,
    action: seq.action,
  });
  return seq.score;
}

/** The final score (model score plus modifiers, clipped to [0, 1]); adds the bundle's score tier reason, if any. */
export function finalScore(
  b: Bundle,
  modelScore: number | undefined,
  modifier: number,
  reasons: Reason[],
): number {
  const score = Math.min(1, Math.max(0, (modelScore ?? 0) + modifier));
  if (b.scoreThresholds !== undefined) {
    const tier = scoreTier(score, b.scoreThresholds);
    if (tier !== undefined) reasons.push(tier);
  }
  return score;
}
