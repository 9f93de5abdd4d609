import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';
import { BRANCH_MODES, type BranchMode, type Tree, type TreeEnsemble } from './tree-ensemble.js';

const { onnx } = onnxProto;

/** Graph input, output and row width the ensemble must connect (the manifest's). */
export interface EnsembleSignature {
  readonly input: string;
  readonly output: string;
  readonly width: number;
}

/** Metadata key under which an exporter may store node covers: JSON number[][], [tree id][node id]. */
export const COVERS_METADATA_KEY = 'tree_node_covers';

/** Ops between the ensemble and the served output that leave values unchanged (shape only). */
const SHAPE_ONLY = new Set(['Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);
/** Ops between the graph input and the ensemble that leave values unchanged. */
const VALUE_KEEPING = new Set(['Identity', 'Cast']);
const decoder = new TextDecoder();

type Attrs = ReadonlyMap<string, OnnxTypes.IAttributeProto>;
type Link = TreeEnsemble['link'];

/**
 * Reads the ai.onnx.ml TreeEnsembleRegressor or TreeEnsembleClassifier an ONNX graph serves its
 * output from, reduced to the margin the served score is a monotone function of. An error (never a
 * throw) says why a graph is not such an ensemble: another model kind, preprocessing between the
 * input and the trees, or an aggregation or transform that is not additive in a margin.
 */
export function readTreeEnsemble(
  bytes: Uint8Array,
  sig: EnsembleSignature,
): { value: TreeEnsemble } | { error: string } {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    return { error: `not an ONNX model: ${(err as Error).message}` };
  }
  const nodes = model.graph?.node ?? [];
  const producer = new Map<string, OnnxTypes.INodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);

  // From the served output back to the ensemble: only shape ops and one sigmoid may lie between.
  let link: Link | undefined;
  let at = sig.output;
  let node = producer.get(at);
  while (node !== undefined && !isEnsemble(node)) {
    const op = node.opType ?? '';
    if (op === 'Sigmoid' && link === undefined) link = 'sigmoid';
    else if (!SHAPE_ONLY.has(op))
      return { error: `the graph computes ${op} between the model and ${sig.output}` };
    at = node.input?.[0] ?? '';
    node = producer.get(at);
  }
  if (node === undefined) return { error: `${sig.output} is not computed by a tree ensemble` };
  const classifier = node.opType === 'TreeEnsembleClassifier';
  const served = classifier ? 1 : 0;
  if ((node.output ?? [])[served] !== at) {
    return { error: `${sig.output} comes from output ${at} of ${node.opType}, not its scores` };
  }

  // From the ensemble back to the graph input: nothing but identity and casts.
  let src = node.input?.[0] ?? '';
  for (let p = producer.get(src); p !== undefined; p = producer.get(src)) {
    if (!VALUE_KEEPING.has(p.opType ?? '')) {
      return { error: `the trees read ${src}, which ${p.opType} computes from the input (preprocessing)` };
    }
    src = p.input?.[0] ?? '';
  }
  if (src !== sig.input) return { error: `the trees read ${src}, not the input ${sig.input}` };

  const attrs: Attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
  const head = classifier ? classifierHead(attrs, link) : regressorHead(attrs, link);
  if ('error' in head) return head;
  const covers = readCovers(model);
  if (typeof covers === 'string') return { error: covers };
  const trees = buildTrees(attrs, head, sig.width, covers);
  if ('error' in trees) return trees;
  return {
    value: {
      width: sig.width,
      trees: trees.value,
      base: head.base,
      link: head.link,
      covers: covers === undefined ? 'uniform' : 'stored',
    },
  };
}

function isEnsemble(n: OnnxTypes.INodeProto): boolean {
  return (
    n.domain === 'ai.onnx.ml' &&
    (n.opType === 'TreeEnsembleRegressor' || n.opType === 'TreeEnsembleClassifier')
  );
}

/** How leaf weights combine into the margin: weight entries for target (class) id k count coef[k] times. */
interface Head {
  readonly coef: ReadonlyMap<number, number>;
  readonly base: number;
  readonly link: Link;
  /** Leaf weights attribute prefix: target_ or class_. */
  readonly prefix: 'target' | 'class';
  /** 1, or 1 / trees for AVERAGE. */
  readonly average: boolean;
}

/** The margin link of a post_transform; undefined for one that is not monotone in one margin. */
function transformLink(post: string, graphLink: Link | undefined): Link | undefined {
  if (post === 'NONE') return graphLink ?? 'identity';
  if (graphLink !== undefined) return undefined;
  if (post === 'LOGISTIC') return 'sigmoid';
  if (post === 'PROBIT') return 'probit';
  return undefined;
}

function regressorHead(attrs: Attrs, graphLink: Link | undefined): Head | { error: string } {
  const post = str(attrs, 'post_transform') ?? 'NONE';
  const link = transformLink(post, graphLink);
  if (link === undefined) return { error: `post_transform ${post} is not explainable as a margin` };
  const agg = str(attrs, 'aggregate_function') ?? 'SUM';
  if (agg !== 'SUM' && agg !== 'AVERAGE') return { error: `aggregate_function ${agg} is not additive` };
  const nTargets = int(attrs, 'n_targets') ?? 1;
  // The scorer reads the only column, or the second of two.
  if (nTargets !== 1 && nTargets !== 2) return { error: `${nTargets} targets; the scorer reads one or two` };
  const target = nTargets - 1;
  const bases = floats(attrs, 'base_values') ?? [];
  return {
    coef: new Map([[target, 1]]),
    base: bases[target] ?? 0,
    link,
    prefix: 'target',
    average: agg === 'AVERAGE',
  };
}

/**
 * A binary classifier's margin for column 1 of its scores, as onnxruntime computes it (each case is
 * checked against onnxruntime in test/model/read-tree-ensemble.test.ts). With weights on class 1,
 * or on both classes, column 1 is post(s1), SOFTMAX making it sigmoid(s1 - s0). With weights on
 * class 0 only (onnxruntime's "binary case") it emits [-s, s] (or [1 - s, s]) before LOGISTIC and
 * applies no SOFTMAX, so column 1 is sigmoid(s) or s. Two base_values do not add to those sums in
 * onnxruntime 1.30 as the ONNX spec reads, so such a model is not explained rather than explained wrong.
 */
function classifierHead(attrs: Attrs, graphLink: Link | undefined): Head | { error: string } {
  const labels = ints(attrs, 'classlabels_int64s')?.length ?? strs(attrs, 'classlabels_strings')?.length ?? 0;
  if (labels !== 2) return { error: `a classifier with ${labels} classes; the scorer reads a binary one` };
  const post = str(attrs, 'post_transform') ?? 'NONE';
  const ids = new Set(ints(attrs, 'class_ids') ?? []);
  const bases = floats(attrs, 'base_values') ?? [];
  const binaryCase = ids.size === 1 && ids.has(0);
  const unsupported = {
    error: `a binary classifier with post_transform ${post} and ${bases.length} base_values`,
  };
  if (binaryCase) {
    if (bases.length > 1 || post === 'PROBIT' || (post !== 'NONE' && graphLink !== undefined))
      return unsupported;
    const link: Link = post === 'LOGISTIC' ? 'sigmoid' : (graphLink ?? 'identity');
    return { coef: new Map([[0, 1]]), base: bases[0] ?? 0, link, prefix: 'class', average: false };
  }
  if (bases.length > 0) return unsupported;
  if (post === 'SOFTMAX' && graphLink === undefined) {
    return {
      coef: new Map([
        [0, -1],
        [1, 1],
      ]),
      base: 0,
      link: 'sigmoid',
      prefix: 'class',
      average: false,
    };
  }
  const link = transformLink(post, graphLink);
  if (link === undefined) return unsupported;
  return { coef: new Map([[1, 1]]), base: 0, link, prefix: 'class', average: false };
}

/** Covers stored under COVERS_METADATA_KEY; undefined when absent, a message when malformed. */
function readCovers(model: OnnxTypes.ModelProto): readonly (readonly number[])[] | undefined | string {
  const raw = model.metadataProps?.find((p) => p.key === COVERS_METADATA_KEY)?.value;
  if (raw === undefined || raw === null) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return `${COVERS_METADATA_KEY} is not JSON`;
  }
  const ok =
    Array.isArray(v) &&
    v.every((t) => Array.isArray(t) && t.every((c) => typeof c === 'number' && Number.isFinite(c) && c >= 0));
  return ok ? (v as number[][]) : `${COVERS_METADATA_KEY} must be arrays of non-negative numbers`;
}

const MODE_CODES = new Map<string, number>(BRANCH_MODES.map((m: BranchMode, i) => [m, i]));

/** Splits the node attributes into trees with the root at index 0. */
function buildTrees(
  attrs: Attrs,
  head: Head,
  width: number,
  covers: readonly (readonly number[])[] | undefined,
): { value: Tree[] } | { error: string } {
  const treeIds = ints(attrs, 'nodes_treeids') ?? [];
  const nodeIds = ints(attrs, 'nodes_nodeids') ?? [];
  const featureIds = ints(attrs, 'nodes_featureids') ?? [];
  const values = floats(attrs, 'nodes_values') ?? [];
  const modes = strs(attrs, 'nodes_modes') ?? [];
  const trueIds = ints(attrs, 'nodes_truenodeids') ?? [];
  const falseIds = ints(attrs, 'nodes_falsenodeids') ?? [];
  const missing = ints(attrs, 'nodes_missing_value_tracks_true') ?? [];
  const n = treeIds.length;
  for (const [name, a] of [
    ['nodeids', nodeIds],
    ['featureids', featureIds],
    ['modes', modes],
    ['truenodeids', trueIds],
    ['falsenodeids', falseIds],
  ] as const) {
    if (a.length !== n) return { error: `nodes_${name} has ${a.length} entries for ${n} nodes` };
  }
  if (n === 0) return { error: 'the ensemble has no nodes' };

  // Index: tree id -> node id -> attribute position.
  const byTree = new Map<number, Map<number, number>>();
  for (let i = 0; i < n; i++) {
    const t = treeIds[i] as number;
    const m = byTree.get(t) ?? new Map<number, number>();
    byTree.set(t, m);
    if (m.has(nodeIds[i] as number)) return { error: `tree ${t} has node ${nodeIds[i]} twice` };
    m.set(nodeIds[i] as number, i);
  }
  // Leaf weights of the margin, by attribute position.
  const leafValue = new Float64Array(n);
  const wTree = ints(attrs, `${head.prefix}_treeids`) ?? [];
  const wNode = ints(attrs, `${head.prefix}_nodeids`) ?? [];
  const wId = ints(attrs, `${head.prefix}_ids`) ?? [];
  const w = floats(attrs, `${head.prefix}_weights`) ?? [];
  if (wNode.length !== wTree.length || wId.length !== wTree.length || w.length !== wTree.length)
    return { error: `${head.prefix} weights attributes disagree in length` };
  const scale = head.average ? 1 / byTree.size : 1;
  for (let k = 0; k < wTree.length; k++) {
    const i = byTree.get(wTree[k] as number)?.get(wNode[k] as number);
    if (i === undefined || modes[i] !== 'LEAF')
      return { error: `a weight names ${wTree[k]}/${wNode[k]}, which is not a leaf` };
    leafValue[i] =
      (leafValue[i] as number) + (head.coef.get(wId[k] as number) ?? 0) * (w[k] as number) * scale;
  }

  const trees: Tree[] = [];
  for (const [t, ids] of byTree) {
    const isChild = new Set<number>();
    for (const i of ids.values()) {
      if (modes[i] !== 'LEAF') isChild.add(trueIds[i] as number).add(falseIds[i] as number);
    }
    const roots = [...ids.keys()].filter((id) => !isChild.has(id));
    if (roots.length !== 1) return { error: `tree ${t} has ${roots.length} roots` };
    const order: number[] = [];
    const local = new Map<number, number>();
    const queue = [roots[0] as number];
    while (queue.length > 0) {
      const id = queue.shift() as number;
      const i = ids.get(id);
      if (i === undefined) return { error: `tree ${t} points to missing node ${id}` };
      if (local.has(id)) return { error: `tree ${t} reaches node ${id} twice` };
      local.set(id, order.length);
      order.push(i);
      if (modes[i] !== 'LEAF') queue.push(trueIds[i] as number, falseIds[i] as number);
    }
    const size = order.length;
    const tree = {
      feature: new Int32Array(size),
      threshold: new Float64Array(size),
      mode: new Uint8Array(size),
      yes: new Int32Array(size),
      no: new Int32Array(size),
      missingYes: new Uint8Array(size),
      yesFraction: new Float64Array(size),
      value: new Float64Array(size),
      depth: 0,
    };
    const cover = covers?.[t];
    const coverOf = (i: number): number | undefined => cover?.[nodeIds[i] as number];
    for (let j = 0; j < size; j++) {
      const i = order[j] as number;
      const mode = modes[i] as string;
      if (mode === 'LEAF') {
        tree.feature[j] = -1;
        tree.value[j] = leafValue[i] as number;
        continue;
      }
      const code = MODE_CODES.get(mode);
      if (code === undefined) return { error: `tree ${t} node ${nodeIds[i]} has mode ${mode}` };
      const f = featureIds[i] as number;
      if (f < 0 || f >= width) return { error: `tree ${t} reads column ${f} of a ${width}-wide row` };
      tree.feature[j] = f;
      tree.threshold[j] = values[i] ?? Number.NaN;
      tree.mode[j] = code;
      tree.yes[j] = local.get(trueIds[i] as number) as number;
      tree.no[j] = local.get(falseIds[i] as number) as number;
      tree.missingYes[j] = missing[i] === 1 ? 1 : 0;
      if (covers === undefined) tree.yesFraction[j] = 0.5;
      else {
        const cy = coverOf(ids.get(trueIds[i] as number) as number);
        const cn = coverOf(ids.get(falseIds[i] as number) as number);
        if (cy === undefined || cn === undefined)
          return { error: `${COVERS_METADATA_KEY} lacks tree ${t}'s nodes` };
        // Normalised over the children, so the fractions are consistent even when covers are not.
        // Kept off 0 and 1: an empty branch would divide by zero in TreeSHAP's path weights.
        tree.yesFraction[j] = cy + cn > 0 ? Math.min(1 - 1e-9, Math.max(1e-9, cy / (cy + cn))) : 0.5;
      }
    }
    trees.push({ ...tree, depth: depthOf(tree.feature, tree.yes, tree.no, 0) });
  }
  return { value: trees };
}

function depthOf(feature: Int32Array, yes: Int32Array, no: Int32Array, n: number): number {
  if (feature[n] === -1) return 0;
  return (
    1 + Math.max(depthOf(feature, yes, no, yes[n] as number), depthOf(feature, yes, no, no[n] as number))
  );
}

function num(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber();
}

function ints(attrs: Attrs, name: string): number[] | undefined {
  const a = attrs.get(name);
  return a === undefined ? undefined : (a.ints ?? []).map(num);
}

function int(attrs: Attrs, name: string): number | undefined {
  const a = attrs.get(name);
  return a?.i === undefined || a.i === null ? undefined : num(a.i);
}

function str(attrs: Attrs, name: string): string | undefined {
  const s = attrs.get(name)?.s;
  return s === undefined || s === null ? undefined : decoder.decode(s);
}

function strs(attrs: Attrs, name: string): string[] | undefined {
  const a = attrs.get(name);
  return a === undefined ? undefined : (a.strings ?? []).map((s) => decoder.decode(s));
}

/** A float list from `name`, or from `name_as_tensor` (opset 3, float or double). */
function floats(attrs: Attrs, name: string): number[] | undefined {
  const a = attrs.get(name);
  if (a !== undefined) return [...(a.floats ?? [])];
  const t = attrs.get(`${name}_as_tensor`)?.t;
  if (t === undefined || t === null) return undefined;
  if ((t.floatData?.length ?? 0) > 0) return [...(t.floatData ?? [])];
  if ((t.doubleData?.length ?? 0) > 0) return [...(t.doubleData ?? [])];
  const raw = t.rawData;
  if (raw === undefined || raw === null || raw.length === 0) return [];
  const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  return t.dataType === onnx.TensorProto.DataType.DOUBLE
    ? [...new Float64Array(buf)]
    : [...new Float32Array(buf)];
}
