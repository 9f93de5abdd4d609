import type { FeatureSchema } from '../features/index.js';
import { createRowWriter, type ModelManifest } from './manifest.js';
import { readTreeEnsemble } from './read-tree-ensemble.js';
import type { TreeEnsemble } from './tree-ensemble.js';
import { createTreeShap } from './tree-shap.js';

/** One feature's share of a decision's model margin. */
export interface FeatureContribution {
  /** Manifest feature name. */
  readonly feature: string;
  /** The feature's value as the decision saw it, before the manifest's transform; NaN when missing. */
  readonly value: number;
  /** Signed TreeSHAP value in the margin (log-odds for a sigmoid link): positive raises the risk. */
  readonly contribution: number;
}

/** Explains a tree model's scores feature by feature. */
export interface TreeExplainer {
  /** The margin with no feature known; plus every contribution it is the row's margin. */
  readonly expectedValue: number;
  /** How the margin becomes the score: 'sigmoid' means contributions are log-odds. */
  readonly link: TreeEnsemble['link'];
  /** 'stored': covers from the model; 'uniform': none stored, every split weighs its branches evenly. */
  readonly covers: TreeEnsemble['covers'];
  /** The `k` largest contributions by magnitude for a feature vector (schema order), zeros left out. */
  explain(features: Float64Array, k: number): FeatureContribution[];
  /** Every column's contribution into `phi` (manifest order, overwritten); returns the margin. */
  contributions(features: Float64Array, phi: Float64Array): number;
}

/**
 * An explainer for a model whose served output is a tree ensemble (see readTreeEnsemble), or why
 * there is none: other models (a linear model, a network, trees behind preprocessing) are not
 * explained. The trees read the manifest's row (defaults and transforms applied), and column i is
 * manifest feature i.
 */
export function createTreeExplainer(
  bytes: Uint8Array,
  manifest: ModelManifest,
  schema: FeatureSchema,
): { value: TreeExplainer } | { error: string } {
  const columns = manifest.features;
  const input = manifest.input;
  if (columns === undefined || input === undefined)
    return { error: 'only a model reading one input tensor is explained; this one has several named inputs' };
  const width = columns.length;
  const read = readTreeEnsemble(bytes, { input, output: manifest.output, width });
  if ('error' in read) return read;
  const ensemble = read.value;
  const shap = createTreeShap(ensemble);
  const writeRow = createRowWriter(columns, schema);
  const at = columns.map((f) => schema.indexOf(f.name) as number);
  const row = new Float32Array(width);
  const scratch = new Float64Array(width);
  const contributions = (features: Float64Array, phi: Float64Array): number => {
    writeRow(features, row, 0);
    phi.fill(0);
    return shap.contributions(row, phi);
  };
  return {
    value: {
      expectedValue: shap.expectedValue,
      link: ensemble.link,
      covers: ensemble.covers,
      contributions,
      explain(features, k) {
        contributions(features, scratch);
        const top: number[] = [];
        // Insertion into a list of at most k columns: k is small, the row is not sorted.
        for (let i = 0; i < width; i++) {
          const m = Math.abs(scratch[i] as number);
          if (m === 0) continue;
          let j = top.length;
          while (j > 0 && Math.abs(scratch[top[j - 1] as number] as number) < m) j--;
          if (j < k) {
            top.splice(j, 0, i);
            if (top.length > k) top.pop();
          }
        }
        return top.map((i) => ({
          feature: (columns[i] as { name: string }).name,
          value: features[at[i] as number] as number,
          contribution: scratch[i] as number,
        }));
      },
    },
  };
}
