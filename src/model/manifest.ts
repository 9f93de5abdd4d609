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

/** Element types a model input may have: what the service can write from a feature vector. */
export type InputElementType = 'float32' | 'float64' | 'int64';

/** One named ONNX input, [N, features.length], filled from the named features in order. */
export interface ManifestInput {
  readonly name: string;
  /** Default float32. */
  readonly type?: InputElementType;
  readonly features: readonly ManifestFeature[];
}

/**
 * How the named output becomes a score: a probability tensor ([N], [N, 1] or [N, classes]), a
 * ZipMap sequence of maps (class label → probability, as skl2onnx and onnxmltools emit), or a
 * regression value mapped into [0, 1] by `scoreMapping`.
 */
export type OutputKind = 'probability' | 'zipmap' | 'regression';

/**
 * A regressor's value y as a score: `identity-clip` clips y to [0, 1], `sigmoid` is 1 / (1 + e^-y)
 * (a logit), `{ min, max }` is (y − min) / (max − min) clipped to [0, 1].
 */
export type ScoreMapping = 'identity-clip' | 'sigmoid' | { readonly min: number; readonly max: number };

/** The model manifest: what the ONNX graph expects and how to read its output. */
export interface ModelManifest {
  readonly version: string;
  /** ONNX file, relative to the manifest. */
  readonly file: string;
  /** The one float32 input [N, features.length] (with `features`); or give `inputs`. */
  readonly input?: string;
  readonly features?: readonly ManifestFeature[];
  /** Several named inputs, each with its features; instead of `input` and `features`. */
  readonly inputs?: readonly ManifestInput[];
  readonly output: string;
  /** Default: zipmap when a ZipMap node produces the output, otherwise probability. */
  readonly outputKind?: OutputKind;
  /** The class label (int64 number or string) whose probability is the score. */
  readonly positiveClass?: number | string;
  /** The probability column that is the score; instead of positiveClass. */
  readonly classIndex?: number;
  /** Required for regression outputs, refused for the other kinds. */
  readonly scoreMapping?: ScoreMapping;
  readonly thresholds: { readonly review: number; readonly block: number };
  readonly training?: Readonly<Record<string, unknown>>;
}

const KEYS = new Set([
  'version',
  'file',
  'input',
  'features',
  'inputs',
  'output',
  'outputKind',
  'positiveClass',
  'classIndex',
  'scoreMapping',
  'thresholds',
  'training',
]);
const ELEMENT_TYPES = new Set<string>(['float32', 'float64', 'int64']);
const OUTPUT_KINDS = new Set<string>(['probability', 'zipmap', 'regression']);

/** The model's inputs, whichever form the manifest uses (`input` + `features`, or `inputs`). */
export function manifestInputs(m: ModelManifest): readonly ManifestInput[] {
  if (m.inputs !== undefined) return m.inputs;
  return [{ name: m.input ?? '', type: 'float32', features: m.features ?? [] }];
}

/** Validates a parsed manifest against the feature schema; returns every problem found. */
export function parseManifest(
  raw: unknown,
  schema: FeatureSchema,
): { value: ModelManifest } | { errors: string[] } {
  const errors: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { errors: ['manifest must be a JSON object'] };
  const m = raw as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!KEYS.has(k)) errors.push(`manifest.${k}: unknown key`);
  for (const k of ['version', 'file', 'output'] as const) {
    if (typeof m[k] !== 'string' || m[k] === '') errors.push(`manifest.${k} must be a non-empty string`);
  }
  const th = m.thresholds as Record<string, unknown> | undefined;
  const okTh = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
  if (typeof th !== 'object' || th === null || !okTh(th.review) || !okTh(th.block)) {
    errors.push('manifest.thresholds must have review and block in [0, 1]');
  } else if ((th.review as number) > (th.block as number)) {
    errors.push('manifest.thresholds.review must not exceed block');
  }

  let inputs: ManifestInput[] = [];
  if (m.inputs !== undefined) {
    if (m.input !== undefined || m.features !== undefined)
      errors.push('manifest: give inputs, or input with features, not both');
    if (!Array.isArray(m.inputs) || m.inputs.length === 0) {
      errors.push('manifest.inputs must be a non-empty array');
    } else {
      const names = new Set<string>();
      m.inputs.forEach((x: unknown, i: number) => {
        const where = `manifest.inputs[${i}]`;
        const ii = (x ?? {}) as Record<string, unknown>;
        if (typeof ii.name !== 'string' || ii.name === '')
          errors.push(`${where}.name must be a non-empty string`);
        else if (names.has(ii.name)) errors.push(`${where}.name: input ${ii.name} is listed twice`);
        else names.add(ii.name);
        for (const k of Object.keys(ii))
          if (k !== 'name' && k !== 'type' && k !== 'features') errors.push(`${where}.${k}: unknown key`);
        const type = ii.type ?? 'float32';
        if (typeof type !== 'string' || !ELEMENT_TYPES.has(type))
          errors.push(`${where}.type must be float32, float64 or int64`);
        const features = parseFeatures(ii.features, `${where}.features`, schema, type === 'int64', errors);
        inputs.push({ name: ii.name as string, type: type as InputElementType, features });
      });
    }
  } else {
    if (typeof m.input !== 'string' || m.input === '')
      errors.push('manifest.input must be a non-empty string');
    const features = parseFeatures(m.features, 'manifest.features', schema, false, errors);
    inputs = [{ name: m.input as string, type: 'float32', features }];
  }

  const kind = m.outputKind;
  if (kind !== undefined && (typeof kind !== 'string' || !OUTPUT_KINDS.has(kind)))
    errors.push('manifest.outputKind must be probability, zipmap or regression');
  const pos = m.positiveClass;
  if (pos !== undefined && !(typeof pos === 'string' || Number.isSafeInteger(pos)))
    errors.push('manifest.positiveClass must be an integer or a string class label');
  const ci = m.classIndex;
  if (ci !== undefined && !(Number.isSafeInteger(ci) && (ci as number) >= 0))
    errors.push('manifest.classIndex must be a non-negative integer');
  if (pos !== undefined && ci !== undefined)
    errors.push('manifest: give positiveClass or classIndex, not both');
  if (kind === 'regression') {
    if (pos !== undefined || ci !== undefined)
      errors.push('manifest.positiveClass and classIndex do not apply to a regression output');
    const e = scoreMappingProblem(m.scoreMapping);
    if (e !== undefined) errors.push(e);
  } else if (m.scoreMapping !== undefined) {
    errors.push('manifest.scoreMapping applies only to outputKind regression');
  }

  if (errors.length > 0) return { errors };
  const value = { ...(m as unknown as ModelManifest) };
  return {
    value: m.inputs !== undefined ? { ...value, inputs } : { ...value, features: inputs[0]?.features ?? [] },
  };
}

function parseFeatures(
  raw: unknown,
  where: string,
  schema: FeatureSchema,
  integer: boolean,
  errors: string[],
): ManifestFeature[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.push(`${where} must be a non-empty array`);
    return [];
  }
  raw.forEach((f: unknown, i: number) => {
    const ff = f as Record<string, unknown>;
    if (typeof ff?.name !== 'string' || schema.indexOf(ff.name) === undefined) {
      errors.push(`${where}[${i}].name: unknown feature ${JSON.stringify(ff?.name)}`);
    }
    if (!(ff?.default === null || typeof ff?.default === 'number')) {
      errors.push(`${where}[${i}].default must be a number or null`);
    } else if (integer && !Number.isSafeInteger(ff.default)) {
      // int64 has no NaN: a missing value needs a stand-in.
      errors.push(`${where}[${i}].default must be an integer: an int64 input cannot carry a missing value`);
    }
    if (ff?.transform !== undefined && ff.transform !== 'identity' && ff.transform !== 'log1p') {
      errors.push(`${where}[${i}].transform must be identity or log1p`);
    }
  });
  return (raw as Record<string, unknown>[]).map((f) => ({
    name: f?.name as string,
    default: f?.default as number | null,
    transform: (f?.transform ?? 'identity') as FeatureTransform,
  }));
}

function scoreMappingProblem(s: unknown): string | undefined {
  if (s === 'identity-clip' || s === 'sigmoid') return undefined;
  if (typeof s === 'object' && s !== null && !Array.isArray(s)) {
    const { min, max, ...rest } = s as Record<string, unknown>;
    if (
      Object.keys(rest).length === 0 &&
      typeof min === 'number' &&
      typeof max === 'number' &&
      Number.isFinite(min) &&
      Number.isFinite(max) &&
      min < max
    )
      return undefined;
  }
  return 'manifest.scoreMapping must be "identity-clip", "sigmoid" or { "min": a, "max": b } with a < b (required for a regression output)';
}

/** Builds the function that fills one model row from a feature vector, per the features listed. */
export function createRowWriter(
  features: readonly ManifestFeature[],
  schema: FeatureSchema,
): (vector: Float64Array, out: Float32Array | Float64Array, offset: number) => void {
  const idx = Int32Array.from(features.map((f) => schema.indexOf(f.name) as number));
  const defaults = Float64Array.from(features.map((f) => f.default ?? Number.NaN));
  const log = Uint8Array.from(features.map((f) => (f.transform === 'log1p' ? 1 : 0)));
  const n = idx.length;
  return (vector, out, offset) => {
    for (let i = 0; i < n; i++) {
      let v = vector[idx[i] as number] as number;
      if (Number.isNaN(v)) v = defaults[i] as number;
      else if (log[i] === 1) v = Math.sign(v) * Math.log1p(Math.abs(v));
      out[offset + i] = v;
    }
  };
}
