export {
  type CommitInfo,
  type CounterStore,
  type CounterStoreOptions,
  createCounterStore,
  type MemoryCounterStore,
  type StoreState,
  type Touched,
} from './counter-store.js';
export { EVENT_FEATURE_NAMES, writeEventFeatures } from './event-features.js';
export { createFeatureHydrator, type FeatureHydrator, type Hydrated } from './feature-hydrator.js';
export {
  compileFeaturePlan,
  compoundKeyOf,
  type DistinctPlan,
  decisionFeatureNames,
  type EntityPlan,
  type FeaturePlan,
  type MetricOp,
  type MetricPlan,
} from './feature-plan.js';
export { createFeatureSchema, type FeatureSchema, featureValues } from './feature-schema.js';
export {
  EVENT_FIELDS,
  type Field,
  type NumberField,
  resolveField,
  type StringField,
  stringField,
  type TextField,
} from './fields.js';
export { isKnownCurrency, majorToUsd, toUsd } from './fx.js';
/** Redis connection (single server or Cluster) for the shared backends. */
export { createRedisClient, type RedisClient, redisReady } from './redis-client.js';
/** Counters in Redis, shared by replicas; same feature values as the memory store. */
export {
  createRedisCounterStore,
  type RedisCounterStore,
  type RedisCounterStoreOptions,
  type RedisStoreStats,
} from './redis-counter-store.js';
export { WINDOWS, type WindowSpec, windowMs } from './windows.js';
