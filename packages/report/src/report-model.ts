/**
 * The report of an optimization run as plain data: JSON-serialisable (numbers, strings, arrays,
 * plain objects; no typed arrays), so `--report x.json` writes it as is and the HTML renderer, the
 * web app or another tool read the same figures.
 */

import type { AgreementReport } from './agreement-report';
import type { QualityMetric } from './quality-metric';

/** Bumped when a field changes meaning or disappears. */
export const REPORT_SCHEMA_VERSION = 1;

/**
 * Quality of one leaf as measured three ways, in the unit of the report's `metric` (a fraction in
 * [0, 1] for accuracy and agreement, dB for SQNR), when measured.
 */
export interface LeafAccuracy {
  /** The float model of the branch the leaf was quantized from. */
  readonly float?: number;
  /** The engine's int8 simulation of the quantized graph (fake-quant). */
  readonly fakeInt8?: number;
  /** The exported file run by a real runtime (e.g. the TFLite interpreter). */
  readonly runtime?: number;
}

/** One leaf of the deployment tree (or the single result of `optimize`). */
export interface LeafReport {
  readonly id: string;
  readonly label: string;
  readonly status: 'ok' | 'unavailable';
  /** Why the leaf is unavailable. */
  readonly reason?: string;
  /** Pipeline text from the baseline to this leaf, e.g. `prune(…) | pcqat(…)`. */
  readonly pipeline?: string;
  /** Ids of the density stages along this leaf's path (baseline first), see `ReportModel.density`. */
  readonly path?: readonly string[];
  readonly file?: string;
  readonly accuracy: LeafAccuracy;
  /** Fraction of zero kernel weights. */
  readonly sparsity?: number;
  /** Largest number of distinct int8 codes in one kernel (whole tensor). */
  readonly codesPerTensor?: number;
  /** Largest number of distinct int8 codes in one output channel of a kernel. */
  readonly codesPerChannel?: number;
  /** Size of the exported file. */
  readonly rawBytes?: number;
  /** Size of the exported file after deflate (what a compressor makes of it). */
  readonly zippedBytes?: number;
  readonly wallTimeMs?: number;
  /** On the size/accuracy Pareto front of the ok leaves (no other leaf is smaller and more accurate). */
  readonly pareto?: boolean;
}

/** The starting point the leaves are compared with. */
export interface BaselineReport {
  readonly label: string;
  readonly accuracy?: number;
  /** Size of the float model (file, or weights when no file was written). */
  readonly rawBytes?: number;
  readonly zippedBytes?: number;
}

/** One weight tensor of one layer. */
export interface LayerRow {
  readonly node: string;
  readonly op: string;
  readonly slot: string;
  readonly shape: readonly number[];
  readonly params: number;
  readonly sparsity: number;
  readonly uniqueValues: number;
  /** Bits per stored element: the quantization bit width, else the dtype's width. */
  readonly bits: number;
  /** Codebook size when the weight is clustered. */
  readonly clusters?: number;
  /** SQNR (dB) of the quantized weight against its float value, when measured. */
  readonly weightSqnrDb?: number;
  /** SQNR (dB) of the layer's output activation, quantized against float, when measured. */
  readonly activationSqnrDb?: number;
  /** Accuracy drop when this layer alone is optimized, when measured. */
  readonly sensitivity?: number;
}

/** The per-layer table of one graph (a leaf, a branch, or the inspected model). */
export interface LayerTable {
  readonly id: string;
  readonly label: string;
  readonly rows: readonly LayerRow[];
  readonly params: number;
  readonly sparsity: number;
}

/** A histogram bin: `count` values in [x0, x1). */
export interface DensityBin {
  readonly x0: number;
  readonly x1: number;
  readonly count: number;
}

/** A distinct value and how many elements take it (a spike of a clustered or quantized kernel). */
export interface DensitySpike {
  readonly value: number;
  readonly count: number;
}

/** The values of the chosen kernel at one stage of a path. */
export interface DensityStage {
  readonly id: string;
  readonly label: string;
  readonly count: number;
  readonly zeros: number;
  readonly uniqueValues: number;
  readonly min: number;
  readonly max: number;
  /** Histogram over the figure's common domain (continuous weights). */
  readonly bins: readonly DensityBin[];
  /** Every distinct value with its count, when there are few (clustered or quantized weights). */
  readonly spikes?: readonly DensitySpike[];
  /** Codebook centroids (per-tensor codebook, or channel 0's row of a per-channel one). */
  readonly centroids?: readonly number[];
  /** Step of the quantization grid (per-tensor scale, or channel 0's), when quantized. */
  readonly gridStep?: number;
  readonly bits?: number;
}

/** The seed's figure: one kernel's value density along the stages of each leaf's path. */
export interface DensityFigure {
  readonly node: string;
  readonly slot: string;
  readonly shape: readonly number[];
  /** Common x domain of every panel, so the panels line up. */
  readonly domain: readonly [number, number];
  readonly stages: readonly DensityStage[];
}

/** How the run can be repeated. */
export interface RunMetadata {
  readonly command?: string;
  readonly model?: string;
  readonly dataSet?: string;
  readonly preprocessing?: string;
  readonly backend?: string;
  readonly seed?: number;
  /** Package name → version. */
  readonly versions?: Readonly<Record<string, string>>;
  /** A command line that repeats the run. */
  readonly reproduce?: string;
  /** ISO time the report was made. */
  readonly createdAt?: string;
}

export interface ReportModel {
  readonly schemaVersion: number;
  readonly title: string;
  /**
   * What every `accuracy` figure of the report measures: `accuracy` against labels (also when
   * absent), or without labels `agreement` with the float model / its output `sqnrDb`.
   */
  readonly metric?: QualityMetric;
  readonly metadata: RunMetadata;
  readonly baseline?: BaselineReport;
  readonly leaves: readonly LeafReport[];
  readonly layers: readonly LayerTable[];
  readonly density?: DensityFigure;
  /** Without labels: the result's agreement with the float reference, per output. */
  readonly agreement?: AgreementReport;
}
