/** Ordered feature names with their index in every feature vector. */
export interface FeatureSchema {
  readonly names: readonly string[];
  readonly size: number;
  /** Index of `name`, or undefined when the schema has no such feature. */
  indexOf(name: string): number | undefined;
}

/** Builds a schema; duplicate names are a programming error. */
export function createFeatureSchema(names: readonly string[]): FeatureSchema {
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (index.has(n)) throw new Error(`duplicate feature name ${n}`);
    index.set(n, i);
  });
  return { names, size: names.length, indexOf: (n) => index.get(n) };
}

/**
 * The values of `vector` by feature name, leaving out values that are not finite: NaN marks a
 * missing value, and proto3 JSON could only carry it as a string.
 */
export function featureValues(schema: FeatureSchema, vector: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  const { names } = schema;
  for (let i = 0; i < names.length; i++) {
    const v = vector[i] as number;
    if (Number.isFinite(v)) out[names[i] as string] = v;
  }
  return out;
}
