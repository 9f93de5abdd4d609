import type { FeatureSchema } from '../features/index.js';

/** How a raw feature value is transformed before it reaches the model. */
export type FeatureTransform = 'identity' | 'log1p';

/** One model input column: a named feature, its default when missing, and a transform. */
export interface ManifestFeature {
  readonly name: string;
  /** Value used when the feature is missing; null passes NaN through (tree models route it). */
  readonly default: number | null;
  readonly transform: FeatureTransform;
}

/** The model manifest: what the ONNX graph expects and how to read its output. */
export interface ModelManifest {
  readonly version: string;
  /** ONNX file, relative to the manifest. */
  readonly file: string;
  readonly input: string;
  readonly output: string;
  readonly features: readonly ManifestFeature[];
  readonly thresholds: { readonly review: number; readonly block: number };
  readonly training?: Readonly<Record<string, unknown>>;
}

/** Validates a parsed manifest against the feature schema; returns every problem found. */
export function parseManifest(
  raw: unknown,
  schema: FeatureSchema,
): { value: ModelManifest } | { errors: string[] } {
  const errors: string[] = [];
  if (typeof raw !== 'object' || raw === null) return { errors: ['manifest must be a JSON object'] };
  const m = raw as Record<string, unknown>;
  for (const k of ['version', 'file', 'input', 'output'] as const) {
    if (typeof m[k] !== 'string' || m[k] === '') errors.push(`manifest.${k} must be a non-empty string`);
  }
  const th = m.thresholds as Record<string, unknown> | undefined;
  const okTh = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
  if (typeof th !== 'object' || th === null || !okTh(th.review) || !okTh(th.block)) {
    errors.push('manifest.thresholds must have review and block in [0, 1]');
  } else if ((th.review as number) > (th.block as number)) {
    errors.push('manifest.thresholds.review must not exceed block');
  }
  if (!Array.isArray(m.features) || m.features.length === 0) {
    errors.push('manifest.features must be a non-empty array');
  } else {
    m.features.forEach((f: unknown, i: number) => {
      const ff = f as Record<string, unknown>;
      if (typeof ff?.name !== 'string' || schema.indexOf(ff.name) === undefined) {
        errors.push(`manifest.features[${i}].name: unknown feature ${JSON.stringify(ff?.name)}`);
      }
      if (!(ff?.default === null || typeof ff?.default === 'number')) {
        errors.push(`manifest.features[${i}].default must be a number or null`);
      }
      if (ff?.transform !== undefined && ff.transform !== 'identity' && ff.transform !== 'log1p') {
        errors.push(`manifest.features[${i}].transform must be identity or log1p`);
      }
    });
  }
  if (errors.length > 0) return { errors };
  const features = (m.features as Record<string, unknown>[]).map((f) => ({
    name: f.name as string,
    default: f.default as number | null,
    transform: (f.transform ?? 'identity') as FeatureTransform,
  }));
  return { value: { ...(m as unknown as ModelManifest), features } };
}

/** Builds the function that fills one model row from a feature vector, per the manifest. */
export function createRowWriter(
  manifest: ModelManifest,
  schema: FeatureSchema,
): (features: Float64Array, out: Float32Array, offset: number) => void {
  const idx = Int32Array.from(manifest.features.map((f) => schema.indexOf(f.name) as number));
  const defaults = Float64Array.from(manifest.features.map((f) => f.default ?? Number.NaN));
  const log = Uint8Array.from(manifest.features.map((f) => (f.transform === 'log1p' ? 1 : 0)));
  const n = idx.length;
  return (features, out, offset) => {
    for (let i = 0; i < n; i++) {
      let v = features[idx[i] as number] as number;
      if (Number.isNaN(v)) v = defaults[i] as number;
      else if (log[i] === 1) v = Math.sign(v) * Math.log1p(Math.abs(v));
      out[offset + i] = v;
    }
  };
}
