import type * as tfc from '@tensorflow/tfjs-core';
import { defaultOpRegistry, type Graph, type OpRegistry, type Value } from '@collabopt/core';
import type { ActivationTransform, Dataset, Engine, ValueTarget } from '@collabopt/engine';
import { paramsOfValue } from './annotations';
import { requantizeInt4Layer } from './int4-requantization';
import { tf } from './tf';
import { fakeQuantTensor } from './tf-fake-quant';

/**
 * How outputs of layers with 4-bit kernels are requantized: as TFLite's INT4-filter kernels do
 * (`tflite`, double rounding, see `requantizeInt4Layer`), or by one float rounding like every
 * other layer (`float`: ONNX Runtime's DequantizeLinear → float op → QuantizeLinear).
 */
export type Int4Requantization = 'tflite' | 'float';

export interface SimulationOptions {
  readonly registry?: OpRegistry;
  /** Default `tflite`. */
  readonly int4Requantization?: Int4Requantization;
}

/** Input scale and 4-bit kernel scales of the layer producing `v`, when it has a 4-bit kernel. */
function int4Layer(
  v: Value,
  registry: OpRegistry,
): { inputScale: number; filterScales: ArrayLike<number> } | undefined {
  const node = v.producer;
  if (node.outputs[0] !== v || !registry.has(node.op)) return undefined;
  const slot = registry.quantizedKernel(node)?.name;
  const kq = slot === undefined ? undefined : node.weights[slot]?.annotations.quant;
  const input = node.inputs[0] === undefined ? undefined : paramsOfValue(node.inputs[0]);
  if (!kq || kq.bits !== 4 || !input) return undefined;
  return { inputScale: input.scale, filterScales: kq.scale };
}

/**
 * Activation transform that quantize-dequantizes every value carrying an integer `quant`
 * annotation (graph inputs included) with exactly those parameters. Together with weights already
 * on their grids this is the float simulation of the quantized graph ("fake int8"). Outputs of
 * layers with 4-bit kernels are requantized as TFLite's INT4 kernels do unless told otherwise.
 */
export function simulationTransform(
  graph: Graph,
  options: SimulationOptions = {},
): ActivationTransform {
  const registry = options.registry ?? defaultOpRegistry;
  const int4 = (options.int4Requantization ?? 'tflite') === 'tflite';
  return {
    name: 'quantized-simulation',
    appliesTo: (t: ValueTarget) => t.graph === graph && paramsOfValue(t.value) !== undefined,
    create: (t: ValueTarget) => {
      const p = paramsOfValue(t.value)!;
      const layer = int4 ? int4Layer(t.value, registry) : undefined;
      return {
        forward: (x: tfc.Tensor) => {
          if (!layer) return fakeQuantTensor(x, p);
          const channels = x.shape[x.shape.length - 1] ?? 1;
          const y = requantizeInt4Layer(
            x.dataSync() as Float32Array,
            channels,
            layer.inputScale,
            layer.filterScales,
            p,
          );
          return tf.tensor(y, x.shape, 'float32');
        },
        strip: () => {},
        dispose: () => {},
      };
    },
  };
}

/** Accuracy and loss of the simulated quantized graph on `data` (engine evaluation with fake-quant activations). */
export async function simulateQuantized(
  engine: Engine,
  graph: Graph,
  data: Dataset,
  options: { batchSize?: number } = {},
) {
  return engine.evaluate(graph, data, {
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    activationTransforms: [simulationTransform(graph)],
  });
}
