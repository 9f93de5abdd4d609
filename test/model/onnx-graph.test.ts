import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { ort } from '../../src/model/index.js';
import { producerOf, readOnnxGraph, stripZipMap } from '../../src/model/onnx-graph.js';
import { treeClassifier } from './onnx-shapes.js';

const { onnx } = onnxProto;
const stump = { threshold: 100, low: [0.8, 0.2], high: [0.1, 0.9] };
const X = new ort.Tensor('float32', new Float32Array([50, 0, 500, 0]), [2, 2]);

describe('ONNX graph reading and the ZipMap rewrite', () => {
  it('onnxruntime-node cannot return a ZipMap output: the reason the loader strips it', async () => {
    const session = await ort.InferenceSession.create(treeClassifier(stump, [0, 1], { zipmap: true }));
    try {
      expect(session.outputMetadata.find((m) => m.name === 'output_probability')?.isTensor).toBe(false);
      await expect(session.run({ X }, ['output_probability'])).rejects.toThrow(
        'Non tensor type is temporarily not supported.',
      );
    } finally {
      await session.release();
    }
  });

  it('reads nodes, outputs and int64 or string class labels', () => {
    const ints = readOnnxGraph(treeClassifier(stump, [0, 1], { zipmap: true }));
    expect(ints.outputs).toEqual(['output_label', 'output_probability']);
    expect(ints.nodes.map((n) => [n.opType, n.domain])).toEqual([
      ['TreeEnsembleClassifier', 'ai.onnx.ml'],
      ['ZipMap', 'ai.onnx.ml'],
    ]);
    expect(producerOf(ints, 'output_probability')).toMatchObject({
      inputs: ['probabilities'],
      classLabels: [0n, 1n],
    });
    const strings = readOnnxGraph(treeClassifier(stump, ['fraud', 'legit'], { zipmap: true }));
    expect(producerOf(strings, 'output_probability')?.classLabels).toEqual(['fraud', 'legit']);
    expect(() => readOnnxGraph(new Uint8Array([0x08, 0x08]))).toThrow('ONNX model has no graph');
  });

  it('replaces the ZipMap output by its probability tensor and keeps every other field', async () => {
    const bytes = treeClassifier(stump, [0, 1], { zipmap: true });
    const stripped = stripZipMap(bytes, 'output_probability');
    expect(stripped.output).toBe('probabilities');
    const before = onnx.ModelProto.toObject(onnx.ModelProto.decode(Buffer.from(bytes)));
    const after = onnx.ModelProto.toObject(onnx.ModelProto.decode(Buffer.from(stripped.bytes)));
    expect(after.graph.node).toEqual(before.graph.node.slice(0, 1));
    expect(after.graph.output.map((o: { name: string }) => o.name)).toEqual([
      'output_label',
      'probabilities',
    ]);
    expect({ ...after, graph: undefined }).toEqual({ ...before, graph: undefined });
    const session = await ort.InferenceSession.create(stripped.bytes);
    try {
      const out = await session.run({ X }, ['probabilities']);
      expect(Array.from(out.probabilities?.data as Float32Array)).toEqual(
        [0.8, 0.2, 0.1, 0.9].map(Math.fround),
      );
    } finally {
      await session.release();
    }
    expect(() => stripZipMap(bytes, 'output_label')).toThrow(
      'output output_label is not produced by a ZipMap node',
    );
  });
});
