import type { RiskEvent } from '../domain/index.js';
import type { CounterStore, Touched } from './counter-store.js';
import { EVENT_FEATURE_NAMES, writeEventFeatures } from './event-features.js';
import type { FeaturePlan } from './feature-plan.js';
import type { FeatureSchema } from './feature-schema.js';

/** Turns an event into its feature vector, laid out by the store's plan. */
export interface FeatureHydrator {
  readonly schema: FeatureSchema;
  /**
   * Returns a fresh vector for `event` as seen at time `t` (before the event is committed): at once
   * for the in-memory store, as a promise for a remote one.
   */
  hydrate(event: RiskEvent, t: number): Hydrated | Promise<Hydrated>;
}

/** An event's feature vector and the entities read for it. */
export interface Hydrated {
  readonly features: Float64Array;
  readonly touched: Touched;
}

/**
 * Creates the hydrator over a counter store: the event's own features, then its declared numeric
 * attributes (`attr.<name>`), then its categorical attributes as codes, then every entity's counters, then the derived features (NaN until
 * their stage writes them), then model.score (NaN until the model has run). `plan` is the bundle's:
 * it has the store's layout (an equal signature) and may add derived features.
 */
export function createFeatureHydrator(store: CounterStore, plan: FeaturePlan = store.plan): FeatureHydrator {
  if (plan.signature !== store.plan.signature)
    throw new Error('the counter store was not laid out by this features section');
  const { schema, numericAttributes, categoricalAttributes, entityOffset } = plan;
  const catOffset = EVENT_FEATURE_NAMES.length + numericAttributes.length;
  const derivedOffset = schema.size - 1 - plan.derived.length;
  const attrOffset = EVENT_FEATURE_NAMES.length;
  const modelIndex = schema.size - 1;
  return {
    schema,
    hydrate(event, t) {
      const out = new Float64Array(schema.size);
      writeEventFeatures(event, t, out, 0);
      const typed = event.typed;
      for (let i = 0; i < numericAttributes.length; i++) {
        const name = numericAttributes[i] as string;
        out[attrOffset + i] =
          typed !== undefined && Object.hasOwn(typed, name) ? (typed[name] as number) : Number.NaN;
      }
      const attrs = event.attributes;
      for (let i = 0; i < categoricalAttributes.length; i++) {
        const c = categoricalAttributes[i] as (typeof categoricalAttributes)[number];
        const v = Object.hasOwn(attrs, c.name) ? attrs[c.name] : undefined;
        out[catOffset + i] = v === undefined ? Number.NaN : (c.codes.get(v) ?? Number.NaN);
      }
      for (let i = derivedOffset; i <= modelIndex; i++) out[i] = Number.NaN;
      const touched = store.hydrate(event, t, out, entityOffset);
      return touched instanceof Promise
        ? touched.then((tt) => ({ features: out, touched: tt }))
        : { features: out, touched };
    },
  };
}
