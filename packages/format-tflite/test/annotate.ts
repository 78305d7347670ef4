/**
 * Test fixtures: build quantization annotations exactly as docs/quantization-contract.md says the
 * quantization passes do (weights put on the symmetric int8 grid, activation parameters from
 * ranges, TFLite's shared/fixed-parameter rules), so the writer can be tested before/without the
 * quantization package. Not part of the published package.
 */
import {
  channelLayout,
  defaultOpRegistry,
  snapTensorToGrid,
  type Graph,
  type Node,
  type QuantAnnotation,
  type Value,
} from '@collabopt/core';

export type Range = readonly [number, number];

/** The kernel the int8 scheme quantizes and its per-channel axes (null: per tensor), from the op registry. */
function quantizedKernel(node: Node): { slot: string; axes: number[] | null } | undefined {
  const slot = defaultOpRegistry.quantizedKernel(node);
  if (slot === undefined) return undefined;
  const c = slot.capabilities;
  return { slot: slot.name, axes: c.perChannelQuantization ? [...c.channelAxes] : null };
}

export function activationQuant(min: number, max: number): QuantAnnotation {
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

/** Put a kernel on the symmetric int8 grid (per channel along `axes`, or per tensor) and annotate it. */
export function quantizeKernel(node: Node, slot: string, axes: number[] | null): void {
  const w = node.weight(slot);
  const data = w.tensor.data as Float32Array;
  const layout = axes ? channelLayout(w.tensor.shape, axes) : undefined;
  const count = layout ? layout.count : 1;
  const maxAbs = new Float32Array(count);
  for (let i = 0; i < data.length; i++) {
    const c = layout ? layout.channelOf(i) : 0;
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(data[i]!));
  }
  const scale = maxAbs.map((m) => m / 127);
  snapTensorToGrid(data, w.tensor.shape, {
    scale,
    ...(axes ? { channelAxes: axes } : {}),
    qmin: -127,
    qmax: 127,
  });
  w.annotations.quant = {
    dtype: 'int8',
    scale,
    zeroPoint: new Int32Array(count),
    ...(axes ? { channelAxes: axes } : {}),
    bits: 8,
    narrowRange: true,
  };
}

/** float16 mode: mark every kernel and bias as float16. */
export function annotateFloat16(graph: Graph): Graph {
  for (const { weight } of graph.weights()) {
    weight.annotations.quant = {
      dtype: 'float16',
      scale: new Float32Array([1]),
      zeroPoint: new Int32Array([0]),
      bits: 16,
      narrowRange: false,
    };
  }
  graph.metadata['quantization'] = { mode: 'float16' };
  return graph;
}

/** dynamic mode: int8 kernels with ≥ `minElements` elements (1024 like the converter). */
export function annotateDynamic(graph: Graph, minElements = 1024): Graph {
  for (const node of graph.nodes) {
    const kernel = quantizedKernel(node);
    const w = kernel && node.weights[kernel.slot];
    if (kernel && w && w.tensor.data.length >= minElements)
      quantizeKernel(node, kernel.slot, kernel.axes);
  }
  graph.metadata['quantization'] = { mode: 'dynamic' };
  return graph;
}

/**
 * int8 / int8-io: kernels on the grid, int32 biases on in_scale × w_scale, every value annotated
 * from `rangeOf(value)` with TFLite's rules (pool/reshape/pad share their input's parameters,
 * softmax/sigmoid (1/256, −128), tanh (1/128, 0)).
 */
export function annotateInt8(
  graph: Graph,
  rangeOf: (v: Value) => Range,
  mode: 'int8' | 'int8-io' = 'int8',
): Graph {
  for (const node of graph.topologicalOrder()) {
    const out = node.outputs[0]!;
    const act = node.op === 'Activation' ? node.attrs['activation'] : undefined;
    if (
      defaultOpRegistry.sharedQuantParams(node) === 'input' ||
      (node.op === 'Activation' && act === 'linear')
    ) {
      out.annotations.quant = node.inputs[0]!.annotations.quant!;
    } else if (node.op === 'Softmax' || act === 'sigmoid' || act === 'softmax') {
      out.annotations.quant = {
        dtype: 'int8',
        scale: new Float32Array([1 / 256]),
        zeroPoint: new Int32Array([-128]),
        bits: 8,
        narrowRange: false,
      };
    } else if (act === 'tanh') {
      out.annotations.quant = {
        dtype: 'int8',
        scale: new Float32Array([1 / 128]),
        zeroPoint: new Int32Array([0]),
        bits: 8,
        narrowRange: false,
      };
    } else {
      const [lo, hi] = rangeOf(out);
      out.annotations.quant = activationQuant(lo, hi);
    }
    const q = out.annotations.quant;
    out.annotations.range = {
      min: q.scale[0]! * (-128 - q.zeroPoint[0]!),
      max: q.scale[0]! * (127 - q.zeroPoint[0]!),
      source: 'test',
    };
    const kernel = quantizedKernel(node);
    if (kernel && node.weights[kernel.slot]) {
      const { slot, axes } = kernel;
      quantizeKernel(node, slot, axes);
      const bias = node.weights['bias'];
      const inScale = node.inputs[0]!.annotations.quant!.scale[0]!;
      if (bias) {
        const ws = node.weight(slot).annotations.quant!.scale;
        const scale = ws.map((s) => s * inScale);
        snapTensorToGrid(bias.tensor.data as Float32Array, bias.tensor.shape, {
          scale,
          ...(scale.length > 1 ? { channelAxes: [0] } : {}),
          qmin: -(2 ** 31),
          qmax: 2 ** 31 - 1,
        });
        bias.annotations.quant = {
          dtype: 'int32',
          scale,
          zeroPoint: new Int32Array(scale.length),
          ...(scale.length > 1 ? { channelAxes: [0] } : {}),
          bits: 32,
          narrowRange: false,
        };
      }
    }
  }
  graph.metadata['quantization'] = { mode };
  return graph;
}
