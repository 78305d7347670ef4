import type { Graph } from '@collabopt/core';
import { Engine, take, tf, type Dataset } from '@collabopt/engine';

export interface KernelProfile {
  /** Kernel dispatches per training step. */
  readonly kernelsPerStep: number;
  /** Summed kernel milliseconds per step (nested kernels count twice). */
  readonly kernelMsPerStep: number;
  /** Dispatches per step by kernel name. */
  readonly dispatchesByName: ReadonlyMap<string, number>;
  /** Per kernel name and input shapes: milliseconds and calls per step, costliest first. */
  readonly rows: readonly {
    readonly kernel: string;
    readonly ms: number;
    readonly calls: number;
  }[];
}

/**
 * tf.profile of `steps` training steps (Adam, the engine's fit) of `graph` on `train`. On tfjs-node
 * the eager step is profiled: the default graph step runs the same ops inside one TensorFlow
 * session call, invisible to TF.js's profiler.
 */
export async function profileTraining(
  stepEngine: Engine,
  graph: Graph,
  train: Dataset,
  batch: number,
  steps: number,
): Promise<KernelProfile> {
  const engine = stepEngine.graphStep
    ? new Engine(
        stepEngine.backend,
        stepEngine.backendReason,
        stepEngine.kernels,
        stepEngine.registry,
        false,
      )
    : stepEngine;
  await engine.fit(graph, take(train, batch * 2), { epochs: 1, batchSize: batch });
  const profile = await tf.profile(async () => {
    await engine.fit(graph, take(train, batch * steps), { epochs: 1, batchSize: batch });
  });
  const byKernel = new Map<string, { calls: number; ms: number }>();
  const byName = new Map<string, number>();
  let total = 0;
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(',')}`;
    const e = byKernel.get(key) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += ms;
    byKernel.set(key, e);
    byName.set(k.name, (byName.get(k.name) ?? 0) + 1 / steps);
    total += ms;
  }
  return {
    kernelsPerStep: profile.kernels.length / steps,
    kernelMsPerStep: total / steps,
    dispatchesByName: byName,
    rows: [...byKernel]
      .map(([kernel, v]) => ({ kernel, ms: v.ms / steps, calls: v.calls / steps }))
      .sort((a, b) => b.ms - a.ms),
  };
}

/** The profile's summary line and its `top` costliest kernels, one per line. */
export function formatProfile(p: KernelProfile, top: number): string {
  return [
    `kernels per step: ${p.kernelsPerStep.toFixed(1)}, kernel ms per step ${p.kernelMsPerStep.toFixed(1)}`,
    ...p.rows
      .slice(0, top)
      .map((r) => `${r.ms.toFixed(2).padStart(8)} ms  x${r.calls.toFixed(0)}  ${r.kernel}`),
  ].join('\n');
}
