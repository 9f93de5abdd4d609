import { RiskError } from '../domain/index.js';
import { type Bundle, createSnapshotReader, featuresOf, snapshotFromBase64 } from '../engine/index.js';
import type { ConsoleFeed } from './console-feed.js';
import { findLoggedDecision } from './outcome-desk.js';

/** The model's TreeSHAP contributions to a looked-up decision, or why there are none. */
export type Contributions =
  | {
      readonly available: true;
      readonly modelVersion: string;
      /** The margin with no feature known (log-odds for a sigmoid link). */
      readonly expectedValue: number;
      readonly link: string;
      /** expectedValue plus every contribution: the model's margin for this snapshot. */
      readonly margin: number;
      /** The largest contributions by magnitude, signed; `value` null when the feature was missing. */
      readonly top: readonly { feature: string; value: number | null; contribution: number }[];
    }
  | { readonly available: false; readonly reason: string };

/** A decision found by id, as the console shows it. */
export interface DecisionDetail {
  /** `memory`: among the latest decisions; `log`: read from the decision log. */
  readonly source: 'memory' | 'log';
  /** The logged record without its feature array. */
  readonly decision: Record<string, unknown>;
  /** The feature snapshot by name (missing values left out). */
  readonly features: Record<string, number>;
  readonly contributions: Contributions;
}

/** What the lookup needs. */
export interface DecisionLookupOptions {
  readonly feed: ConsoleFeed;
  /** The decision log's directory; undefined when it is off (only recent decisions are found). */
  readonly logDir: string | undefined;
  /** Writes out the log's queue first, so a decision just made is found. */
  readonly flush?: () => Promise<void>;
  /** The bundle serving now: its model explains the snapshot when the versions match. */
  readonly serving: () => Bundle;
  /** Contributions returned at most. Default 12. */
  readonly topK?: number;
}

/**
 * Finds a decision by decisionId or eventId (an event's latest decision): among the feed's recent
 * records first, else by reading the decision log (findLoggedDecision, shared with the outcome desk).
 * Model contributions are worked out on the logged snapshot with the serving bundle's explainer when
 * the decision was scored by that same model version; otherwise the answer says why there are none.
 */
export function createDecisionLookup(options: DecisionLookupOptions) {
  const topK = options.topK ?? 12;
  const readers = new WeakMap<Bundle, ReturnType<typeof createSnapshotReader>>();
  const contributionsOf = (r: Record<string, unknown>): Contributions => {
    const bundle = options.serving();
    const model = bundle.model?.version;
    if (r.modelScore === undefined)
      return { available: false, reason: 'the model did not score this decision (degraded: model)' };
    if (model === undefined) return { available: false, reason: 'the serving bundle has no model' };
    if (r.modelVersion !== model)
      return {
        available: false,
        reason: `decided by model ${String(r.modelVersion)}; the serving model is ${model}, so its contributions would not explain this score`,
      };
    if (bundle.explainer === undefined)
      return { available: false, reason: bundle.unexplained ?? 'the serving model is not a tree ensemble' };
    let read = readers.get(bundle);
    if (read === undefined) {
      read = createSnapshotReader(bundle.features.schema);
      readers.set(bundle, read);
    }
    const features = read(
      r.featureNames as readonly string[] | undefined,
      r.f as ArrayLike<number | null> | undefined,
    );
    const all = bundle.explainer.explain(features, Number.MAX_SAFE_INTEGER);
    let margin = bundle.explainer.expectedValue;
    for (const c of all) margin += c.contribution;
    return {
      available: true,
      modelVersion: model,
      expectedValue: bundle.explainer.expectedValue,
      link: bundle.explainer.link,
      margin,
      top: all.slice(0, topK).map((c) => ({
        feature: c.feature,
        value: Number.isNaN(c.value) ? null : c.value,
        contribution: c.contribution,
      })),
    };
  };
  return {
    async find(id: string): Promise<DecisionDetail> {
      let source: DecisionDetail['source'] = 'memory';
      let r: Record<string, unknown> | undefined;
      const kept = options.feed.recent(id);
      if (kept !== undefined) {
        // The record as the log's reader gives it back: the snapshot decoded, its feature names attached.
        const { fb, ...rest } = kept.toJSON() as unknown as Record<string, unknown>;
        r = {
          ...rest,
          f: typeof fb === 'string' ? snapshotFromBase64(fb) : rest.f,
          featureNames: kept.logSchema.names,
        };
      } else if (options.logDir !== undefined) {
        source = 'log';
        await options.flush?.();
        r = await findLoggedDecision(options.logDir, (x) => x.decisionId === id || x.eventId === id);
      }
      if (r === undefined)
        throw new RiskError(
          'RISK_ERR_UNKNOWN_RESOURCE',
          options.logDir === undefined
            ? `no decision ${id} among the latest (the decision log is off)`
            : `no decision or event ${id}`,
        );
      const { f: _f, featureNames: _n, ...decision } = r;
      return { source, decision, features: featuresOf(r), contributions: contributionsOf(r) };
    },
  };
}

/** Finds decisions for the console (createDecisionLookup). */
export type DecisionLookup = ReturnType<typeof createDecisionLookup>;
