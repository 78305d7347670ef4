import type * as tfc from '@tensorflow/tfjs-core';
import type { Graph } from '@collabopt/core';
import type { ActivationTransform, Dataset, Engine, ValueTarget } from '@collabopt/engine';
import { paramsOfValue } from './annotations';
import { fakeQuantTensor } from './tf-fake-quant';

/**
 * Activation transform that quantize-dequantizes every value carrying an integer `quant`
 * annotation (graph inputs included) with exactly those parameters. Together with weights already
 * on their grids this is the float simulation of the quantized graph ("fake int8").
 */
export function simulationTransform(graph: Graph): ActivationTransform {
  return {
    name: 'quantized-simulation',
    appliesTo: (t: ValueTarget) => t.graph === graph && paramsOfValue(t.value) !== undefined,
    create: (t: ValueTarget) => {
      const p = paramsOfValue(t.value)!;
      return {
        forward: (x: tfc.Tensor) => fakeQuantTensor(x, p),
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
