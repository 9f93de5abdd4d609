import type { RiskEvent } from '../domain/index.js';
import type { CounterStore, Touched } from './counter-store.js';
import { EVENT_FEATURE_NAMES, writeEventFeatures } from './event-features.js';
import { createFeatureSchema, type FeatureSchema } from './feature-schema.js';

/** Turns an event into its feature vector: event features then every window counter. */
export interface FeatureHydrator {
  readonly schema: FeatureSchema;
  /** Returns a fresh vector for `event` as seen at time `t` (before the event is committed). */
  hydrate(event: RiskEvent, t: number): { features: Float64Array; touched: Touched };
}

/** Creates the hydrator over a counter store; derived features follow the raw ones. */
export function createFeatureHydrator(store: CounterStore): FeatureHydrator {
  const derived = ['user_device.is_new', 'model.score'];
  const schema = createFeatureSchema([...EVENT_FEATURE_NAMES, ...store.featureNames, ...derived]);
  const storeOffset = EVENT_FEATURE_NAMES.length;
  const userDeviceCount = schema.indexOf('user_device.count_24h');
  const userDeviceAge = schema.indexOf('user_device.age_s');
  const isNew = schema.indexOf('user_device.is_new') as number;
  return {
    schema,
    hydrate(event, t) {
      const out = new Float64Array(schema.size);
      writeEventFeatures(event, t, out, 0);
      const touched = store.hydrate(event, t, out, storeOffset);
      // A device is new for a user when the pair has never been committed (age is NaN only then).
      const age = userDeviceAge === undefined ? Number.NaN : (out[userDeviceAge] as number);
      const count = userDeviceCount === undefined ? Number.NaN : (out[userDeviceCount] as number);
      out[isNew] = Number.isNaN(count) ? Number.NaN : Number.isNaN(age) ? 1 : 0;
      out[schema.size - 1] = Number.NaN; // model.score, written by the engine once the model has run
      return { features: out, touched };
    },
  };
}
