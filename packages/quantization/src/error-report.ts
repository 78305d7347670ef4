import type * as tfc from '@tensorflow/tfjs-core';
import { throwIfCancelled, type Graph } from '@collabopt/core';
import type {
  ActivationTransform,
  DataSource,
  Dataset,
  Engine,
  ValueTarget,
} from '@collabopt/engine';
import { sampleBatches, spreadIndices } from './dataset-batches';
import { simulationTransform } from './simulate';
import { SqnrAccumulator } from './sqnr';
import type { WeightQuantReport } from './weight-plan';

/** SQNR of one activation of the simulated quantized graph against the float graph. */
export interface ActivationQuantReport {
  readonly value: string;
  readonly sqnrDb: number;
}

export interface QuantizationErrorReport {
  readonly weights: readonly WeightQuantReport[];
  readonly activations: readonly ActivationQuantReport[];
}

function recorder(
  graph: Graph,
  onValue: (name: string, data: Float32Array) => void,
  inner?: ActivationTransform,
): ActivationTransform {
  return {
    name: 'recorder',
    appliesTo: (t: ValueTarget) => t.graph === graph && t.value.dtype === 'float32',
    create: (t: ValueTarget) => {
      const innerInstance = inner?.appliesTo(t) ? inner.create(t) : undefined;
      return {
        forward: (x: tfc.Tensor, info) => {
          const y = innerInstance ? innerInstance.forward(x, info) : x;
          onValue(t.value.name, y.dataSync() as Float32Array);
          return y;
        },
        strip: () => {},
        dispose: () => innerInstance?.dispose(),
      };
    },
  };
}

/**
 * Per-activation SQNR of the quantized graph (simulated: weights on their grids, activations
 * fake-quantized from their annotations) against the float graph, over `samples` samples, one batch
 * held at a time. Errors accumulate through the network, as they do in the deployed model.
 */
export async function activationErrors(
  engine: Engine,
  floatGraph: Graph,
  quantGraph: Graph,
  data: Dataset | DataSource,
  options: { samples?: number; batchSize?: number; signal?: AbortSignal } = {},
): Promise<ActivationQuantReport[]> {
  const acc = new Map<string, SqnrAccumulator>();
  const indices = spreadIndices(data.count, options.samples ?? 200);
  const batchSize = options.batchSize ?? 100;
  for await (const batch of sampleBatches(data, indices, batchSize)) {
    throwIfCancelled(options.signal, 'quantization error report');
    const reference = new Map<string, Float32Array>();
    await engine.predict(floatGraph, [batch.x], {
      batchSize,
      ...(options.signal ? { signal: options.signal } : {}),
      activationTransforms: [recorder(floatGraph, (n, d) => reference.set(n, d))],
    });
    const sim = recorder(
      quantGraph,
      (n, d) => {
        const r = reference.get(n);
        if (!r || r.length !== d.length) return;
        let a = acc.get(n);
        if (!a) acc.set(n, (a = new SqnrAccumulator()));
        a.add(r, d);
      },
      simulationTransform(quantGraph),
    );
    await engine.predict(quantGraph, [batch.x], {
      batchSize,
      activationTransforms: [sim],
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  const order = quantGraph.topologicalOrder().flatMap((n) => n.outputs.map((v) => v.name));
  return order.filter((n) => acc.has(n)).map((n) => ({ value: n, sqnrDb: acc.get(n)!.value() }));
}

/** Text table of a quantization error report. */
export function formatErrorReport(r: QuantizationErrorReport): string {
  const lines = ['weight                          dtype   channels  SQNR dB  unique'];
  for (const w of r.weights) {
    lines.push(
      `${`${w.node}.${w.slot}`.padEnd(32)}${w.dtype.padEnd(8)}${String(w.channels).padStart(8)}  ${w.sqnrDb.toFixed(1).padStart(7)}  ${w.uniqueValues === undefined ? '' : String(w.uniqueValues).padStart(6)}`,
    );
  }
  if (r.activations.length > 0) {
    lines.push('activation                      SQNR dB');
    for (const a of r.activations)
      lines.push(`${a.value.padEnd(32)}${a.sqnrDb.toFixed(1).padStart(7)}`);
  }
  return lines.join('\n');
}
