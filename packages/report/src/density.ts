import { InvalidArgumentError, type Graph } from '@collabopt/core';
import type { DensityBin, DensityFigure, DensitySpike, DensityStage } from './report-model';

/** Histogram bins of a continuous panel. */
export const DENSITY_BINS = 80;
/** At most this many distinct values are drawn as spikes instead of a histogram. */
export const MAX_SPIKES = 64;

/** One stage of a path: the graph the kernel is read from, named for the panel. */
export interface DensityStageInput {
  readonly id: string;
  readonly label: string;
  readonly graph: Graph;
}

function kernelOf(graph: Graph, node: string, slot: string, stage: string) {
  const weight = graph.nodes.find((n) => n.name === node)?.weights[slot];
  if (!weight || !(weight.tensor.data instanceof Float32Array)) {
    throw new InvalidArgumentError(
      `density stage "${stage}" has no float weight "${node}/${slot}"; choose a kernel every stage keeps`,
      { node, field: slot },
    );
  }
  return weight;
}

/** `count` equal bins over `domain` (the last bin includes its upper edge). */
export function histogram(
  values: ArrayLike<number>,
  domain: readonly [number, number],
  count = DENSITY_BINS,
): DensityBin[] {
  const [lo, hi] = domain;
  const width = (hi - lo) / count || 1;
  const counts = new Array<number>(count).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(count - 1, Math.max(0, Math.floor((values[i]! - lo) / width)));
    counts[b]!++;
  }
  return counts.map((c, b) => ({ x0: lo + b * width, x1: lo + (b + 1) * width, count: c }));
}

/** Every distinct value with its count, ascending; undefined when there are more than `limit`. */
export function distinctValues(
  values: ArrayLike<number>,
  limit = MAX_SPIKES,
): DensitySpike[] | undefined {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! === 0 ? 0 : values[i]!; // −0 and 0 are one spike
    counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size > limit) return undefined;
  }
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([value, count]) => ({ value, count }));
}

/**
 * The seed's density figure: the values of one kernel (`node`/`slot`) at each stage, binned over
 * one common domain so the panels line up — a bell curve for a trained float kernel, a spike at
 * zero after pruning, k spikes after clustering, k spikes on the int8 grid after quantization.
 */
export function densityFigure(
  stages: readonly DensityStageInput[],
  kernel: { readonly node: string; readonly slot: string },
): DensityFigure {
  if (stages.length === 0)
    throw new InvalidArgumentError('a density figure needs at least one stage', {
      field: 'stages',
    });
  const weights = stages.map((s) => kernelOf(s.graph, kernel.node, kernel.slot, s.id));
  let lo = Infinity;
  let hi = -Infinity;
  for (const w of weights) {
    for (const v of w.tensor.data as Float32Array) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const pad = (hi - lo) * 0.02 || 1e-3;
  const domain: [number, number] = [lo - pad, hi + pad];
  const out: DensityStage[] = stages.map((s, i) => {
    const w = weights[i]!;
    const data = w.tensor.data as Float32Array;
    let zeros = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of data) {
      if (v === 0) zeros++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const spikes = distinctValues(data);
    const cb = w.annotations.codebook;
    const q = w.annotations.quant;
    return {
      id: s.id,
      label: s.label,
      count: data.length,
      zeros,
      uniqueValues: spikes ? spikes.length : new Set(data).size,
      min,
      max,
      bins: histogram(data, domain),
      ...(spikes ? { spikes } : {}),
      ...(cb ? { centroids: [...cb.centroids.subarray(0, cb.clusters)] } : {}),
      ...(q && q.dtype !== 'float16' ? { gridStep: q.scale[0]!, bits: q.bits } : {}),
    };
  });
  return {
    node: kernel.node,
    slot: kernel.slot,
    shape: [...weights[0]!.tensor.shape],
    domain,
    stages: out,
  };
}
