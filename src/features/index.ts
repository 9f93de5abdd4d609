export {
  type CommitInfo,
  type CounterStore,
  type CounterStoreOptions,
  createCounterStore,
  type StoreState,
} from './counter-store.js';
export { DEFAULT_ENTITIES, type DistinctSpec, type EntitySpec } from './entities.js';
export { EVENT_FEATURE_NAMES, writeEventFeatures } from './event-features.js';
export { createFeatureHydrator, type FeatureHydrator } from './feature-hydrator.js';
export { createFeatureSchema, type FeatureSchema, featureValues } from './feature-schema.js';
export { isKnownCurrency, toUsd } from './fx.js';
export { DEFAULT_WINDOWS, METRICS, type WindowSpec, windowMs } from './windows.js';
