/**
 * Test-side int8 annotations following docs/quantization-contract.md: calibrated activation ranges
 * (ONNX Runtime on the float export, not the engine the ptq pass uses), put on the grid with the
 * quantization plugin's own parameter, weight and bias functions.
 */
import { defaultOpRegistry, type Graph, type QuantAnnotation, type Value } from '@collabopt/core';
import { writeOnnx } from '@collabopt/format-onnx';
import {
  activationParams,
  activationQuantAnnotation,
  quantizeBias,
  quantizeSymmetric,
  weightQuantAnnotation,
} from '@collabopt/quantization';
import { ortRun, type Arr } from './helpers';

const actQuant = (min: number, max: number): QuantAnnotation =>
  activationQuantAnnotation(activationParams({ min, max }, 8), 8);

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
      else if (
        defaultOpRegistry.sharedQuantParams(node) === 'input' &&
        node.inputs[0]!.annotations.quant
      )
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
    const slot = defaultOpRegistry.quantizedKernel(node);
    const kernel = slot && node.weights[slot.name];
    if (!slot || !kernel) continue;
    const perChannel = slot.capabilities.perChannelQuantization === true;
    const axes = slot.capabilities.channelAxes;
    const qw = quantizeSymmetric(kernel.tensor, perChannel ? { channelAxes: axes } : {});
    (kernel.tensor.data as Float32Array).set(qw.values);
    kernel.annotations.quant = weightQuantAnnotation(qw);
    const bias = node.weights['bias'];
    const inQ = node.inputs[0]!.annotations.quant;
    if (bias && inQ) {
      const qb = quantizeBias(bias.tensor.data as Float32Array, inQ.scale[0]!, qw.scale);
      (bias.tensor.data as Float32Array).set(qb.values);
      bias.annotations.quant = {
        dtype: 'int32',
        scale: perChannel ? qb.scale : qb.scale.slice(0, 1), // per tensor: one scale
        zeroPoint: new Int32Array(perChannel ? qb.scale.length : 1),
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
