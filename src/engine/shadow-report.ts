import { type Action, FRAUD_OUTCOMES, type OutcomeType } from '../domain/index.js';
import { rocAuc } from '../model/index.js';
import type { Bundle } from './bundle.js';
import {
  type LoggedDecisionFields,
  type LogRange,
  type LogSpan,
  latestOutcome,
  rangeTimes,
  scanDecisionLog,
} from './log-range.js';
import { entryOf, ratio } from './report-stats.js';

/** What to compare: a time range of the log, and the bundle that says what each shadow rule would do. */
export interface ShadowReportOptions extends LogRange {
  /**
   * The bundle whose shadow rules and challenger are reported on (the serving one): it gives each
   * shadow rule's action (for the decisions a promotion would change) and both models' thresholds
   * (for the tier confusion). Without it those parts are left out.
   */
  readonly bundle?: Bundle;
}

/** Flagging against labels: precision among labelled flagged events, recall of labelled fraud. */
export interface LabelMatch {
  /** Flagged events with an outcome, and those of them labelled fraud. */
  readonly labelled: number;
  readonly fraud: number;
  readonly precision: number;
  readonly recall: number;
}

/** One shadow rule (rule, device check or sequence) over the range. */
export interface ShadowRuleReport {
  readonly id: string;
  /** Its action in the bundle given; undefined when unknown (no bundle, or no longer in it). */
  readonly action?: Action;
  readonly hits: number;
  readonly rate: number;
  /** Hits the live policy also acted on (decided CHALLENGE, REVIEW or BLOCK), and hits on ALLOWed events. */
  readonly overlap: number;
  readonly new: number;
  /** Decisions that would change were it promoted, by live decision and promoted decision (needs its action). */
  readonly changes?: readonly { readonly from: Action; readonly to: Action; readonly count: number }[];
  readonly changed?: number;
  /** Its hits against the labels; recall is of all labelled fraud in range. */
  readonly labels: LabelMatch;
  /** Hits on ALLOWed events later labelled fraud: what promoting it would have caught. */
  readonly newFraud: number;
}

/** Tiers of a model score by its manifest's thresholds. */
export const TIERS = ['none', 'review', 'block'] as const;

/** The champion against one challenger version over the events both scored. */
export interface ChallengerComparison {
  readonly version: string;
  /** Events the challenger scored beside the champion, and those where it failed. */
  readonly scored: number;
  readonly failed: number;
  /** Share of scored events whose tiers (by each model's own thresholds) agree. */
  readonly agreement: number;
  /** Mean of challenger − champion, and of its absolute value. */
  readonly meanDiff: number;
  readonly meanAbsDiff: number;
  /** Pearson correlation of the two scores. */
  readonly correlation: number;
  /** Counts by champion tier (rows) and challenger tier (columns), TIERS order; needs the bundle. */
  readonly tiers?: readonly (readonly number[])[];
  readonly labels: {
    readonly labelled: number;
    readonly fraud: number;
    readonly champion: { readonly auc: number } & Partial<LabelMatch>;
    readonly challenger: { readonly auc: number } & Partial<LabelMatch>;
  };
}

/** The shadow report (docs/reports.md has its shape). */
export interface ShadowReport extends LogSpan {
  readonly kind: 'shadow';
  readonly bundleVersion?: string;
  /** Labelled decisions in range, those labelled fraud, and the live policy's REVIEW/BLOCK against them. */
  readonly labels: { readonly labelled: number; readonly fraud: number; readonly live: LabelMatch };
  readonly rules: readonly ShadowRuleReport[];
  readonly challengers: readonly ChallengerComparison[];
}

const RANK: Readonly<Record<Action, number>> = { ALLOW: 0, CHALLENGE: 1, REVIEW: 2, BLOCK: 3 };

/** The decision with a promoted rule's action added, as combine() would make it: an allowlist wins, else the stronger. */
function promoted(live: Action, allowlisted: boolean, action: Action): Action {
  if (action === 'ALLOW' || allowlisted) return 'ALLOW';
  return RANK[action] > RANK[live] ? action : live;
}

const tierOf = (score: number, th: { readonly review: number; readonly block: number }) =>
  score >= th.block ? 2 : score >= th.review ? 1 : 0;

/** Per-decision facts kept for the label join. */
interface Kept {
  readonly decision: Action;
  readonly shadowHits: readonly string[];
}

/**
 * The shadow report over the decisions made in [from, to): each shadow rule's hits, its overlap with
 * the live policy, what promoting it would change and its precision/recall against outcome labels;
 * each challenger model against the champion on the events both scored (agreement, score differences,
 * correlation, tier confusion, AUC and precision/recall against labels). One pass (scanDecisionLog).
 */
export async function shadowReport(
  records: AsyncIterable<Record<string, unknown>>,
  options: ShadowReportOptions = {},
): Promise<ShadowReport> {
  const started = performance.now();
  const b = options.bundle;
  const actions = new Map<string, Action>();
  if (b !== undefined)
    for (const r of [...b.rules, ...b.deviceChecks, ...b.sequences])
      if (r.mode === 'shadow') actions.set(r.id, r.action);
  const rules = new Map<
    string,
    { hits: number; overlap: number; changes: Map<string, number>; changed: number }
  >();
  for (const id of actions.keys()) rules.set(id, { hits: 0, overlap: 0, changes: new Map(), changed: 0 });
  const kept = new Map<string, Kept>();
  const models = new Map<
    string,
    { ids: string[]; champion: number[]; challenger: number[]; agree: number; failed: number }
  >();

  const scan = await scanDecisionLog(records, options, (r) => {
    const d = r as unknown as LoggedDecisionFields;
    const hits = d.shadowHits ?? [];
    kept.set(d.decisionId, { decision: d.decision, shadowHits: hits });
    const allowlisted = d.decision === 'ALLOW' && (d.reasons ?? []).some((x) => x.action === 'ALLOW');
    for (const id of hits) {
      const s = entryOf(rules, id, () => ({ hits: 0, overlap: 0, changes: new Map(), changed: 0 }));
      s.hits++;
      if (d.decision !== 'ALLOW') s.overlap++;
      const action = actions.get(id);
      if (action !== undefined) {
        const to = promoted(d.decision, allowlisted, action);
        if (to !== d.decision) {
          s.changed++;
          const k = `${d.decision}>${to}`;
          s.changes.set(k, (s.changes.get(k) ?? 0) + 1);
        }
      }
    }
    const c = d.challenger;
    if (c !== undefined) {
      const m = entryOf(models, c.version, () => ({
        ids: [],
        champion: [],
        challenger: [],
        agree: 0,
        failed: 0,
      }));
      if (c.failed === true || typeof c.score !== 'number' || typeof d.modelScore !== 'number') m.failed++;
      else {
        m.ids.push(d.decisionId);
        m.champion.push(d.modelScore);
        m.challenger.push(c.score);
        if (c.agrees === true) m.agree++;
      }
    }
  });

  // The join: a decision's label is its latest outcome.
  const fraudOf = new Map<string, boolean>();
  let fraudTotal = 0;
  const live = { labelled: 0, fraud: 0 };
  const ruleLabels = new Map<string, { labelled: number; fraud: number; newFraud: number }>();
  for (const id of rules.keys()) ruleLabels.set(id, { labelled: 0, fraud: 0, newFraud: 0 });
  for (const [id, list] of scan.outcomes) {
    const k = kept.get(id);
    if (k === undefined) continue;
    const fraud = FRAUD_OUTCOMES.has(latestOutcome(list) as OutcomeType);
    fraudOf.set(id, fraud);
    if (fraud) fraudTotal++;
    if (k.decision === 'REVIEW' || k.decision === 'BLOCK') {
      live.labelled++;
      if (fraud) live.fraud++;
    }
    for (const h of k.shadowHits) {
      const l = ruleLabels.get(h) as { labelled: number; fraud: number; newFraud: number };
      l.labelled++;
      if (fraud) {
        l.fraud++;
        if (k.decision === 'ALLOW') l.newFraud++;
      }
    }
  }
  const match = (l: { labelled: number; fraud: number }): LabelMatch => ({
    labelled: l.labelled,
    fraud: l.fraud,
    precision: ratio(l.fraud, l.labelled),
    recall: ratio(l.fraud, fraudTotal),
  });

  const n = scan.events;
  const th = (version: string) =>
    b?.model !== undefined && b.challenger?.model.version === version
      ? { champion: b.model.manifest.thresholds, challenger: b.challenger.model.manifest.thresholds }
      : undefined;
  const challengers = [...models]
    .sort((x, y) => (x[0] < y[0] ? -1 : 1))
    .map(([version, m]): ChallengerComparison => {
      const k = m.ids.length;
      let diff = 0;
      let abs = 0;
      let sx = 0;
      let sy = 0;
      for (let i = 0; i < k; i++) {
        const x = m.champion[i] as number;
        const y = m.challenger[i] as number;
        diff += y - x;
        abs += Math.abs(y - x);
        sx += x;
        sy += y;
      }
      const mx = sx / k;
      const my = sy / k;
      let cxy = 0;
      let cxx = 0;
      let cyy = 0;
      for (let i = 0; i < k; i++) {
        const dx = (m.champion[i] as number) - mx;
        const dy = (m.challenger[i] as number) - my;
        cxy += dx * dy;
        cxx += dx * dx;
        cyy += dy * dy;
      }
      const t = th(version);
      const tiers = t === undefined ? undefined : TIERS.map(() => TIERS.map(() => 0));
      // Labels over the events both scored that have an outcome.
      const ls: number[] = [];
      const cs: number[] = [];
      const hs: number[] = [];
      const flagged = { champion: { labelled: 0, fraud: 0 }, challenger: { labelled: 0, fraud: 0 } };
      let fraudScored = 0;
      for (let i = 0; i < k; i++) {
        const x = m.champion[i] as number;
        const y = m.challenger[i] as number;
        const tx = t === undefined ? -1 : tierOf(x, t.champion);
        const ty = t === undefined ? -1 : tierOf(y, t.challenger);
        if (tiers !== undefined) (tiers[tx] as number[])[ty] = ((tiers[tx] as number[])[ty] as number) + 1;
        const f = fraudOf.get(m.ids[i] as string);
        if (f === undefined) continue;
        ls.push(f ? 1 : 0);
        cs.push(x);
        hs.push(y);
        if (f) fraudScored++;
        if (tx >= 1) {
          flagged.champion.labelled++;
          if (f) flagged.champion.fraud++;
        }
        if (ty >= 1) {
          flagged.challenger.labelled++;
          if (f) flagged.challenger.fraud++;
        }
      }
      const side = (scores: number[], fl: { labelled: number; fraud: number }) => ({
        auc: rocAuc(scores, ls),
        ...(t === undefined
          ? {}
          : {
              labelled: fl.labelled,
              fraud: fl.fraud,
              precision: ratio(fl.fraud, fl.labelled),
              recall: ratio(fl.fraud, fraudScored),
            }),
      });
      return {
        version,
        scored: k,
        failed: m.failed,
        agreement: ratio(m.agree, k),
        meanDiff: ratio(diff, k),
        meanAbsDiff: ratio(abs, k),
        correlation: cxx === 0 || cyy === 0 ? Number.NaN : cxy / Math.sqrt(cxx * cyy),
        ...(tiers !== undefined ? { tiers } : {}),
        labels: {
          labelled: ls.length,
          fraud: fraudScored,
          champion: side(cs, flagged.champion),
          challenger: side(hs, flagged.challenger),
        },
      };
    });

  const seconds = (performance.now() - started) / 1000;
  return {
    kind: 'shadow',
    ...rangeTimes(options, scan),
    decisions: n,
    seconds,
    eventsPerSecond: n / Math.max(seconds, 1e-9),
    ...(b !== undefined ? { bundleVersion: b.version } : {}),
    labels: { labelled: fraudOf.size, fraud: fraudTotal, live: match(live) },
    rules: [...rules]
      .sort((x, y) => y[1].hits - x[1].hits || (x[0] < y[0] ? -1 : 1))
      .map(([id, s]): ShadowRuleReport => {
        const l = ruleLabels.get(id) as { labelled: number; fraud: number; newFraud: number };
        const action = actions.get(id);
        return {
          id,
          ...(action !== undefined ? { action } : {}),
          hits: s.hits,
          rate: ratio(s.hits, n),
          overlap: s.overlap,
          new: s.hits - s.overlap,
          ...(action !== undefined
            ? {
                changed: s.changed,
                changes: [...s.changes]
                  .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
                  .map(([k, count]) => {
                    const [from, to] = k.split('>') as [Action, Action];
                    return { from, to, count };
                  }),
              }
            : {}),
          labels: match(l),
          newFraud: l.newFraud,
        };
      }),
    challengers,
  };
}
