/**
 * Test-side int8 annotations following docs/quantization-contract.md (what the quantization passes
 * will write): calibrated activation ranges (ONNX Runtime on the float export), per-channel
 * symmetric weights snapped onto their grid, int32 biases with scale = input scale × weight scale.
 */
import {
  channelLayout,
  defaultOpRegistry,
  type Graph,
  type QuantAnnotation,
  type Value,
} from '@collabopt/core';
import { writeOnnx } from '@collabopt/format-onnx';
import { ortRun, type Arr } from './helpers';

const SHARE_INPUT = new Set([
  'MaxPool2D',
  'AvgPool2D',
  'Reshape',
  'Flatten',
  'Pad',
  'Dropout',
  'Upsample2D',
]);

function actQuant(min: number, max: number): QuantAnnotation {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zp = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return {
    dtype: 'int8',
    scale: new Float32Array([scale]),
    zeroPoint: new Int32Array([zp]),
    bits: 8,
    narrowRange: false,
    min: lo,
    max: hi,
  };
}

const fixed = (scale: number, zp: number): QuantAnnotation => ({
  dtype: 'int8',
  scale: new Float32Array([scale]),
  zeroPoint: new Int32Array([zp]),
  bits: 8,
  narrowRange: false,
});

/** Float ranges of every value of `graph` on `x` (NHWC), from ONNX Runtime running the float export. */
export async function calibrate(graph: Graph, x: Arr): Promise<Map<string, [number, number]>> {
  const probe = graph.clone();
  const all: Value[] = [];
  for (const n of probe.nodes) if (n.op !== 'Input') all.push(...n.outputs);
  probe.outputs = all;
  const { bytes } = writeOnnx(probe, { nhwcIo: true, mode: 'float' });
  const out = await ortRun(bytes, { [probe.inputs[0]!.name]: x });
  const ranges = new Map<string, [number, number]>();
  for (const [name, a] of [...Object.entries(out), [probe.inputs[0]!.name, x] as const]) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of a.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    ranges.set(name, [lo, hi]);
  }
  return ranges;
}

/** Annotate `graph` in place for int8 (mode 'int8'); returns it. */
export function annotateInt8(graph: Graph, ranges: Map<string, [number, number]>): Graph {
  const order = graph.topologicalOrder();
  for (const node of order) {
    for (const v of node.outputs) {
      const r = ranges.get(v.name);
      if (!r) throw new Error(`no calibration range for ${v.name}`);
      const act =
        node.op === 'Activation'
          ? (node.attrs['activation'] as string)
          : node.op === 'Softmax'
            ? 'softmax'
            : (node.attrs['activation'] as string | undefined);
      if (act === 'softmax' || act === 'sigmoid' || act === 'hard_sigmoid')
        v.annotations.quant = fixed(1 / 256, -128);
      else if (act === 'tanh') v.annotations.quant = fixed(1 / 128, 0);
      else if (SHARE_INPUT.has(node.op) && node.inputs[0]!.annotations.quant)
        v.annotations.quant = node.inputs[0]!.annotations.quant;
      else v.annotations.quant = actQuant(r[0], r[1]);
      v.annotations.range = { min: r[0], max: r[1], source: 'test:calibration' };
    }
    if (node.op === 'Concat') {
      const lo = Math.min(...[...node.inputs, node.output].map((v) => ranges.get(v.name)![0]));
      const hi = Math.max(...[...node.inputs, node.output].map((v) => ranges.get(v.name)![1]));
      const q = actQuant(lo, hi);
      for (const v of [...node.inputs, node.output]) v.annotations.quant = q;
    }
  }
  for (const node of order) {
    const kernel = node.weights['kernel'];
    if (!kernel) continue;
    const slot = defaultOpRegistry.slot(node, 'kernel')!;
    const perChannel = node.op !== 'Dense';
    const axes = slot.capabilities.channelAxes;
    const layout = perChannel ? channelLayout(kernel.tensor.shape, axes) : undefined;
    const count = layout?.count ?? 1;
    const w = kernel.tensor.data as Float32Array;
    const maxAbs = new Float32Array(count);
    for (let i = 0; i < w.length; i++) {
      const c = layout ? layout.channelOf(i) : 0;
      maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(w[i]!));
    }
    const scale = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
    for (let i = 0; i < w.length; i++) {
      const s = scale[layout ? layout.channelOf(i) : 0]!;
      w[i] = Math.fround(s * Math.max(-127, Math.min(127, Math.round(w[i]! / s))));
    }
    kernel.annotations.quant = {
      dtype: 'int8',
      scale,
      zeroPoint: new Int32Array(count),
      ...(perChannel ? { channelAxes: axes } : {}),
      bits: 8,
      narrowRange: true,
    };
    const bias = node.weights['bias'];
    const inQ = node.inputs[0]!.annotations.quant;
    if (bias && inQ) {
      const b = bias.tensor.data as Float32Array;
      const bScale = Float32Array.from(
        { length: perChannel ? count : 1 },
        (_, c) => inQ.scale[0]! * scale[c]!,
      );
      for (let i = 0; i < b.length; i++)
        b[i] = Math.fround(
          bScale[perChannel ? i : 0]! * Math.round(b[i]! / bScale[perChannel ? i : 0]!),
        );
      bias.annotations.quant = {
        dtype: 'int32',
        scale: bScale,
        zeroPoint: new Int32Array(bScale.length),
        ...(perChannel ? { channelAxes: [0] } : {}),
        bits: 32,
        narrowRange: false,
      };
    }
  }
  graph.metadata['quantization'] = { mode: 'int8' };
  return graph;
}

/** Prune (every other element → 0) and cluster (8 shared values per channel) a conv kernel, in place. */
export function pruneAndCluster(graph: Graph, node: string): void {
  const k = graph.node(node).weight('kernel').tensor;
  const w = k.data as Float32Array;
  const cout = k.shape[k.shape.length - 1]!;
  for (let i = 0; i < w.length; i++) {
    const c = i % cout;
    if (Math.floor(i / cout) % 2 === 0) w[i] = 0;
    else w[i] = ((((Math.round(w[i]! * 1000) % 4) + 4) % 4) - 1.5) * 0.1 * (1 + c / cout); // 4 levels
  }
}
