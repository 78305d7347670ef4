import {
  PassManager,
  defaultOpRegistry,
  defaultPassRegistry,
  silentLogger,
  silentProgress,
  throwIfCancelled,
  type Graph,
  type Logger,
  type OpRegistry,
  type PassRegistry,
} from '@collabopt/core';
import type { Engine } from '@collabopt/engine';
import type { TreeMetric } from './tree/report';
import { engineEvaluator, type TreeData, type TreeEvaluator } from './tree/run-tree';

/**
 * What a sensitivity probe does to one layer alone (issue #17): int8 or int4 post-training
 * quantization of that layer only (the rest stays float), 50 % one-shot magnitude pruning, or
 * one-shot k-means clustering to 16 centroids.
 */
export const SENSITIVITY_PROBES = ['int8', 'int4', 'prune50', 'cluster16'] as const;
export type SensitivityProbe = (typeof SENSITIVITY_PROBES)[number];

/** The pipeline that applies `probe` to `layer` only. */
export function probePipeline(probe: SensitivityProbe, layer: string): string {
  const only = `layers=[${JSON.stringify(layer)}]`;
  switch (probe) {
    case 'int8':
      return `ptq(mode=int8, ${only})`;
    case 'int4':
      return `ptq(mode=int8, ${only}, layerBits=${JSON.stringify(`${layer}:4`)})`;
    case 'prune50':
      return `prune(sparsity=0.5, oneShot=true, ${only})`;
    case 'cluster16':
      return `cluster(clusters=16, oneShot=true, ${only})`;
  }
}

/** Probes that leave an int8 model, measured in the engine's int8 simulation. */
function quantizes(probe: SensitivityProbe): boolean {
  return probe === 'int8' || probe === 'int4';
}

/** One layer's line: its metric and drop (baseline − metric, in points) per probe. */
export interface LayerSensitivity {
  readonly layer: string;
  readonly op: string;
  /** Parameters of the layer's weights. */
  readonly params: number;
  /** Metric value per probe; null when the probe failed on this layer (see `errors`). */
  readonly metric: Readonly<Partial<Record<SensitivityProbe, number | null>>>;
  /** Drop in percentage points (baseline − metric) × 100 per probe. */
  readonly drop: Readonly<Partial<Record<SensitivityProbe, number | null>>>;
  readonly errors?: Readonly<Partial<Record<SensitivityProbe, string>>>;
}

export interface SensitivityReport {
  readonly kind: TreeMetric['kind'];
  /** The float model's value (1 for agreement: the float model is the reference). */
  readonly baseline: number;
  readonly samples: number;
  readonly probes: readonly SensitivityProbe[];
  readonly layers: readonly LayerSensitivity[];
  readonly seconds: number;
}

export interface SensitivityOptions {
  readonly engine: Engine;
  /** `test` measures (labels: accuracy; none: agreement with the float model); `calibration` or `train` calibrates PTQ. */
  readonly data: TreeData;
  readonly probes?: readonly SensitivityProbe[];
  /** Only these layers (default: every layer with a quantizable kernel). */
  readonly layers?: readonly string[];
  readonly evaluate?: TreeEvaluator;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly registry?: OpRegistry;
  readonly passRegistry?: PassRegistry;
  /** Called after each layer (printing as it goes). */
  readonly onLayer?: (line: LayerSensitivity) => void;
}

/** Run a text pipeline on a copy of `graph` with the sensitivity/budget context. */
export async function runPipelineCopy(
  graph: Graph,
  pipeline: string,
  options: Pick<
    SensitivityOptions,
    'engine' | 'data' | 'seed' | 'signal' | 'logger' | 'registry' | 'passRegistry'
  > & { teacher: Graph },
): Promise<Graph> {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options.data)) if (v !== undefined) data[k] = v;
  const pm = new PassManager({
    registry: options.registry ?? defaultOpRegistry,
    passRegistry: options.passRegistry ?? defaultPassRegistry,
    logger: options.logger ?? silentLogger,
    progress: silentProgress,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    data,
    engine: options.engine,
    teacher: options.teacher,
  }).addPipeline(pipeline);
  return (await pm.run(graph.clone())).graph;
}

/**
 * Per-layer sensitivity: for every layer with a quantizable kernel and every probe, apply the probe
 * to that layer alone and measure the model on `data.test` (int8 probes in the engine's int8
 * simulation). Drops are in percentage points of accuracy (or of top-1 agreement with the float
 * model without labels). A probe that fails on a layer is recorded with its error; cancellation
 * stops the run. `baseline` is not modified.
 */
export async function runSensitivity(
  baseline: Graph,
  options: SensitivityOptions,
): Promise<SensitivityReport> {
  const started = Date.now();
  const registry = options.registry ?? defaultOpRegistry;
  const probes = options.probes ?? SENSITIVITY_PROBES;
  const teacher = baseline.clone();
  const evaluate = options.evaluate ?? engineEvaluator(options.engine, options.data.test, teacher);
  const signalOpt = options.signal ? { signal: options.signal } : {};
  const base = await evaluate(baseline, { quantized: false, ...signalOpt });
  const kind = base?.kind ?? 'accuracy';
  const baselineValue = base?.value ?? 1;
  const wanted = options.layers ? new Set(options.layers) : undefined;
  const layers: LayerSensitivity[] = [];
  for (const node of baseline.topologicalOrder()) {
    if (registry.quantizedKernel(node) === undefined) continue;
    if (wanted && !wanted.has(node.name)) continue;
    const metric: Partial<Record<SensitivityProbe, number | null>> = {};
    const drop: Partial<Record<SensitivityProbe, number | null>> = {};
    const errors: Partial<Record<SensitivityProbe, string>> = {};
    for (const probe of probes) {
      throwIfCancelled(options.signal);
      try {
        const g = await runPipelineCopy(baseline, probePipeline(probe, node.name), {
          ...options,
          teacher,
        });
        const m = await evaluate(g, { quantized: quantizes(probe), ...signalOpt });
        metric[probe] = m ? m.value : null;
        drop[probe] = m ? (baselineValue - m.value) * 100 : null;
      } catch (e) {
        throwIfCancelled(options.signal);
        metric[probe] = null;
        drop[probe] = null;
        errors[probe] = e instanceof Error ? e.message : String(e);
      }
    }
    const params = Object.values(node.weights).reduce(
      (n, w) => n + w.tensor.shape.reduce((a, b) => a * b, 1),
      0,
    );
    const line: LayerSensitivity = {
      layer: node.name,
      op: node.op,
      params,
      metric,
      drop,
      ...(Object.keys(errors).length > 0 ? { errors } : {}),
    };
    layers.push(line);
    options.onLayer?.(line);
  }
  return {
    kind,
    baseline: baselineValue,
    samples: base?.samples ?? 0,
    probes: [...probes],
    layers,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Layers ordered from the most to the least sensitive to `probe` (failed probes count as most). */
export function bySensitivity(
  report: SensitivityReport,
  probe: SensitivityProbe,
): LayerSensitivity[] {
  const d = (l: LayerSensitivity): number => l.drop[probe] ?? Infinity;
  return [...report.layers].sort((a, b) => d(b) - d(a));
}

/** The report package's per-layer sensitivity column: node → drop (fraction) for `probe`. */
export function sensitivityColumn(
  report: SensitivityReport,
  probe: SensitivityProbe = 'int8',
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of report.layers) {
    const d = l.drop[probe];
    if (d !== null && d !== undefined) out[l.layer] = d / 100;
  }
  return out;
}
