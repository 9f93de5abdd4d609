import type { ModelManifest, OutputKind } from './manifest.js';
import { manifestInputs } from './manifest.js';
import { type OnnxGraph, producerOf } from './onnx-graph.js';
import type { ort } from './onnxruntime.js';

/** The manifest's output as the graph has it: how to read it, and the class labels of its columns. */
export interface ResolvedOutput {
  readonly kind: OutputKind;
  /** Labels of the probability columns (from the classifier or ZipMap node), when the graph has them. */
  readonly labels?: readonly (bigint | string)[];
}

/** A manifest that does not fit its model; the message names the manifest field. */
export class ModelSignatureError extends Error {
  override readonly name = 'ModelSignatureError';
}

/** Checks the manifest's inputs against the session's: names, element types, widths, none unfed. */
export function checkInputs(session: ort.InferenceSession, manifest: ModelManifest): void {
  const problems: string[] = [];
  const inputs = manifestInputs(manifest);
  const single = manifest.inputs === undefined;
  const real = session.inputNames.join(', ');
  inputs.forEach((input, i) => {
    const field = single ? 'manifest.input' : `manifest.inputs[${i}]`;
    const meta = session.inputMetadata.find((m) => m.name === input.name);
    if (meta === undefined) {
      problems.push(`${field}: model has no input ${input.name} (inputs: ${real})`);
      return;
    }
    if (!meta.isTensor) {
      problems.push(`${field}: model input ${input.name} is not a tensor`);
      return;
    }
    const type = input.type ?? 'float32';
    if (meta.type !== type) {
      const where = single ? field : `${field}.type`;
      problems.push(`${where}: model input ${input.name} is ${meta.type}, manifest says ${type}`);
    }
    const width = input.features.length;
    const cols = meta.shape[1];
    if (meta.shape.length !== 2 || (typeof cols === 'number' && cols !== width)) {
      const where = single ? 'manifest.features' : `${field}.features`;
      problems.push(
        `${where}: model input ${input.name} has shape [${meta.shape.join(', ')}], manifest lists ${width} features`,
      );
    }
  });
  const fed = new Set(inputs.map((x) => x.name));
  for (const name of session.inputNames) {
    if (!fed.has(name))
      problems.push(
        `${single ? 'manifest.input' : 'manifest.inputs'}: model input ${name} is not fed (inputs: ${real})`,
      );
  }
  if (problems.length > 0) throw new ModelSignatureError(problems.join('; '));
}

/**
 * Resolves `output` and `outputKind` against the graph: the output must exist, a zipmap must be a
 * ZipMap node's sequence of maps, and a probability or regression output a float tensor (an int64
 * or string tensor is a class label, which is not a score).
 */
export function resolveOutput(
  session: ort.InferenceSession,
  graph: OnnxGraph,
  manifest: ModelManifest,
): ResolvedOutput {
  const name = manifest.output;
  const outputs = session.outputNames.join(', ');
  const meta = session.outputMetadata.find((m) => m.name === name);
  if (meta === undefined)
    throw new ModelSignatureError(`manifest.output: model has no output ${name} (outputs: ${outputs})`);
  const producer = producerOf(graph, name);
  const isZipMap = producer?.opType === 'ZipMap' && !meta.isTensor;
  const kind: OutputKind = manifest.outputKind ?? (isZipMap ? 'zipmap' : 'probability');
  const labels = producer?.classLabels;
  const withLabels = (k: OutputKind): ResolvedOutput =>
    labels === undefined ? { kind: k } : { kind: k, labels };
  if (kind === 'zipmap') {
    if (isZipMap) return withLabels(kind);
    const what = meta.isTensor ? `a ${meta.type} tensor` : 'not produced by a ZipMap node';
    throw new ModelSignatureError(
      `manifest.outputKind is zipmap but model output ${name} is ${what}, not a ZipMap sequence of maps`,
    );
  }
  if (!meta.isTensor) {
    throw new ModelSignatureError(
      isZipMap
        ? `manifest.outputKind is ${kind} but model output ${name} is a ZipMap sequence of maps: set outputKind to zipmap`
        : `manifest.output: model output ${name} is not a tensor (outputs: ${outputs})`,
    );
  }
  if (meta.type === 'int64' || meta.type === 'string' || meta.type === 'int32') {
    throw new ModelSignatureError(
      `manifest.output: model output ${name} holds ${meta.type} class labels, not scores: name the probability output (outputs: ${outputs})`,
    );
  }
  if (meta.type !== 'float32' && meta.type !== 'float64') {
    throw new ModelSignatureError(
      `manifest.output: model output ${name} is ${meta.type}, expected a float32 or float64 tensor`,
    );
  }
  const cols = meta.shape[1];
  if (kind === 'regression' && (meta.shape.length > 2 || (typeof cols === 'number' && cols !== 1))) {
    throw new ModelSignatureError(
      `manifest.outputKind is regression but model output ${name} has shape [${meta.shape.join(', ')}], not [N] or [N, 1]`,
    );
  }
  return kind === 'regression' ? { kind } : withLabels(kind);
}

/**
 * The column of a probability output that is the score, for an output of `columns` columns:
 * `classIndex`, the column of `positiveClass` among the labels, or by default the only column
 * or the second of two (P(class 1) of a binary classifier).
 */
export function scoreColumn(manifest: ModelManifest, output: ResolvedOutput, columns: number): number {
  const name = manifest.output;
  if (output.kind === 'regression') {
    if (columns !== 1)
      throw new ModelSignatureError(`model output ${name} has ${columns} values per row; a regression has 1`);
    return 0;
  }
  const labels = output.labels;
  if (labels !== undefined && labels.length !== columns) {
    throw new ModelSignatureError(
      `model output ${name} has ${columns} columns but its classifier lists ${labels.length} classes`,
    );
  }
  if (manifest.classIndex !== undefined) {
    if (manifest.classIndex >= columns) {
      throw new ModelSignatureError(
        `manifest.classIndex ${manifest.classIndex} is out of range: model output ${name} has ${columns} column${columns === 1 ? '' : 's'}`,
      );
    }
    return manifest.classIndex;
  }
  const pos = manifest.positiveClass;
  if (pos !== undefined) {
    if (labels === undefined) {
      throw new ModelSignatureError(
        `manifest.positiveClass: no classifier or ZipMap node labels model output ${name}; give classIndex`,
      );
    }
    const list = labels.map(String).join(', ');
    const intLabels = labels.length > 0 && typeof labels[0] === 'bigint';
    if (intLabels !== (typeof pos === 'number')) {
      throw new ModelSignatureError(
        `manifest.positiveClass must be ${intLabels ? 'a number: the classes are int64' : 'a string: the classes are strings'} (${list})`,
      );
    }
    const i = labels.findIndex((l) => (typeof l === 'bigint' ? l === BigInt(pos) : l === pos));
    if (i < 0)
      throw new ModelSignatureError(
        `manifest.positiveClass ${JSON.stringify(pos)} is not a class of model output ${name} (classes: ${list})`,
      );
    return i;
  }
  if (columns === 1) return 0;
  // Column 1 is P(fraud) only when it is class 1: other labels (strings sort "fraud" first) must be named.
  const binary01 = labels === undefined || (labels[0] === 0n && labels[1] === 1n);
  if (columns === 2 && binary01) return 1;
  const classes = labels === undefined ? '' : ` (classes: ${labels.map(String).join(', ')})`;
  throw new ModelSignatureError(
    `model output ${name} has ${columns} columns${classes}: set manifest.positiveClass or manifest.classIndex`,
  );
}
