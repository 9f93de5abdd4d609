import type { FeaturePlan } from '../features/index.js';
import type { ModelScorer, TreeExplainer } from '../model/index.js';
import type { CompiledRule, CompiledSequence, ListSet } from '../policies/index.js';

/**
 * Everything one decision reads, immutable and versioned: a decision reads exactly one bundle and
 * records its version. Swapping bundles is a single reference assignment.
 */
export interface Bundle {
  readonly name: string;
  /** `<name>@<sha256 prefix of every file>`: equal content gives an equal version. */
  readonly version: string;
  /** The features section: typed attributes, entities and the schema rules and model read. */
  readonly features: FeaturePlan;
  /** Device checks: rules whose reasons carry source DEVICE. */
  readonly deviceChecks: readonly CompiledRule[];
  readonly rules: readonly CompiledRule[];
  /** Sequence (CEP) rules: a full match is a reason with source SEQUENCE; stages are features. */
  readonly sequences: readonly CompiledSequence[];
  readonly lists: ListSet;
  /**
   * Thresholds on the final score (model score plus rule modifiers, clipped to [0, 1]) that act
   * like rules, as Marble's scenario outcomes do: the highest one reached adds a SYSTEM reason.
   */
  readonly scoreThresholds?: {
    readonly challenge?: number;
    readonly review?: number;
    readonly block?: number;
  };
  /** Reasons a response keeps at most, deciding one first. */
  readonly maxReasons: number;
  /** Champion model; undefined when the bundle has none (decisions then say degraded: model). */
  readonly model?: ModelScorer;
  /**
   * Challenger model (`challenger/manifest.json`): scores `share` of the events in shadow, beside
   * the champion; its score reaches the decision observer and metrics, never the decision.
   */
  readonly challenger?: { readonly model: ModelScorer; readonly share: number };
  /**
   * TreeSHAP over the model's own trees, read from the same ONNX bytes; undefined when there is no
   * model or its graph is not a tree ensemble the explainer can follow (then `unexplained` says why).
   */
  readonly explainer?: TreeExplainer;
  /** Why the bundle's model has no explainer (a linear model, trees behind preprocessing...). */
  readonly unexplained?: string;
}
