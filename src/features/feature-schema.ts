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
