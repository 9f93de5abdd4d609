/**
 * Just enough of an ONNX ModelProto, read and edited at the protobuf wire level, for the loader:
 * which node produces each graph output and its class labels, and the one rewrite it needs (a
 * ZipMap output replaced by the probability tensor that feeds it). Wire-level editing copies every
 * other field byte for byte, so fields newer than any schema we could compile in survive.
 */

import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** A graph node as the loader needs it. */
export interface OnnxNode {
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** classlabels_int64s (or classlabels_ints) as bigints, or classlabels_strings; undefined when absent. */
  readonly classLabels?: readonly (bigint | string)[];
}

/** The top-level graph of a model: its nodes and output names. */
export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  readonly outputs: readonly string[];
}

// Field numbers from onnx/onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTR_NAME = 1;
const ATTR_INTS = 8;
const ATTR_STRINGS = 9;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_ELEM_TYPE = 1;
const FLOAT = 1;

const decoder = new TextDecoder();

/** Reads the top-level graph of an ONNX model; throws when the bytes are not a ModelProto with a graph. */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  const graph = graphBytes(bytes);
  if (graph === undefined) throw new Error('ONNX model has no graph');
  const nodes: OnnxNode[] = [];
  const outputs: string[] = [];
  forEachField(graph, (no, wt, r) => {
    if (no === GRAPH_NODE && wt === WireType.LengthDelimited) nodes.push(readNode(r.bytes()));
    else if (no === GRAPH_OUTPUT && wt === WireType.LengthDelimited) outputs.push(valueInfoName(r.bytes()));
    else r.skip(wt, no);
  });
  return { nodes, outputs };
}

/** The node whose outputs include `name`, if any. */
export function producerOf(graph: OnnxGraph, name: string): OnnxNode | undefined {
  return graph.nodes.find((n) => n.outputs.includes(name));
}

/**
 * Rewrites a model whose graph output `output` is produced by a ZipMap node: the node is removed
 * and its input, the float probability tensor [N, classes], becomes the graph output in its place
 * (onnxruntime-node cannot return a sequence of maps). Returns the new bytes and the tensor's name.
 */
export function stripZipMap(bytes: Uint8Array, output: string): { bytes: Uint8Array; output: string } {
  const parsed = readOnnxGraph(bytes);
  const zipmap = producerOf(parsed, output);
  const probabilities = zipmap?.inputs[0];
  if (zipmap?.opType !== 'ZipMap' || probabilities === undefined)
    throw new Error(`output ${output} is not produced by a ZipMap node`);
  const alreadyOutput = parsed.outputs.includes(probabilities);
  const w = new BinaryWriter();
  forEachField(bytes, (no, wt, r) => {
    const start = r.pos;
    if (no !== MODEL_GRAPH || wt !== WireType.LengthDelimited) {
      copyField(w, no, wt, r, start, bytes);
      return;
    }
    const g = new BinaryWriter();
    const graph = r.bytes();
    forEachField(graph, (gno, gwt, gr) => {
      const gstart = gr.pos;
      if (gno === GRAPH_NODE && gwt === WireType.LengthDelimited) {
        const node = gr.bytes();
        const n = readNode(node);
        if (n.opType === 'ZipMap' && n.outputs.includes(output)) return;
        g.tag(gno, gwt).bytes(node);
      } else if (gno === GRAPH_OUTPUT && gwt === WireType.LengthDelimited) {
        const info = gr.bytes();
        if (valueInfoName(info) !== output) g.tag(gno, gwt).bytes(info);
        else if (!alreadyOutput) g.tag(gno, gwt).bytes(floatTensorInfo(probabilities));
      } else copyField(g, gno, gwt, gr, gstart, graph);
    });
    w.tag(no, wt).bytes(g.finish());
  });
  return { bytes: w.finish(), output: probabilities };
}

function graphBytes(bytes: Uint8Array): Uint8Array | undefined {
  let graph: Uint8Array | undefined;
  forEachField(bytes, (no, wt, r) => {
    if (no === MODEL_GRAPH && wt === WireType.LengthDelimited) graph = r.bytes();
    else r.skip(wt, no);
  });
  return graph;
}

function readNode(bytes: Uint8Array): OnnxNode {
  let opType = '';
  let domain = '';
  const inputs: string[] = [];
  const outputs: string[] = [];
  let classLabels: (bigint | string)[] | undefined;
  forEachField(bytes, (no, wt, r) => {
    if (wt !== WireType.LengthDelimited) r.skip(wt, no);
    else if (no === NODE_INPUT) inputs.push(r.string());
    else if (no === NODE_OUTPUT) outputs.push(r.string());
    else if (no === NODE_OP_TYPE) opType = r.string();
    else if (no === NODE_DOMAIN) domain = r.string();
    else if (no === NODE_ATTRIBUTE) classLabels = readClassLabels(r.bytes()) ?? classLabels;
    else r.skip(wt, no);
  });
  return { opType, domain, inputs, outputs, ...(classLabels !== undefined ? { classLabels } : {}) };
}

/** The values of a classlabels_int64s / classlabels_ints / classlabels_strings attribute. */
function readClassLabels(attr: Uint8Array): (bigint | string)[] | undefined {
  let name = '';
  const ints: bigint[] = [];
  const strings: string[] = [];
  forEachField(attr, (no, wt, r) => {
    if (no === ATTR_NAME && wt === WireType.LengthDelimited) name = r.string();
    else if (no === ATTR_INTS && wt === WireType.Varint) ints.push(BigInt(r.int64()));
    else if (no === ATTR_INTS && wt === WireType.LengthDelimited) {
      const packed = new BinaryReader(r.bytes());
      while (packed.pos < packed.len) ints.push(BigInt(packed.int64()));
    } else if (no === ATTR_STRINGS && wt === WireType.LengthDelimited)
      strings.push(decoder.decode(r.bytes()));
    else r.skip(wt, no);
  });
  if (name === 'classlabels_int64s' || name === 'classlabels_ints') return ints;
  if (name === 'classlabels_strings') return strings;
  return undefined;
}

function valueInfoName(bytes: Uint8Array): string {
  let name = '';
  forEachField(bytes, (no, wt, r) => {
    if (no === VALUE_INFO_NAME && wt === WireType.LengthDelimited) name = r.string();
    else r.skip(wt, no);
  });
  return name;
}

/** ValueInfoProto { name, type: tensor(float) } with the shape left to inference. */
function floatTensorInfo(name: string): Uint8Array {
  const tensor = new BinaryWriter().tag(TENSOR_ELEM_TYPE, WireType.Varint).int32(FLOAT).finish();
  const type = new BinaryWriter().tag(TYPE_TENSOR, WireType.LengthDelimited).bytes(tensor).finish();
  return new BinaryWriter()
    .tag(VALUE_INFO_NAME, WireType.LengthDelimited)
    .string(name)
    .tag(VALUE_INFO_TYPE, WireType.LengthDelimited)
    .bytes(type)
    .finish();
}

function forEachField(bytes: Uint8Array, f: (no: number, wt: WireType, r: BinaryReader) => void): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    f(no, wt, r);
  }
}

/** Copies the field whose tag was read before `start` and whose value starts there. */
function copyField(
  w: BinaryWriter,
  no: number,
  wt: WireType,
  r: BinaryReader,
  start: number,
  src: Uint8Array,
): void {
  r.skip(wt, no);
  w.tag(no, wt).raw(src.subarray(start, r.pos));
}
