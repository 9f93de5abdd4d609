import { randomUUID } from 'node:crypto';
import type {
  Action,
  Clock,
  DecisionResult,
  OutcomeType,
  Reason,
  RiskEvent,
  StageTiming,
} from '../domain/index.js';
import { createIsoFormatter, fingerprint as fingerprintOf, hash53, RiskError } from '../domain/index.js';
import type { JournalRecord } from '../durability/index.js';
import {
  type CounterStore,
  createFeatureHydrator,
  type FeatureHydrator,
  type FeatureSchema,
  featureValues,
} from '../features/index.js';
import type { FeatureContribution, TreeExplainer } from '../model/index.js';
import { createSequenceState, type EvalContext, type SequenceState } from '../policies/index.js';
import type { Bundle } from './bundle.js';
import { combine } from './combine.js';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency-store.js';
import { evaluate, finalScore, listReasons, modelReasons, sequenceMatched } from './stage-reasons.js';

/**
 * A decided event with what observers need beyond the response. `features` is the exact vector the
 * decision used, model.score included, indexed by the hydrator's schema: read it during the call and
 * copy it to keep it (the engine may reuse vectors); never write to it.
 */
export type DecisionObserver = (
  event: RiskEvent,
  result: DecisionResult,
  features: Float64Array,
  shadowHits: readonly string[],
  /** Ids of every live rule and device check that fired, graded ones sharing a reason code included. */
  liveHits: readonly string[],
  /** The challenger's score when the bundle has one and this event is in its share (shadow only). */
  challenger: ChallengerScore | undefined,
  /** The schema `features` is laid out by. */
  schema: FeatureSchema,
) => void;

/** A challenger model's shadow score of one event; `failed` when it could not score. */
export type ChallengerScore =
  | {
      readonly version: string;
      readonly score: number;
      /** Its tier (none, review, block by its own manifest's thresholds) equals the champion's. */
      readonly agrees: boolean;
      readonly failed?: undefined;
    }
  | { readonly version: string; readonly failed: true };

/** Options for createDecisionEngine. */
export interface DecisionEngineOptions {
  readonly bundle: Bundle;
  /**
   * The counters, laid out by the bundle's features section (createCounterStore with
   * `bundle.features`). A bundle with another section migrates them (CounterStore.migrate).
   */
  readonly store: CounterStore;
  /** Processing time for windows and list expiry. */
  readonly clock: Clock;
  /** Wall time for deadlines, which callers express as absolute wall-clock instants. */
  readonly wallClock?: Clock;
  /** Event time is used for windows when within this skew of the clock; otherwise arrival time. */
  readonly maxSkewMs?: number;
  /** Replay store size (0 disables idempotent replay) and how long an id is remembered. */
  readonly idempotency?: { readonly max: number; readonly ttlMs: number };
  /** Called after each fresh decision is committed (decision log, metrics). Must not throw. */
  readonly onDecision?: DecisionObserver;
  /** The replay store to use (the server passes the one it restored); default a fresh one sized by `idempotency`. */
  readonly replayStore?: IdempotencyStore;
  /**
   * Called right after each commit, in commit order, with what the journal keeps. A returned promise
   * (a `sync` journal) is awaited before the decision is returned, so nothing is answered that is
   * not durable; if it rejects, the caller gets the error.
   */
  readonly onCommit?: (record: JournalRecord) => void | Promise<void>;
  /**
   * Partial matches of the bundle's sequences (the server passes the state it recovered); default
   * a fresh one. A bundle swap carries it over to equal sequence definitions.
   */
  readonly sequences?: SequenceState;
  /** Explanation reasons an explained decision carries at most (the largest contributions). Default 3. */
  readonly explainTopK?: number;
}

/** How one call to decide() runs. */
export interface DecideOptions {
  /**
   * Score the model in the micro-batch of the current event-loop turn instead of at once. Servers
   * set it: with many requests in flight one model run serves them all. A caller deciding one
   * event at a time leaves it off and does not wait a turn for a batch of one.
   */
  readonly batchModel?: boolean;
  /** Put the feature values by name on a fresh result (`features`); off, the engine builds nothing. */
  readonly includeFeatures?: boolean;
  /**
   * Add the model's top-k feature contributions (TreeSHAP) as MODEL reasons with feature, value and
   * contribution, after the combine: they never change the decision nor count against maxReasons.
   * Off by default: it costs more than the model run itself (bench/explain-bench.ts). Nothing is
   * added when the model did not run or is not a tree ensemble.
   */
  readonly explain?: boolean;
}

/** The transport-neutral core: one event in, one decision out. */
export interface DecisionEngine {
  /**
   * Decides one event. `deadlineMs` (epoch ms, optional) bounds the wait: when too little time is
   * left for the model the decision degrades to rules only; when it has already passed, it throws
   * RISK_ERR_DEADLINE_EXCEEDED and nothing is counted.
   */
  decide(event: RiskEvent, deadlineMs?: number, options?: DecideOptions): Promise<DecisionResult>;
  /** The bundle new decisions read. */
  readonly bundle: Bundle;
  /**
   * Atomically replaces the bundle; decisions in flight finish on the one they started with. When
   * its features section differs, the counters move to a store laid out by it first (what both
   * sections share carries over), and decisions in flight commit to that store.
   */
  swapBundle(next: Bundle): Bundle;
  /** The counter store new decisions read and every decision commits to. */
  readonly store: CounterStore;
  /**
   * Counts an outcome reported about `event` (decided `decision` earlier) in the bundle's outcome
   * counters (`outcomes` metrics), at once and at the current time, journaled like a decision:
   * the next decision on the same card, account... reads it. Resolves once it is as durable as a
   * decision would be.
   */
  recordOutcome(event: RiskEvent, decision: Action, type: OutcomeType): Promise<void>;
}

const MODEL_MARGIN_MS = 1;

/**
 * Creates the decision engine, staged as docs/architecture.md §2: hydrate features, lists, device checks,
 * model, sequences, rules, combine, commit. Counters are read before and updated after the decision, so an
 * event never counts itself and is counted with its outcome.
 */
export function createDecisionEngine(options: DecisionEngineOptions): DecisionEngine {
  const { clock, onDecision, onCommit } = options;
  let store = options.store;
  if (store.plan.signature !== options.bundle.features.signature)
    throw new Error('the counter store was not laid out by the bundle’s features section');
  let hydrator: FeatureHydrator = createFeatureHydrator(store, options.bundle.features);
  const wall = options.wallClock ?? Date.now;
  const maxSkewMs = options.maxSkewMs ?? 5 * 60_000;
  const replayMax = options.idempotency?.max ?? 100_000;
  const replayEnabled = replayMax > 0;
  const replay =
    options.replayStore ?? createIdempotencyStore(replayMax, options.idempotency?.ttlMs ?? 24 * 3_600_000);
  const iso = createIsoFormatter();
  const topK = options.explainTopK ?? 3;
  let bundle = options.bundle;
  const sequences = options.sequences ?? createSequenceState(bundle.sequences);
  sequences.adopt(bundle.sequences);

  const run = async (
    event: RiskEvent,
    deadlineMs: number | undefined,
    b: Bundle,
    batchModel: boolean,
    includeFeatures: boolean,
    explain: boolean,
    fingerprint?: string,
  ): Promise<DecisionResult> => {
    const timings: StageTiming[] = [];
    let mark = performance.now();
    const lap = (stage: string) => {
      const t = performance.now();
      timings.push({ stage, micros: Math.round((t - mark) * 1000) });
      mark = t;
    };
    const now = clock();
    const occurred = event.occurredAtMs;
    const eventTime = occurred !== undefined && Math.abs(occurred - now) <= maxSkewMs;
    const t = eventTime ? occurred : now;

    const h = hydrator;
    const hydratedBy = store;
    const hydrating = h.hydrate(event, t);
    const { features, touched } = hydrating instanceof Promise ? await hydrating : hydrating;
    lap('features');

    const reasons: Reason[] = [];
    listReasons(b, event, t, reasons);
    lap('lists');

    const ctx: EvalContext = { event, features, t };
    const shadowHits: string[] = [];
    const liveHits: string[] = [];
    let modifier = evaluate(b.deviceChecks, ctx, 'DEVICE', reasons, shadowHits, liveHits);
    lap('device');

    // A remote store that could not answer in time left the entity features missing.
    const degraded: string[] = touched.degraded === true ? ['features'] : [];
    let modelScore: number | undefined;
    // The challenger scores in shadow after the champion (its batch queued second), on its share.
    const ch = b.challenger;
    const challengerDue = ch !== undefined && inShare(event.eventId, ch.share);
    let challengerRun: Promise<number | undefined> | number | undefined;
    let challengerStarted = false;
    if (b.model === undefined) {
      degraded.push('model');
    } else if (deadlineMs !== undefined && deadlineMs - wall() < MODEL_MARGIN_MS) {
      degraded.push('model');
    } else {
      try {
        const scoreNow = b.model.scoreNow;
        if (batchModel || scoreNow === undefined) {
          const run = b.model.score(features);
          if (challengerDue) {
            challengerStarted = true;
            challengerRun = shadowScore(ch.model, features, true);
          }
          modelScore = await run;
        } else modelScore = scoreNow(features);
        features[features.length - 1] = modelScore; // model.score is always the last feature
        modelReasons(modelScore, b.model.manifest.thresholds, reasons);
      } catch {
        degraded.push('model');
      }
      if (challengerDue && !challengerStarted) {
        challengerStarted = true;
        challengerRun = shadowScore(ch.model, features, false);
      }
    }
    let challenger: ChallengerScore | undefined;
    if (challengerStarted && ch !== undefined) {
      const v = challengerRun instanceof Promise ? await challengerRun : challengerRun;
      const champion = b.model as NonNullable<typeof b.model>;
      challenger =
        v === undefined
          ? { version: ch.model.version, failed: true }
          : {
              version: ch.model.version,
              score: v,
              agrees:
                modelScore !== undefined &&
                tierOf(v, ch.model.manifest.thresholds) === tierOf(modelScore, champion.manifest.thresholds),
            };
    }
    lap('model');
    // Explained here, on the vector the model just scored (sequences write stage features next).
    let explanation: Reason[] | undefined;
    if (explain && modelScore !== undefined && b.explainer !== undefined) {
      explanation = explanationReasons(b.explainer.explain(features, topK), b.explainer.link);
      lap('explain');
    }

    // Sequences advance here, after the model (a step may read model.score) and before the rules
    // (which may read the stages). From here to the commit nothing awaits, so state changes and
    // journal records keep one order.
    let sequenceMasks: Record<string, number> | undefined;
    const seqs = b.sequences;
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i] as (typeof seqs)[number];
      const at = b.features.schema.indexOf(seq.stageFeature) as number;
      const key = seq.keyOf(event);
      if (key === undefined) continue;
      const mask = sequences.maskOf(seq, ctx);
      if (mask === 0 && !sequences.has(seq, key)) {
        features[at] = 0;
        continue;
      }
      const o = sequences.advance(seq, key, mask, t);
      if (o === undefined) continue; // swapped out while this decision ran
      features[at] = o.stage;
      sequenceMasks ??= {};
      sequenceMasks[seq.identity] = mask;
      if (o.matched) modifier += sequenceMatched(seq, ctx, reasons, shadowHits, liveHits);
    }
    lap('sequences');

    modifier += evaluate(b.rules, ctx, 'RULE', reasons, shadowHits, liveHits);
    lap('rules');

    const score = finalScore(b, modelScore, modifier, reasons);
    const combined = combine(reasons, b.maxReasons);
    lap('combine');

    // A bundle swap with a new features section while this decision ran moved the counters: commit
    // to where they are now, looking the entities up again.
    if (store === hydratedBy) store.commit(event, t, { decision: combined.decision }, touched);
    else store.commit(event, t, { decision: combined.decision });
    lap('commit');

    const result: { -readonly [K in keyof DecisionResult]: DecisionResult[K] } = {
      decisionId: randomUUID(),
      eventId: event.eventId,
      decision: combined.decision,
      score,
      // Always present (undefined when the model did not run) so every result has one shape;
      // JSON leaves it out when undefined.
      modelScore,
      reasons: explanation === undefined ? combined.reasons : [...combined.reasons, ...explanation],
      bundleVersion: b.version,
      modelVersion: b.model?.version ?? '',
      degraded,
      timings,
      replayed: false,
      timeBasis: eventTime ? 'EVENT_TIME' : 'ARRIVAL_TIME',
      windowTime: iso(t),
      json: undefined,
      // In the literal (undefined) so every result has one shape; set after the record is made.
      features: undefined,
    };
    // The replay record, made once: REST sends the same text as its response body.
    if (replayEnabled) result.json = JSON.stringify(result);
    // The journal record follows the commit with no await between, so the journal's order is the
    // commit order.
    const durable = onCommit?.({
      event,
      t,
      decision: combined.decision,
      createdMs: wall(),
      ...(sequenceMasks !== undefined ? { sequences: sequenceMasks } : {}),
      ...(fingerprint !== undefined && result.json !== undefined ? { fingerprint, json: result.json } : {}),
    });
    if (includeFeatures) result.features = featureValues(h.schema, features);
    onDecision?.(event, result, features, shadowHits, liveHits, challenger, h.schema);
    if (durable !== undefined) await durable;
    return result;
  };

  return {
    get bundle() {
      return bundle;
    },
    get store() {
      return store;
    },
    async recordOutcome(event, decision, type) {
      const t = clock();
      store.commit(event, t, { decision, outcome: type });
      const durable = onCommit?.({ event, t, decision, createdMs: wall(), outcome: type });
      if (durable !== undefined) await durable;
    },
    swapBundle(next) {
      const prev = bundle;
      if (next.features.signature !== store.plan.signature) {
        store = store.migrate(next.features);
        hydrator = createFeatureHydrator(store, next.features);
      } else if (next.features.schema !== hydrator.schema) {
        // The same counters; derived features (sequence stages) may differ.
        hydrator = createFeatureHydrator(store, next.features);
      }
      if (next.sequences !== prev.sequences) sequences.adopt(next.sequences);
      bundle = next;
      return prev;
    },
    async decide(event, deadlineMs, opts) {
      const batchModel = opts?.batchModel === true;
      const includeFeatures = opts?.includeFeatures === true;
      const explain = opts?.explain === true;
      if (deadlineMs !== undefined && wall() >= deadlineMs) throw new RiskError('RISK_ERR_DEADLINE_EXCEEDED');
      // With replay off there is nothing to fingerprint or keep.
      if (!replayEnabled) return run(event, deadlineMs, bundle, batchModel, includeFeatures, explain);
      const fingerprint = fingerprintOf(event);
      const prior = replay.get(event.eventId);
      if (prior !== undefined) {
        if (prior.fingerprint !== fingerprint) throw new RiskError('RISK_ERR_IDEMPOTENCY_CONFLICT');
        const r = 'json' in prior ? (JSON.parse(prior.json) as DecisionResult) : await prior.pending;
        // A retry that arrives while the first is in flight gets its result: without its features,
        // like every replay, whichever of the two asked for them.
        return { ...r, replayed: true, json: undefined, features: undefined };
      }
      const pending = run(event, deadlineMs, bundle, batchModel, includeFeatures, explain, fingerprint);
      const id = event.eventId;
      replay.set(id, { fingerprint, pending });
      pending.then(
        (r) => replay.set(id, { fingerprint, json: r.json ?? JSON.stringify(r) }),
        // A failed decision must not be replayed: the retry deserves a fresh attempt.
        () => replay.delete(id),
      );
      return pending;
    },
  };
}

/** A challenger's score of one vector, undefined when it failed; never throws or rejects. */
function shadowScore(
  model: NonNullable<Bundle['model']>,
  features: Float64Array,
  batched: boolean,
): Promise<number | undefined> | number | undefined {
  const now = model.scoreNow;
  if (batched || now === undefined)
    return model.score(features).then(
      (v) => v,
      () => undefined,
    );
  try {
    return now(features);
  } catch {
    return undefined;
  }
}

/** A model score's tier by its manifest's thresholds: 2 block, 1 review, 0 neither. */
function tierOf(score: number, th: { readonly review: number; readonly block: number }): number {
  return score >= th.block ? 2 : score >= th.review ? 1 : 0;
}

/**
 * Whether an event is in a challenger's share: a hash of its id, so a retry and every replica agree,
 * and a share of 0.3 is the same 30 % of events whatever the traffic.
 */
function inShare(eventId: string, share: number): boolean {
  if (share >= 1) return true;
  return hash53(eventId, 0x6368) / 2 ** 53 < share;
}

/**
 * Feature contributions as MODEL reasons without an action: code model_feature, the feature, its
 * value (left out when missing) and its signed contribution to the model's margin: log-odds when the
 * model's score is a sigmoid of it, as for our GBDT.
 */
function explanationReasons(top: readonly FeatureContribution[], link: TreeExplainer['link']): Reason[] {
  const unit = link === 'sigmoid' ? 'log-odds' : link === 'probit' ? 'probit margin' : 'score';
  return top.map((c) => {
    const shown = Number.isNaN(c.value) ? 'missing' : String(c.value);
    const dir = c.contribution > 0 ? 'raised' : 'lowered';
    return {
      code: 'model_feature',
      message: `${c.feature} (${shown}) ${dir} the model's ${unit} by ${Math.abs(c.contribution).toFixed(3)}`,
      source: 'MODEL',
      feature: c.feature,
      ...(Number.isNaN(c.value) ? {} : { value: c.value }),
      contribution: c.contribution,
    };
  });
}
