import type { KernelFigures } from './kernel-figures';
import type { TreePlan } from './plan';

/**
 * The deployment tree's report: plain JSON data (no typed arrays, no class instances), stable for
 * the HTML report and for `tree-report.json`. Fields only get added, never renamed; `version`
 * changes when a field changes meaning.
 */
export interface TreeReport {
  readonly version: 1;
  /** Name of the baseline graph. */
  readonly model: string;
  /** The data the tree was fine-tuned and measured with, as the caller described it. */
  readonly data?: TreeDataDescription;
  /** The plan that was run. */
  readonly plan: TreePlan;
  /** Quality of the float baseline on the test data; null without labels (it is the reference). */
  readonly baseline: TreeMetric | null;
  readonly branches: readonly TreeBranchReport[];
  readonly leaves: readonly TreeLeafReport[];
  /** Wall time of the whole run, seconds. */
  readonly seconds: number;
}

/** What the data was: a name (`mnist`, a folder, …) and the preprocessing applied (`x/255`). */
export interface TreeDataDescription {
  readonly name: string;
  readonly preprocess?: string;
  /** Fraction of the user's data held out for the figures (absent: the data's own test part). */
  readonly validationSplit?: number;
}

/**
 * How well a model does, as the engine's evaluation sums it up: top-1 `accuracy` against labels;
 * without labels, top-1 `agreement` with the float baseline (classifiers) or the lowest per-output
 * `sqnrDb` (other heads). `accuracy` and `agreement` are fractions in [0, 1]; `sqnrDb` is in dB.
 */
export interface TreeMetric {
  readonly kind: 'accuracy' | 'agreement' | 'sqnrDb';
  readonly value: number;
  /** Samples the value was measured on. */
  readonly samples: number;
  /** Who computed it: the engine on the float IR, the engine's int8 simulation, or a runtime on the written file. */
  readonly source: 'float' | 'int8-simulation' | 'runtime';
}

/** Why a branch or leaf did not produce its model. */
export interface TreeFailure {
  /** Stable error code (a CollaboptError code, or UNEXPECTED). */
  readonly code: string;
  readonly message: string;
  /** Node the error names, when it names one. */
  readonly node?: string;
}

/**
 * - `ok`: built (and for leaves, written and measured);
 * - `failed`: its pipeline or writer threw (see `error`); the other branches and leaves went on;
 * - `skipped`: its parent branch failed;
 * - `unavailable`: a pass it needs is not registered.
 */
export type TreeStatus = 'ok' | 'failed' | 'skipped' | 'unavailable';

export interface TreeBranchReport {
  readonly id: string;
  readonly label: string;
  readonly from: string | null;
  readonly pipeline: string | null;
  readonly status: TreeStatus;
  readonly error?: TreeFailure;
  /** Float quality of the branch's model. */
  readonly metric?: TreeMetric;
  readonly kernels?: KernelFigures;
  /** Contract warnings of its pipeline (dropped annotations). */
  readonly warnings: readonly string[];
  readonly seconds: number;
  /** Where `seconds` went (built branches only). */
  readonly phases?: TreePhaseSeconds;
}

/**
 * Where a branch's or leaf's wall time went, seconds: each pass of its pipeline (training passes
 * include their fine-tuning and k-means; ptq its calibration), then the measurement on the test
 * data, writing the files and the caller's runtime check (leaves).
 */
export interface TreePhaseSeconds {
  readonly passes: readonly { readonly pass: string; readonly seconds: number }[];
  readonly evaluate: number;
  readonly write?: number;
  readonly check?: number;
}

/** One file a leaf's writer produced; `path` is relative to the output folder. */
export interface TreeFileReport {
  readonly path: string;
  readonly bytes: number;
}

export interface TreeLeafReport {
  readonly id: string;
  readonly label: string;
  readonly from: string;
  readonly pipeline: string;
  readonly status: TreeStatus;
  readonly error?: TreeFailure;
  /** Quality of the quantized model in the engine's int8 simulation. */
  readonly metric?: TreeMetric;
  /** Quality of the written file run by a real runtime, when the caller gave one. */
  readonly runtimeMetric?: TreeMetric;
  /** Kernel sparsity and distinct int8 codes, as stored in the file. */
  readonly kernels?: KernelFigures;
  readonly files: readonly TreeFileReport[];
  /** Total bytes of the written files. */
  readonly bytes?: number;
  /** Deflated (zlib) size of the written files, what a compressor would make of them. */
  readonly deflatedBytes?: number;
  readonly warnings: readonly string[];
  readonly seconds: number;
  /** Where `seconds` went (built leaves only). */
  readonly phases?: TreePhaseSeconds;
}
