import { createHash } from 'node:crypto';
import {
  type AttributeType,
  FRAUD_OUTCOMES,
  OUTCOME_TYPES,
  type OutcomeType,
  type RiskEvent,
} from '../domain/index.js';
import { EVENT_FEATURE_NAMES } from './event-features.js';
import { createFeatureSchema, type FeatureSchema } from './feature-schema.js';
import { resolveField } from './fields.js';
import { WINDOWS, type WindowSpec } from './windows.js';

/** What a metric aggregates per bucket. The decision ones count events by their outcome. */
export type MetricOp =
  | 'count'
  | 'sum'
  | 'min'
  | 'max'
  | 'avg'
  | 'allowed'
  | 'challenged'
  | 'reviewed'
  | 'blocked'
  | 'outcomes';

/** One metric of an entity, kept in each of its windows. */
export interface MetricPlan {
  readonly name: string;
  readonly op: MetricOp;
  /** The numeric field aggregated (sum, min, max, avg); NaN (missing) adds nothing. */
  readonly of?: string;
  readonly value?: (e: RiskEvent) => number;
  /** The outcome types an `outcomes` metric counts (reported outcomes, not decisions). */
  readonly types?: ReadonlySet<OutcomeType>;
  readonly windows: readonly WindowSpec[];
}

/** A capped distinct count of another field per entity, read over one window. */
export interface DistinctPlan {
  readonly name: string;
  readonly of: string;
  readonly value: (e: RiskEvent) => string | undefined;
  readonly cap: number;
  readonly window: WindowSpec;
}

/** An entity kind: a key over typed fields, its metrics and its distinct counts. */
export interface EntityPlan {
  readonly name: string;
  readonly key: readonly string[];
  /** The key of an event's entity, undefined when the event lacks any of the key's fields. */
  readonly keyOf: (e: RiskEvent) => string | undefined;
  /** Every window any of its metrics uses, in catalogue order. */
  readonly windows: readonly WindowSpec[];
  readonly metrics: readonly MetricPlan[];
  readonly distinct: readonly DistinctPlan[];
  /** Feature names this entity writes, in the order the counter store writes them. */
  readonly featureNames: readonly string[];
}

/**
 * A bundle's features section, compiled: typed custom attributes, the entities counted, and the
 * feature schema every rule and model input of the bundle resolves against.
 */
export interface FeaturePlan {
  /** sha256 prefix of the section's text: equal sections give equal signatures. */
  readonly signature: string;
  /** The section as parsed, so a snapshot can carry its layout and compile it again. */
  readonly source: unknown;
  readonly attributes: ReadonlyMap<string, AttributeType>;
  /** Declared non-string attributes, written as features `attr.<name>` after the event features. */
  readonly numericAttributes: readonly string[];
  /**
   * String attributes with a category table (`categories` section), written as features `attr.<name>`
   * after the numeric ones: the value's index in the table, NaN when absent or not in the table.
   */
  readonly categoricalAttributes: readonly CategoricalAttribute[];
  readonly entities: readonly EntityPlan[];
  /** Where the entity features start in the schema. */
  readonly entityOffset: number;
  /**
   * Features other stages write after the counters, before model.score (sequence stages). They are
   * not part of the counters' layout, so not of `signature`.
   */
  readonly derived: readonly string[];
  readonly schema: FeatureSchema;
}

/** A string attribute a model reads as a category code. */
export interface CategoricalAttribute {
  readonly name: string;
  readonly codes: ReadonlyMap<string, number>;
}

/** Most categories one attribute's table may hold. */
export const MAX_ATTRIBUTE_CATEGORIES = 65_535;

const NAME = /^[a-z][a-z0-9_]{0,47}$/;
const ATTRIBUTE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const TYPES = new Set<AttributeType>(['string', 'number', 'bool', 'timestamp']);
const VALUE_OPS = new Set<MetricOp>(['sum', 'min', 'max', 'avg']);
const OPS = new Set<MetricOp>([
  ...VALUE_OPS,
  'count',
  'allowed',
  'challenged',
  'reviewed',
  'blocked',
  'outcomes',
]);
const CATALOGUE = Object.keys(WINDOWS);
/** Separates the parts of a compound key; no field value at the edge contains it. */
const KEY_SEPARATOR = '\u001f';
/** Entity kinds one features section may declare (the counter store's slot ids hold the kind in 5 bits). */
export const MAX_ENTITY_KINDS = 32;
/** Distinct sets keep at most this many values per entity. */
export const MAX_DISTINCT_CAP = 64;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Compiles a features section (features.json of a bundle; docs/architecture.md §3 gives the format).
 * Every problem is reported with its path; on any problem there is no plan.
 */
export function compileFeaturePlan(
  doc: unknown,
  derived: readonly string[] = [],
): { value: FeaturePlan } | { errors: string[] } {
  const errors: string[] = [];
  const bad = (path: string, message: string) => errors.push(`${path}: ${message}`);
  const root = doc ?? {};
  if (!isObject(root)) return { errors: ['features must be an object'] };
  for (const k of Object.keys(root))
    if (k !== 'attributes' && k !== 'categories' && k !== 'entities' && k !== 'description')
      bad(k, 'unknown key');

  const attributes = new Map<string, AttributeType>();
  const rawAttrs = root.attributes ?? {};
  if (!isObject(rawAttrs)) bad('attributes', 'must be an object of name: type');
  else
    for (const [name, type] of Object.entries(rawAttrs)) {
      if (!ATTRIBUTE.test(name)) bad(`attributes.${name}`, 'name must be letters, digits and _, at most 64');
      else if (typeof type !== 'string' || !TYPES.has(type as AttributeType))
        bad(`attributes.${name}`, 'type must be string, number, bool or timestamp');
      else attributes.set(name, type as AttributeType);
    }
  const numericAttributes = [...attributes].filter(([, t]) => t !== 'string').map(([n]) => n);
  const categoricalAttributes: CategoricalAttribute[] = [];
  const rawCats = root.categories ?? {};
  if (!isObject(rawCats)) bad('categories', 'must be an object of attribute: [category, ...]');
  else
    for (const [name, list] of Object.entries(rawCats)) {
      if (attributes.get(name) !== 'string') {
        bad(`categories.${name}`, 'must name an attribute declared as string');
        continue;
      }
      if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ATTRIBUTE_CATEGORIES) {
        bad(`categories.${name}`, `must be a list of 1 to ${MAX_ATTRIBUTE_CATEGORIES} strings`);
        continue;
      }
      const codes = new Map<string, number>();
      list.forEach((v: unknown, i: number) => {
        if (typeof v !== 'string') bad(`categories.${name}[${i}]`, 'must be a string');
        else if (codes.has(v)) bad(`categories.${name}[${i}]`, `${JSON.stringify(v)} is listed twice`);
        else codes.set(v, i);
      });
      categoricalAttributes.push({ name, codes });
    }

  const windowList = (path: string, raw: unknown): WindowSpec[] | undefined => {
    if (!Array.isArray(raw) || raw.length === 0) {
      bad(path, `must be a non-empty array of windows (${CATALOGUE.join(', ')})`);
      return undefined;
    }
    const out: WindowSpec[] = [];
    for (const [i, w] of raw.entries()) {
      const spec = typeof w === 'string' && Object.hasOwn(WINDOWS, w) ? WINDOWS[w] : undefined;
      if (spec === undefined) bad(`${path}[${i}]`, `unknown window; one of ${CATALOGUE.join(', ')}`);
      else if (out.includes(spec)) bad(`${path}[${i}]`, `window ${spec.label} named twice`);
      else out.push(spec);
    }
    return out;
  };

  const entities: EntityPlan[] = [];
  const rawEntities = root.entities ?? [];
  if (!Array.isArray(rawEntities)) bad('entities', 'must be an array');
  const names = new Set<string>();
  for (const [i, raw] of (Array.isArray(rawEntities) ? rawEntities : []).entries()) {
    const at = `entities[${i}]`;
    if (!isObject(raw)) {
      bad(at, 'must be an object');
      continue;
    }
    for (const k of Object.keys(raw))
      if (!['name', 'key', 'windows', 'metrics', 'distinct', 'description'].includes(k))
        bad(`${at}.${k}`, 'unknown key');
    const name = raw.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
      bad(`${at}.name`, 'must be lower case letters, digits and _, starting with a letter');
      continue;
    }
    if (names.has(name)) bad(`${at}.name`, `entity ${name} declared twice`);
    names.add(name);
    const where = `entities.${name}`;

    const keyRaw = typeof raw.key === 'string' ? [raw.key] : raw.key;
    const keyGetters: ((e: RiskEvent) => string | undefined)[] = [];
    if (!Array.isArray(keyRaw) || keyRaw.length === 0)
      bad(`${where}.key`, 'must name one field or a list of fields');
    else
      for (const [j, f] of keyRaw.entries()) {
        const field = typeof f === 'string' ? resolveField(f, attributes) : undefined;
        if (field === undefined) bad(`${where}.key[${j}]`, `unknown field ${JSON.stringify(f)}`);
        else if (field.type !== 'string')
          bad(`${where}.key[${j}]`, `${f} is a ${field.type}; keys are text fields`);
        else keyGetters.push(field.get);
      }
    const defaultWindows =
      raw.windows === undefined ? undefined : windowList(`${where}.windows`, raw.windows);

    const metrics: MetricPlan[] = [];
    const rawMetrics = raw.metrics ?? {};
    if (!isObject(rawMetrics)) bad(`${where}.metrics`, 'must be an object of name: metric');
    for (const [mName, m] of Object.entries(isObject(rawMetrics) ? rawMetrics : {})) {
      const mAt = `${where}.metrics.${mName}`;
      if (!NAME.test(mName)) bad(mAt, 'name must be lower case letters, digits and _');
      const def = typeof m === 'string' ? { op: m } : m;
      if (!isObject(def)) {
        bad(mAt, 'must be an op name or an object with op');
        continue;
      }
      for (const k of Object.keys(def))
        if (k !== 'op' && k !== 'of' && k !== 'windows' && k !== 'types') bad(`${mAt}.${k}`, 'unknown key');
      const op = def.op as MetricOp;
      if (typeof def.op !== 'string' || !OPS.has(op)) {
        bad(`${mAt}.op`, `must be one of ${[...OPS].join(', ')}`);
        continue;
      }
      let value: ((e: RiskEvent) => number) | undefined;
      if (VALUE_OPS.has(op)) {
        const field = typeof def.of === 'string' ? resolveField(def.of, attributes) : undefined;
        if (field === undefined)
          bad(`${mAt}.of`, `${op} needs a numeric field; unknown ${JSON.stringify(def.of)}`);
        else if (field.type === 'string') bad(`${mAt}.of`, `${def.of} is text; ${op} needs a numeric field`);
        else value = field.get;
      } else if (def.of !== undefined) bad(`${mAt}.of`, `${op} takes no field`);
      let types: ReadonlySet<OutcomeType> | undefined;
      if (op === 'outcomes') {
        const raw = def.types ?? [...FRAUD_OUTCOMES];
        if (!Array.isArray(raw) || raw.length === 0)
          bad(`${mAt}.types`, `must be a non-empty list of ${OUTCOME_TYPES.join(', ')}`);
        else {
          for (const [j, ty] of raw.entries())
            if (!OUTCOME_TYPES.includes(ty as OutcomeType))
              bad(
                `${mAt}.types[${j}]`,
                `unknown outcome type ${JSON.stringify(ty)}; one of ${OUTCOME_TYPES.join(', ')}`,
              );
          types = new Set(raw as OutcomeType[]);
        }
      } else if (def.types !== undefined) bad(`${mAt}.types`, `only an outcomes metric takes types`);
      const windows = def.windows === undefined ? defaultWindows : windowList(`${mAt}.windows`, def.windows);
      if (windows === undefined) {
        if (def.windows === undefined) bad(mAt, 'needs windows (its own or the entity’s)');
        continue;
      }
      metrics.push({
        name: mName,
        op,
        ...(value !== undefined ? { of: def.of as string, value } : {}),
        ...(types !== undefined ? { types } : {}),
        windows,
      });
    }

    const distinct: DistinctPlan[] = [];
    const rawDistinct = raw.distinct ?? {};
    if (!isObject(rawDistinct)) bad(`${where}.distinct`, 'must be an object of name: {of, cap, window}');
    for (const [dName, d] of Object.entries(isObject(rawDistinct) ? rawDistinct : {})) {
      const dAt = `${where}.distinct.${dName}`;
      if (!NAME.test(dName)) bad(dAt, 'name must be lower case letters, digits and _');
      if (!isObject(d)) {
        bad(dAt, 'must be an object with of, cap and window');
        continue;
      }
      const field = typeof d.of === 'string' ? resolveField(d.of, attributes) : undefined;
      if (field === undefined || field.type !== 'string') bad(`${dAt}.of`, `must name a text field`);
      const cap = d.cap ?? 25;
      if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 1 || cap > MAX_DISTINCT_CAP)
        bad(`${dAt}.cap`, `must be an integer from 1 to ${MAX_DISTINCT_CAP}`);
      const window =
        typeof d.window === 'string' && Object.hasOwn(WINDOWS, d.window) ? WINDOWS[d.window] : undefined;
      if (window === undefined) bad(`${dAt}.window`, `unknown window; one of ${CATALOGUE.join(', ')}`);
      if (field?.type === 'string' && window !== undefined && typeof cap === 'number')
        distinct.push({ name: dName, of: d.of as string, value: field.get, cap, window });
    }

    const used = new Set(metrics.flatMap((m) => m.windows));
    const windows = CATALOGUE.map((l) => WINDOWS[l] as WindowSpec).filter((w) => used.has(w));
    const featureNames: string[] = [];
    for (const m of metrics) for (const w of m.windows) featureNames.push(`${name}.${m.name}_${w.label}`);
    featureNames.push(`${name}.age_s`, `${name}.last_seen_s`, `${name}.is_new`);
    for (const d of distinct) featureNames.push(`${name}.${d.name}_${d.window.label}`);
    const keyOf = compoundKeyOf(keyGetters);
    entities.push({
      name,
      key: (keyRaw as string[]) ?? [],
      keyOf,
      windows,
      metrics,
      distinct,
      featureNames,
    });
  }
  if (entities.length > MAX_ENTITY_KINDS) errors.push(`at most ${MAX_ENTITY_KINDS} entities`);
  if (errors.length > 0) return { errors };

  const attributeFeatures = [...numericAttributes, ...categoricalAttributes.map((c) => c.name)].map(
    (n) => `attr.${n}`,
  );
  const all = [
    ...EVENT_FEATURE_NAMES,
    ...attributeFeatures,
    ...entities.flatMap((e) => e.featureNames),
    ...derived,
    'model.score',
  ];
  const seen = new Set<string>();
  for (const n of all) {
    if (seen.has(n)) errors.push(`feature ${n} is declared twice`);
    seen.add(n);
  }
  if (errors.length > 0) return { errors };
  return {
    value: {
      signature: createHash('sha256').update(JSON.stringify(root)).digest('hex').slice(0, 16),
      source: root,
      attributes,
      numericAttributes,
      categoricalAttributes,
      entities,
      entityOffset: EVENT_FEATURE_NAMES.length + attributeFeatures.length,
      derived,
      schema: createFeatureSchema(all),
    },
  };
}

/** A stable text identity of an entity kind's key; counters carry over between kinds with equal ones. */
export function entityIdentity(e: EntityPlan): string {
  return `${e.name}(${e.key.join(',')})`;
}

/** A stable text identity of a metric; counters carry over between metrics with equal ones. */
export function metricIdentity(m: MetricPlan): string {
  return `${m.name}:${m.op}:${m.of ?? [...(m.types ?? [])].sort().join(',')}`;
}

/** Metric ops that count decisions by their outcome. */
const DECISION_OPS: ReadonlySet<MetricOp> = new Set(['allowed', 'challenged', 'reviewed', 'blocked']);

/**
 * The features that count past decisions (`blocked`, `reviewed`... metrics): they depend on the
 * model that made those decisions, so a model that reads them is trained on counts another model
 * made (docs/training.md "Skew"). The trainer leaves them out of model inputs; rules may read them.
 */
export function decisionFeatureNames(plan: FeaturePlan): Set<string> {
  const out = new Set<string>();
  for (const e of plan.entities)
    for (const m of e.metrics)
      if (DECISION_OPS.has(m.op)) for (const w of m.windows) out.add(`${e.name}.${m.name}_${w.label}`);
  return out;
}

/**
 * The key of an event over one or more text fields: their values joined by a separator no value at
 * the edge contains; undefined when any is absent or empty. Entities and sequences key alike.
 */
export function compoundKeyOf(
  getters: readonly ((e: RiskEvent) => string | undefined)[],
): (e: RiskEvent) => string | undefined {
  const single = getters[0];
  if (getters.length === 1 && single !== undefined)
    return (e) => {
      const v = single(e);
      return v === '' ? undefined : v;
    };
  return (e) => {
    let k = '';
    for (let j = 0; j < getters.length; j++) {
      const v = (getters[j] as (e: RiskEvent) => string | undefined)(e);
      if (v === undefined || v === '') return undefined;
      k = j === 0 ? v : `${k}${KEY_SEPARATOR}${v}`;
    }
    return k;
  };
}
