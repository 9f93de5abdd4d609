import {
  type Action,
  FRAUD_OUTCOMES,
  fieldQuality,
  OUTCOME_TYPES,
  type OutcomeType,
  QUALITY_FIELDS,
  qualitySource,
} from '../domain/index.js';
import {
  type LoggedDecisionFields,
  type LogRange,
  type LogSpan,
  latestOutcome,
  rangeTimes,
  scanDecisionLog,
} from './log-range.js';
import {
  createSamples,
  entryOf,
  type Quantiles,
  quantiles,
  ratio,
  type Samples,
  type ScoreDistribution,
  scoreDistribution,
  topCounts,
} from './report-stats.js';

/** What to report on: a time range of the log, and how many rules to list. */
export interface RiskReportOptions extends LogRange {
  /** Rules listed at most, live and shadow each (default 20). */
  readonly top?: number;
}

/** A count and its share of the decisions in range. */
export interface Share {
  readonly count: number;
  readonly share: number;
}

/** A rule's hits and hit rate (hits / decisions in range). */
export interface RuleHits {
  readonly id: string;
  readonly hits: number;
  readonly rate: number;
}

/** Latency quantiles in microseconds. */
export interface LatencyQuantiles extends Quantiles {
  readonly count: number;
}

/** The risk report over a time range of the decision log (docs/reports.md has its shape). */
export interface RiskReport extends LogSpan {
  readonly kind: 'risk';
  readonly mix: {
    readonly byDecision: Record<Action, Share>;
    readonly byEventType: readonly {
      readonly type: string;
      readonly count: number;
      readonly share: number;
      readonly byDecision: Record<Action, number>;
    }[];
  };
  readonly rules: { readonly live: readonly RuleHits[]; readonly shadow: readonly RuleHits[] };
  readonly outcomes: {
    /** Outcome records of decisions in range, by type (every record, not only the latest). */
    readonly byType: Record<OutcomeType, number>;
    /** Decisions in range with an outcome; fraud: those whose latest outcome is in FRAUD_OUTCOMES. */
    readonly labelled: number;
    readonly fraud: number;
    /** fraud / decisions in range. */
    readonly fraudRate: number;
    readonly byDecision: Record<
      Action,
      {
        readonly decisions: number;
        readonly labelled: number;
        readonly fraud: number;
        readonly notFraud: number;
      }
    >;
    /** ALLOWed events that turned out fraud. */
    readonly allowedFraud: number;
    /** BLOCKed events labelled not fraud (false positives). */
    readonly blockedFalsePositives: number;
  };
  readonly scores: {
    readonly model?: ScoreDistribution;
    readonly challengers: readonly (ScoreDistribution & {
      readonly version: string;
      readonly failed: number;
    })[];
  };
  readonly latency: {
    /** The sum of a decision's recorded stage timings. */
    readonly total: LatencyQuantiles;
    readonly stages: readonly (LatencyQuantiles & { readonly stage: string })[];
  };
  readonly degraded: { readonly decisions: number; readonly byComponent: Record<string, number> };
  readonly quality: {
    readonly sources: readonly {
      readonly source: string;
      readonly events: number;
      readonly fields: readonly {
        readonly field: string;
        /** Events the field applies to (a card country to events with a payment). */
        readonly events: number;
        readonly present: number;
        readonly valid: number;
      }[];
    }[];
  };
}

export const ACTIONS: readonly Action[] = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'];
const byAction = <T>(f: () => T): Record<Action, T> => ({
  ALLOW: f(),
  CHALLENGE: f(),
  REVIEW: f(),
  BLOCK: f(),
});
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * The risk report over the decisions made in [from, to): the decision mix, top rules, outcomes and
 * the fraud rate, model (and challenger) score distributions, latency from the recorded timings,
 * degraded decisions and data quality of the recorded (tokenised) events. One pass over the log
 * (scanDecisionLog); outcomes are joined at the end.
 */
export async function riskReport(
  records: AsyncIterable<Record<string, unknown>>,
  options: RiskReportOptions = {},
): Promise<RiskReport> {
  const started = performance.now();
  const mix = byAction(() => 0);
  const types = new Map<string, Record<Action, number>>();
  const live = new Map<string, number>();
  const shadow = new Map<string, number>();
  const decided = new Map<string, Action>();
  const model = createSamples();
  const challengers = new Map<string, { scores: Samples; failed: number }>();
  const total = createSamples();
  const stages = new Map<string, Samples>();
  let degraded = 0;
  const degradedBy = new Map<string, number>();
  const sources = new Map<string, { events: number; fields: Map<string, [number, number, number]> }>();

  const scan = await scanDecisionLog(records, options, (r) => {
    const d = r as unknown as LoggedDecisionFields;
    mix[d.decision]++;
    decided.set(d.decisionId, d.decision);
    const t = entryOf(types, d.event.type, () => byAction(() => 0));
    t[d.decision]++;
    for (const id of d.liveHits ?? []) bump(live, id);
    for (const id of d.shadowHits ?? []) bump(shadow, id);
    if (typeof d.modelScore === 'number') model.push(d.modelScore);
    const c = d.challenger;
    if (c !== undefined) {
      const s = entryOf(challengers, c.version, () => ({ scores: createSamples(), failed: 0 }));
      if (c.failed === true || typeof c.score !== 'number') s.failed++;
      else s.scores.push(c.score);
    }
    let sum = 0;
    for (const { stage, micros } of d.timings ?? []) {
      sum += micros;
      const s = entryOf(stages, stage, () => createSamples());
      s.push(micros);
    }
    if (d.timings !== undefined && d.timings.length > 0) total.push(sum);
    if (d.degraded !== undefined && d.degraded.length > 0) {
      degraded++;
      for (const x of d.degraded) bump(degradedBy, x);
    }
    const source = qualitySource(d.event);
    const q = entryOf(sources, source, () => ({ events: 0, fields: new Map() }));
    q.events++;
    for (const check of fieldQuality(d.event)) {
      const f = entryOf(q.fields, check.field, () => [0, 0, 0]);
      f[0]++;
      if (check.present) f[1]++;
      if (check.valid) f[2]++;
    }
  });

  const n = scan.events;
  const byType = Object.fromEntries(OUTCOME_TYPES.map((t) => [t, 0])) as Record<OutcomeType, number>;
  const perDecision = byAction(() => ({ decisions: 0, labelled: 0, fraud: 0, notFraud: 0 }));
  for (const a of ACTIONS) perDecision[a].decisions = mix[a];
  let labelled = 0;
  let fraud = 0;
  for (const [id, list] of scan.outcomes) {
    const a = decided.get(id);
    if (a === undefined) continue;
    for (const type of list) byType[type] = (byType[type] ?? 0) + 1;
    labelled++;
    perDecision[a].labelled++;
    if (FRAUD_OUTCOMES.has(latestOutcome(list) as OutcomeType)) {
      fraud++;
      perDecision[a].fraud++;
    } else perDecision[a].notFraud++;
  }
  const latency = (s: Samples): LatencyQuantiles => ({ count: s.length, ...quantiles(s.values()) });
  const hits = (m: Map<string, number>) =>
    topCounts(m, options.top ?? 20).map(([id, h]) => ({ id, hits: h, rate: ratio(h, n) }));
  // Quality fields in a fixed order, then attributes by name; an attribute applies to every event.
  const fieldOrder = (f: string) => {
    const i = (QUALITY_FIELDS as readonly string[]).indexOf(f);
    return i < 0 ? QUALITY_FIELDS.length : i;
  };
  const seconds = (performance.now() - started) / 1000;
  return {
    kind: 'risk',
    ...rangeTimes(options, scan),
    decisions: n,
    seconds,
    eventsPerSecond: n / Math.max(seconds, 1e-9),
    mix: {
      byDecision: Object.fromEntries(
        ACTIONS.map((a) => [a, { count: mix[a], share: ratio(mix[a], n) }]),
      ) as Record<Action, Share>,
      byEventType: [...types]
        .map(([type, m]) => {
          const count = ACTIONS.reduce((s, a) => s + m[a], 0);
          return { type, count, share: ratio(count, n), byDecision: m };
        })
        .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1)),
    },
    rules: { live: hits(live), shadow: hits(shadow) },
    outcomes: {
      byType,
      labelled,
      fraud,
      fraudRate: ratio(fraud, n),
      byDecision: perDecision,
      allowedFraud: perDecision.ALLOW.fraud,
      blockedFalsePositives: perDecision.BLOCK.notFraud,
    },
    scores: {
      ...(model.length > 0 ? { model: scoreDistribution(model.values()) } : {}),
      challengers: [...challengers]
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([version, s]) => ({ version, failed: s.failed, ...scoreDistribution(s.scores.values()) })),
    },
    latency: {
      total: latency(total),
      stages: [...stages].map(([stage, s]) => ({ stage, ...latency(s) })),
    },
    degraded: { decisions: degraded, byComponent: Object.fromEntries(degradedBy) },
    quality: {
      sources: [...sources]
        .sort((a, b) => b[1].events - a[1].events || (a[0] < b[0] ? -1 : 1))
        .map(([source, q]) => ({
          source,
          events: q.events,
          fields: [...q.fields]
            .sort((a, b) => fieldOrder(a[0]) - fieldOrder(b[0]) || (a[0] < b[0] ? -1 : 1))
            .map(([field, [applies, present, valid]]) => {
              const events = field.startsWith('attributes.') ? q.events : applies;
              return { field, events, present: ratio(present, events), valid: ratio(valid, events) };
            }),
        })),
    },
  };
}
