import type { Action, Reason, RiskEvent } from '../domain/index.js';
import { FRAUD_OUTCOMES, type OutcomeType } from '../domain/index.js';
import type { EvalContext } from '../policies/index.js';
import type { Bundle } from './bundle.js';
import { combine } from './combine.js';
import { createSnapshotReader, type LoggedSnapshot } from './decision-record.js';
import { evaluate, finalScore, listReasons, modelReasons, sequenceMatched } from './stage-reasons.js';

/** What to backtest: a candidate bundle against the live one, over a time range of the log. */
export interface BacktestOptions {
  readonly live: Bundle;
  readonly candidate: Bundle;
  /** Decisions made at or after this (epoch ms, the record's `at`); default the beginning. */
  readonly from?: number;
  /** Decisions made before this; default the end. */
  readonly to?: number;
  /** Changed decisions listed in the report at most (default 20). */
  readonly sample?: number;
}

/** Decisions by outcome. */
export type DecisionMix = Record<Action, number>;

/** How well a bundle's decisions match the labels: flagged means REVIEW or BLOCK. */
export interface LabelScore {
  readonly flagged: number;
  readonly truePositives: number;
  /** Of the labelled events flagged, the share that were fraud (NaN with none flagged). */
  readonly precision: number;
  /** Of the labelled fraud, the share flagged (NaN with no fraud). */
  readonly recall: number;
}

/** A backtest's findings (docs/backtest.md). */
export interface BacktestReport {
  readonly events: number;
  readonly from?: string;
  readonly to?: string;
  readonly liveVersion: string;
  readonly candidateVersion: string;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** The decisions as they were made (by whatever bundle served then), as the live bundle would make them now, and as the candidate would. */
  readonly mix: {
    readonly recorded: DecisionMix;
    readonly live: DecisionMix;
    readonly candidate: DecisionMix;
  };
  /** Hits per rule, device check, list and sequence id, live and shadow, for each bundle. */
  readonly rules: readonly {
    readonly id: string;
    readonly live: number;
    readonly candidate: number;
    readonly liveShadow: number;
    readonly candidateShadow: number;
  }[];
  /**
   * Decisions the live bundle now makes differently from the recorded ones: 0 when the log was made
   * by this bundle (the backtest decides as the engine did); more when other versions served.
   */
  readonly recordedDiffers: number;
  readonly changed: number;
  readonly changedSample: readonly {
    readonly eventId: string;
    readonly decisionId: string;
    readonly live: Action;
    readonly candidate: Action;
    readonly candidateReasons: readonly string[];
  }[];
  /** Against outcomes in the log: an event is fraud when its latest outcome says so (FRAUD_OUTCOMES). */
  readonly labels: {
    readonly labelled: number;
    readonly fraud: number;
    readonly live: LabelScore;
    readonly candidate: LabelScore;
  };
  /** Over a CSV: rows that made no event (bad values), with the first problems by line. */
  readonly rejected?: { readonly rows: number; readonly sample: readonly string[] };
}

/** A mix with no decisions. */
export const emptyMix = (): DecisionMix => ({ ALLOW: 0, CHALLENGE: 0, REVIEW: 0, BLOCK: 0 });
const flagged = (a: Action) => a === 'REVIEW' || a === 'BLOCK';

/** One bundle's view of the log: its snapshot layout and running tallies. */
interface Side extends Tallies {
  /** Lays a logged snapshot out by this bundle's schema. */
  readonly snapshot: ReturnType<typeof createSnapshotReader>;
}

/**
 * Runs the candidate and the live bundle over the decision log's records, on the feature snapshots
 * the decisions recorded, with no side effect on any live state: lists are matched on the recorded
 * (tokenised) event, device checks and rules evaluated on the snapshot, the model's recorded score
 * reused when the bundle's model has the recorded version and scored again from the snapshot
 * otherwise; sequences are not run again (their state is not in the log): a sequence fires where the
 * recorded decision says it did, and rules read the recorded stages.
 */
export async function backtest(
  records: AsyncIterable<Record<string, unknown>>,
  options: BacktestOptions,
): Promise<BacktestReport> {
  const started = performance.now();
  const side = (bundle: Bundle): Side => ({
    bundle,
    mix: emptyMix(),
    hits: new Map(),
    shadow: new Map(),
    snapshot: createSnapshotReader(bundle.features.schema),
  });
  const live = side(options.live);
  const candidate = side(options.candidate);
  const recorded = emptyMix();
  const sampleMax = options.sample ?? 20;
  const changedSample: BacktestReport['changedSample'][number][] = [];
  let changed = 0;
  let recordedDiffers = 0;
  let events = 0;
  // Outcomes come after their decisions in the log: keep each decision's actions, join at the end.
  const decided = new Map<string, { live: Action; candidate: Action }>();
  const labels = new Map<string, OutcomeType>();
  let first: number | undefined;
  let last: number | undefined;

  for await (const r of records) {
    if (r.kind === 'outcome') {
      labels.set(String(r.decisionId), r.type as OutcomeType);
      continue;
    }
    if (r.kind !== 'decision') continue;
    const at = Date.parse(String(r.at));
    if ((options.from !== undefined && at < options.from) || (options.to !== undefined && at >= options.to))
      continue;
    events++;
    first = first === undefined ? at : Math.min(first, at);
    last = last === undefined ? at : Math.max(last, at);
    const rec = r as unknown as LoggedDecision;
    recorded[rec.decision] = (recorded[rec.decision] ?? 0) + 1;
    const a = decideOn(live, rec);
    const b = decideOn(candidate, rec);
    decided.set(rec.decisionId, { live: a.decision, candidate: b.decision });
    if (a.decision !== rec.decision) recordedDiffers++;
    if (a.decision !== b.decision) {
      changed++;
      if (changedSample.length < sampleMax)
        changedSample.push({
          eventId: rec.eventId,
          decisionId: rec.decisionId,
          live: a.decision,
          candidate: b.decision,
          candidateReasons: b.reasons.map((x) => x.ruleId ?? x.code),
        });
    }
  }

  const judged: Judged[] = [];
  for (const [id, type] of labels) {
    const d = decided.get(id);
    if (d !== undefined) judged.push({ ...d, fraud: FRAUD_OUTCOMES.has(type) });
  }
  return backtestReport({
    started,
    events,
    first,
    last,
    live,
    candidate,
    recorded,
    recordedDiffers,
    changed,
    changedSample,
    judged,
  });
}

/** A labelled event's two decisions. */
export interface Judged {
  readonly live: Action;
  readonly candidate: Action;
  readonly fraud: boolean;
}

/** The tallies of one bundle's run: its decision mix and hits per id, live and shadow. */
export interface Tallies {
  readonly bundle: Bundle;
  readonly mix: DecisionMix;
  readonly hits: Map<string, number>;
  readonly shadow: Map<string, number>;
}

/** Assembles a backtest's report from its tallies (shared by the log and the CSV backtests). */
export function backtestReport(t: {
  readonly started: number;
  readonly events: number;
  readonly first: number | undefined;
  readonly last: number | undefined;
  readonly live: Tallies;
  readonly candidate: Tallies;
  readonly recorded: DecisionMix;
  readonly recordedDiffers: number;
  readonly changed: number;
  readonly changedSample: BacktestReport['changedSample'];
  readonly judged: readonly Judged[];
}): BacktestReport {
  const { live, candidate, judged } = t;
  const score = (pick: 'live' | 'candidate'): LabelScore => {
    let f = 0;
    let tp = 0;
    let fraud = 0;
    for (const d of judged) {
      if (d.fraud) fraud++;
      if (flagged(d[pick])) {
        f++;
        if (d.fraud) tp++;
      }
    }
    return {
      flagged: f,
      truePositives: tp,
      precision: f === 0 ? Number.NaN : tp / f,
      recall: fraud === 0 ? Number.NaN : tp / fraud,
    };
  };
  const ids = new Set([
    ...live.hits.keys(),
    ...candidate.hits.keys(),
    ...live.shadow.keys(),
    ...candidate.shadow.keys(),
  ]);
  const seconds = (performance.now() - t.started) / 1000;
  return {
    events: t.events,
    ...(t.first !== undefined ? { from: new Date(t.first).toISOString() } : {}),
    ...(t.last !== undefined ? { to: new Date(t.last).toISOString() } : {}),
    liveVersion: live.bundle.version,
    candidateVersion: candidate.bundle.version,
    seconds,
    eventsPerSecond: t.events / Math.max(seconds, 1e-9),
    mix: { recorded: t.recorded, live: live.mix, candidate: candidate.mix },
    rules: [...ids].sort().map((id) => ({
      id,
      live: live.hits.get(id) ?? 0,
      candidate: candidate.hits.get(id) ?? 0,
      liveShadow: live.shadow.get(id) ?? 0,
      candidateShadow: candidate.shadow.get(id) ?? 0,
    })),
    recordedDiffers: t.recordedDiffers,
    changed: t.changed,
    changedSample: t.changedSample,
    labels: {
      labelled: judged.length,
      fraud: judged.filter((d) => d.fraud).length,
      live: score('live'),
      candidate: score('candidate'),
    },
  };
}

/** The fields of a decision record the backtest reads. */
interface LoggedDecision {
  readonly decisionId: string;
  readonly eventId: string;
  readonly event: RiskEvent;
  readonly decision: Action;
  readonly modelScore?: number;
  readonly modelVersion: string;
  readonly liveHits: readonly string[];
  readonly shadowHits: readonly string[];
  readonly windowTime: string;
  /** The snapshot in the order of `featureNames` (the reader attaches the segment's schema). */
  readonly f: LoggedSnapshot;
  readonly featureNames?: readonly string[];
}

/** Decides one recorded event with one bundle, as the engine's stages would, from the snapshot. */
function decideOn(s: Side, rec: LoggedDecision): { decision: Action; reasons: Reason[] } {
  const b = s.bundle;
  const size = b.features.schema.size;
  const features = s.snapshot(rec.featureNames, rec.f);
  // As in the engine: device checks see neither the model score nor the sequence stages yet.
  const derived = b.features.derived.length;
  const stages = features.slice(size - 1 - derived, size - 1);
  features.fill(Number.NaN, size - 1 - derived, size);
  const t = Date.parse(rec.windowTime);
  const ctx: EvalContext = { event: rec.event, features, t };
  const reasons: Reason[] = [];
  const live: string[] = [];
  const shadow: string[] = [];
  listReasons(b, rec.event, t, reasons);
  for (const r of reasons) if (r.ruleId !== undefined) live.push(r.ruleId);
  let modifier = evaluate(b.deviceChecks, ctx, 'DEVICE', reasons, shadow, live);
  let modelScore: number | undefined;
  if (b.model !== undefined) {
    if (b.model.version === rec.modelVersion && rec.modelScore !== undefined) modelScore = rec.modelScore;
    else
      try {
        modelScore = b.model.scoreNow?.(features);
      } catch {
        modelScore = undefined;
      }
    if (modelScore !== undefined) {
      features[size - 1] = modelScore;
      modelReasons(modelScore, b.model.manifest.thresholds, reasons);
    }
  }
  features.set(stages, size - 1 - derived);
  for (const seq of b.sequences) {
    if (rec.liveHits.includes(seq.id) || rec.shadowHits.includes(seq.id))
      modifier += sequenceMatched(seq, ctx, reasons, shadow, live);
  }
  modifier += evaluate(b.rules, ctx, 'RULE', reasons, shadow, live);
  finalScore(b, modelScore, modifier, reasons);
  const combined = combine(reasons, b.maxReasons);
  s.mix[combined.decision]++;
  for (const id of live) s.hits.set(id, (s.hits.get(id) ?? 0) + 1);
  for (const id of shadow) s.shadow.set(id, (s.shadow.get(id) ?? 0) + 1);
  return combined;
}
