import type { AnnotationKind } from '../annotations/types';
import type { Graph } from '../graph';
import type { Logger } from '../logger';
import type { OpRegistry } from '../op-registry';
import type { ProgressReporter } from '../progress';
import type { AnalysisCache } from './analysis-cache';

/**
 * Everything a pass may use besides the graph. `data` holds data sets by role ('train',
 * 'validation', 'test', 'calibration'); `engine` is the training/execution engine when one is
 * configured. Their types belong to the engine package, which offers typed accessors.
 */
export interface PassContext {
  readonly registry: OpRegistry;
  readonly logger: Logger;
  readonly progress: ProgressReporter;
  readonly seed: number;
  readonly signal?: AbortSignal;
  readonly data: Readonly<Record<string, unknown>>;
  readonly engine?: unknown;
  readonly analyses: AnalysisCache;
  /**
   * The float model before the pipeline, the teacher of distillation: the graph given to the
   * pass manager as `teacher`, else a copy of the pipeline's input taken when one of its passes
   * declares `usesTeacher`. Undefined otherwise.
   */
  readonly teacher?: Graph;
}

export interface PassResult {
  /** A new graph when the pass built one; otherwise the input graph (edited in place) is kept. */
  readonly graph?: Graph;
  /** Whether the graph (structure or weights) changed; invalidates cached analyses. */
  readonly changed: boolean;
  /** Pass-specific figures for reports (per-layer sparsity, accuracy, ...). */
  readonly report?: Readonly<Record<string, unknown>>;
}

/**
 * A graph transformation. A pass keeps every annotation true unless it lists the kind in `drops`;
 * the pass manager verifies this after every run.
 */
export interface Pass {
  readonly name: string;
  /** Pass family for "use X instead" hints (e.g. 'qat' holds qat, pqat, cqat, pcqat). */
  readonly family?: string;
  /** Annotation kinds this pass establishes or keeps (documentation; everything not dropped is checked). */
  readonly preserves?: readonly AnnotationKind[];
  /** Annotation kinds this pass may break; the manager removes them (with a warning) when they no longer hold. */
  readonly drops?: readonly AnnotationKind[];
  /** The pass may distil from the float model: the pass manager then provides `ctx.teacher`. */
  readonly usesTeacher?: boolean;
  run(graph: Graph, ctx: PassContext): PassResult | Promise<PassResult>;
}
