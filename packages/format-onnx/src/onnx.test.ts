import {
  CollaboptError,
  FormatError,
  FormatRegistry,
  GraphBuilder,
  UnsupportedError,
  InvalidArgumentError,
  type Graph,
  type QuantAnnotation,
} from '@collabopt/core';
import { registerOnnxFormat, looksLikeOnnx } from './format';
import { encodeModel, decodeModel } from './proto/codec';
import { toNumber } from './proto/types';
import { readOnnx } from './reader/read-onnx';
import { writeOnnx } from './writer/write-onnx';
import { floatValueInfo, onnxModel } from '../test/onnx-test-models';

function smallCnn(): Graph {
  const g = new GraphBuilder('small', { seed: 5 });
  const x = g.input('image', [-1, 6, 6, 2]);
  const c = g.layer('Conv2D', 'conv', x, {
    filters: 4,
    kernelSize: [3, 3],
    padding: 'same',
    activation: 'relu',
  });
  const d = g.layer('DepthwiseConv2D', 'dw', c, {
    kernelSize: [3, 3],
    depthMultiplier: 2,
    strides: [2, 2],
  });
  const f = g.layer('Flatten', 'flatten', d);
  const o = g.layer('Dense', 'logits', f, { units: 3 });
  return g.build(o);
}

function floatValues(g: Graph, node: string, slot: string): number[] {
  return Array.from(g.node(node).weight(slot).tensor.data as Float32Array);
}

async function expectCode(p: Promise<unknown>, code: string): Promise<CollaboptError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CollaboptError);
    expect((e as CollaboptError).code).toBe(code);
    return e as CollaboptError;
  }
  throw new Error(`expected error ${code}`);
}

describe('ONNX writer and reader', () => {
  it('round-trips weights, layouts and op kinds', async () => {
    const g = smallCnn();
    const { bytes, files } = writeOnnx(g);
    expect(files).toHaveLength(1);
    const m = decodeModel(bytes);
    expect(m.opsetImport?.[0]?.version !== undefined && toNumber(m.opsetImport[0].version)).toBe(
      13,
    );
    expect(
      m.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.map(
        (d) => d.dimParam || toNumber(d.dimValue),
      ),
    ).toEqual(['batch', 2, 6, 6]);
    const ops = m.graph!.node!.map((n) => n.opType);
    expect(ops).toEqual(['Conv', 'Relu', 'Conv', 'Flatten', 'Gemm']);
    const back = await readOnnx(bytes);
    expect(back.nodes.map((n) => n.op)).toEqual([
      'Input',
      'Conv2D',
      'DepthwiseConv2D',
      'Flatten',
      'Dense',
    ]);
    expect(back.node('conv').attrs['activation']).toBe('relu');
    expect(back.node('conv').attrs['padding']).toBe('same');
    expect(floatValues(back, 'conv', 'kernel')).toEqual(floatValues(g, 'conv', 'kernel'));
    expect(floatValues(back, 'dw', 'kernel')).toEqual(floatValues(g, 'dw', 'kernel'));
    // Dense rows were re-ordered for ONNX's NCHW flatten and are restored on import.
    expect(floatValues(back, 'logits', 'kernel')).toEqual(floatValues(g, 'logits', 'kernel'));
    expect(back.inputs[0]!.shape).toEqual([-1, 6, 6, 2]);
  });

  it('keeps NHWC inputs behind an edge Transpose when asked', async () => {
    const { bytes } = writeOnnx(smallCnn(), { nhwcIo: true, opset: 17 });
    const m = decodeModel(bytes);
    expect(m.graph!.node![0]!.opType).toBe('Transpose');
    expect(toNumber(m.irVersion)).toBe(8);
    const back = await readOnnx(bytes);
    expect(back.inputs[0]!.shape).toEqual([-1, 6, 6, 2]);
    expect(
      (back.metadata['onnx'] as { inputLayouts: Record<string, string> }).inputLayouts['image'],
    ).toBe('nhwc');
  });

  it('writes QDQ int8 with per-channel weights, int32 bias and 7-bit reduce-range', () => {
    const g = smallCnn();
    g.metadata['quantization'] = { mode: 'int8' };
    const act = (s: number, z: number): QuantAnnotation => ({
      dtype: 'int8',
      scale: new Float32Array([s]),
      zeroPoint: new Int32Array([z]),
      bits: 8,
      narrowRange: false,
    });
    for (const v of [
      g.value('image'),
      g.value('conv'),
      g.value('dw'),
      g.value('flatten'),
      g.value('logits'),
    ])
      v.annotations.quant = act(0.05, -3);
    const conv = g.node('conv').weight('kernel');
    const k = conv.tensor.data as Float32Array;
    const scales = new Float32Array(4).map((_, c) => 0.01 * (c + 1));
    // Put the kernel on the grid with a few exact zeros (pruned) and few unique values.
    for (let i = 0; i < k.length; i++) {
      const c = i % 4;
      k[i] = i % 3 === 0 ? 0 : scales[c]! * (i % 2 === 0 ? 40 : -17);
    }
    conv.annotations.quant = {
      dtype: 'int8',
      scale: scales,
      zeroPoint: new Int32Array(4),
      channelAxes: [3],
      bits: 8,
      narrowRange: true,
    };
    const { bytes } = writeOnnx(g);
    const m = decodeModel(bytes);
    const ops = m.graph!.node!.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(5);
    const qk = m.graph!.initializer!.find((t) => t.name === 'conv_kernel_quantized')!;
    expect(qk.dataType).toBe(3);
    const q = new Int8Array(qk.rawData!.buffer, qk.rawData!.byteOffset, qk.rawData!.length);
    expect(new Set(q)).toEqual(new Set([0, 40, -17]));
    const dq = m.graph!.node!.find((n) => n.name === 'conv_kernel_dequantize')!;
    expect(dq.attribute?.find((a) => a.name === 'axis')).toBeDefined();
    const bias = m.graph!.initializer!.find((t) => t.name === 'conv_bias_quantized')!;
    expect(bias.dataType).toBe(6);
    // reduce range: 8-bit q → round(q · 63/127), zeros stay zeros
    const r = decodeModel(writeOnnx(g, { reduceRange: true }).bytes);
    const rq = r.graph!.initializer!.find((t) => t.name === 'conv_kernel_quantized')!;
    expect(
      new Set(new Int8Array(rq.rawData!.buffer, rq.rawData!.byteOffset, rq.rawData!.length)),
    ).toEqual(new Set([0, 20, -8]));
  });

  it('moves weights to external data files and reads them back', async () => {
    const g = smallCnn();
    const { bytes, files } = writeOnnx(g, { externalData: 'always', fileName: 'm.onnx' });
    expect(files.map((f) => f.path)).toEqual(['m.onnx', 'm.onnx.data']);
    const related = new Map(files.map((f) => [f.path, f.bytes]));
    await expectCode(readOnnx(bytes), 'ONNX_EXTERNAL_DATA_UNAVAILABLE');
    const back = await readOnnx(bytes, { readRelated: async (p) => related.get(p)! });
    expect(floatValues(back, 'conv', 'kernel')).toEqual(floatValues(g, 'conv', 'kernel'));
    // 'auto' switches to external data above the threshold (2 GiB − 64 MiB by default) only.
    expect(writeOnnx(g, { fileName: 'm.onnx' }).files).toHaveLength(1);
    expect(
      writeOnnx(g, { fileName: 'm.onnx', externalDataThreshold: 1000 }).files.map((f) => f.path),
    ).toEqual(['m.onnx', 'm.onnx.data']);
    // a bad external range is a typed error
    const bad = decodeModel(bytes);
    bad.graph!.initializer![0]!.externalData = [
      { key: 'location', value: 'm.onnx.data' },
      { key: 'offset', value: '999999' },
      { key: 'length', value: '4' },
    ];
    await expectCode(
      readOnnx(encodeModel(bad), { readRelated: async (p) => related.get(p)! }),
      'ONNX_BAD_EXTERNAL_DATA',
    );
  });

  it('rejects invalid input with typed errors', async () => {
    await expectCode(
      readOnnx(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2])),
      'ONNX_INVALID_PROTOBUF',
    );
    await expectCode(readOnnx(encodeModel({ irVersion: 7 })), 'ONNX_INVALID_MODEL');
    const unsupported = onnxModel({
      name: 'g',
      input: [floatValueInfo('x', ['N', 4])],
      output: [{ name: 'y' }],
      node: [{ name: 'topk_node', opType: 'TopK', input: ['x'], output: ['y'] }],
    });
    const e = await expectCode(readOnnx(unsupported, { file: 'u.onnx' }), 'ONNX_UNSUPPORTED_OP');
    expect(e).toBeInstanceOf(UnsupportedError);
    expect(e.message).toMatch(/TopK/);
    expect(e.location.node).toBe('topk_node');
    expect(e.location.file).toBe('u.onnx');
    const custom = onnxModel({
      input: [floatValueInfo('x', ['N', 4])],
      output: [{ name: 'y' }],
      node: [{ name: 'n', opType: 'Foo', domain: 'com.example', input: ['x'], output: ['y'] }],
    });
    await expect(readOnnx(custom)).rejects.toThrow(/domain "com.example"/);
    const dynamic = onnxModel({
      input: [floatValueInfo('x', ['N', 3, 'H', 'W'])],
      output: [{ name: 'y' }],
      node: [{ name: 'r', opType: 'Relu', input: ['x'], output: ['y'] }],
    });
    const dyn = await expectCode(readOnnx(dynamic), 'ONNX_DYNAMIC_SHAPE');
    // names the input, its dynamic dimensions, and both ways to fix it
    expect(dyn.message).toContain('graph input "x" has dynamic dimensions 2 (H), 3 (W)');
    expect(dyn.message).toContain('[N, 3, H, W]');
    expect(dyn.message).toContain('inputShapes: { "x": [1, 3, <H>, <W>] }');
    expect(dyn.message).toContain('--input-shape x=1x3x<H>x<W>');
    expect(dyn.location.field).toBe('x');
    await expectCode(readOnnx(dynamic, { inputShapes: { x: [1, 3, 4] } }), 'ONNX_BAD_INPUT_SHAPE');
    const unknown = await expectCode(
      readOnnx(dynamic, { inputShapes: { image: [1, 3, 4, 5] } }),
      'ONNX_UNKNOWN_INPUT',
    );
    expect(unknown.message).toContain('the inputs are "x"');
    const ok = await readOnnx(dynamic, { inputShapes: { x: [1, 3, 4, 5] } });
    expect(ok.inputs[0]!.shape).toEqual([-1, 4, 5, 3]);
    expect(() => writeOnnx(smallCnn(), { opset: 12 })).toThrow(InvalidArgumentError);
    expect(() => decodeModel(new Uint8Array([0xff]))).toThrow(FormatError);
    const aborted = new AbortController();
    aborted.abort();
    await expectCode(
      readOnnx(writeOnnx(smallCnn()).bytes, { signal: aborted.signal }),
      'CANCELLED',
    );
    expect(() => writeOnnx(smallCnn(), { signal: aborted.signal })).toThrow(/cancel/i);
  });

  it('registers as the onnx format and recognises ONNX bytes', async () => {
    const registry = new FormatRegistry();
    registerOnnxFormat(registry);
    const { bytes } = writeOnnx(smallCnn());
    expect(looksLikeOnnx(bytes)).toBe(true);
    expect(looksLikeOnnx(new TextEncoder().encode('{"format":"layers-model"}'))).toBe(false);
    expect(registry.forFile('x.bin', bytes).name).toBe('onnx');
    expect(registry.forFile('model.onnx').name).toBe('onnx');
    const files = await registry.get('onnx').write!(smallCnn(), { fileName: 'a.onnx', opset: 15 });
    expect(files[0]!.path).toBe('a.onnx');
    const g = await registry.get('onnx').read!({
      path: 'a.onnx',
      bytes: files[0]!.bytes,
      readRelated: async () => new Uint8Array(),
    });
    expect(g.nodes).toHaveLength(5);
  });
});
