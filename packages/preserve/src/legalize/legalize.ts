import {
  UnsupportedError,
  defaultOpRegistry,
  type FormatDefinition,
  type FormatRequirements,
  type Graph,
  type Node,
  type OpRegistry,
} from '@collabopt/core';
import { foldBatchNorm, whyBatchNormNotFoldable } from '@collabopt/quantization';
import { splitFusedActivation, splitSeparableConv } from './rewrites';

/** One rewrite legalization made, said to the user. */
export interface LegalizationStep {
  readonly rewrite: 'foldBatchNorm' | 'splitActivation' | 'splitSeparableConv';
  readonly node: string;
  readonly detail: string;
}

/** Something no rewrite can fix: the final file could not be written. */
export interface LegalizationProblem {
  readonly node: string;
  readonly reason: string;
  readonly fix: string;
}

export interface LegalizationTarget {
  /** The output format; its `requirements` say what legalization must rewrite. */
  readonly format: FormatDefinition;
  /** Whether the written model will be integer-quantized. */
  readonly quantized: boolean;
  /**
   * Whether a pass of the pipeline folds BatchNorms itself (ptq, qat and its variants): then
   * BatchNorms are only checked here, and folded by that pass after training.
   */
  readonly pipelineFoldsBatchNorm?: boolean;
}

export interface LegalizationResult {
  readonly steps: readonly LegalizationStep[];
  readonly problems: readonly LegalizationProblem[];
}

function fusedActivation(node: Node, registry: OpRegistry): string | undefined {
  if (node.op === 'Activation' || !registry.has(node.op)) return undefined;
  const def = registry.get(node.op);
  if (def.attrs['activation'] === undefined) return undefined;
  const a = registry.resolveAttrs(node)['activation'];
  return typeof a === 'string' && a !== 'linear' ? a : undefined;
}

/**
 * Rewrite `graph` in place so that a file of `target` can hold it, before any pass runs:
 * split fused activations the format cannot fuse, split SeparableConv2D where its intermediate
 * needs a range, and fold BatchNorm (or, when the pipeline folds them itself, check that it
 * will be able to). Rewrites that cannot be made are returned as problems with a fix.
 */
export function legalize(
  graph: Graph,
  target: LegalizationTarget,
  registry: OpRegistry = defaultOpRegistry,
): LegalizationResult {
  const needs: FormatRequirements =
    target.format.requirements?.({ quantized: target.quantized }) ?? {};
  const formatName = target.format.name;
  const kind = target.quantized ? 'integer' : 'float';
  const steps: LegalizationStep[] = [];
  const problems: LegalizationProblem[] = [];
  if (needs.splitSeparableConv) {
    for (const node of graph.topologicalOrder().filter((n) => n.op === 'SeparableConv2D')) {
      const { depthwise } = splitSeparableConv(graph, node, registry);
      steps.push({
        rewrite: 'splitSeparableConv',
        node: node.name,
        detail: `SeparableConv2D "${node.name}" → DepthwiseConv2D "${depthwise.name}" + 1×1 Conv2D "${node.name}" (${formatName} ${kind} needs a range for the intermediate)`,
      });
    }
  }
  if (needs.fusableActivations) {
    const fusable = new Set(needs.fusableActivations);
    for (const node of graph.topologicalOrder()) {
      const act = fusedActivation(node, registry);
      if (act === undefined || fusable.has(act)) continue;
      const split = splitFusedActivation(graph, node);
      steps.push({
        rewrite: 'splitActivation',
        node: node.name,
        detail: `${act} split out of ${node.op} "${node.name}" into Activation "${split.name}" (${formatName} cannot fuse it in an integer model)`,
      });
    }
  }
  if (needs.foldBatchNorm) {
    const batchNorms = graph.nodes.filter((n) => n.op === 'BatchNorm');
    for (const bn of batchNorms) {
      const reason = whyBatchNormNotFoldable(graph, bn, registry);
      if (reason !== undefined)
        problems.push({
          node: bn.name,
          reason: `${formatName} ${kind} needs every BatchNorm folded and this one cannot be: ${reason}`,
          fix: `write another format (e.g. .onnx or .json), or change the model so the BatchNorm directly follows a Conv2D/DepthwiseConv2D/Dense without activation`,
        });
    }
    if (!target.pipelineFoldsBatchNorm && problems.length === 0 && batchNorms.length > 0) {
      for (const f of foldBatchNorm(graph, registry).folded)
        steps.push({
          rewrite: 'foldBatchNorm',
          node: f.batchNorm,
          detail: `BatchNorm "${f.batchNorm}" folded into "${f.into}" (${formatName} ${kind} needs BatchNorms folded)`,
        });
    } else if (target.pipelineFoldsBatchNorm && problems.length === 0 && batchNorms.length > 0) {
      steps.push({
        rewrite: 'foldBatchNorm',
        node: batchNorms.map((b) => b.name).join(', '),
        detail: `${batchNorms.length} BatchNorm(s) will be folded by the quantization pass (checked foldable)`,
      });
    }
  }
  return { steps, problems };
}

/** The typed error for legalization problems: every node, reason and fix. */
export function legalizationError(
  problems: readonly LegalizationProblem[],
  file: string,
): UnsupportedError {
  const lines = problems.map((p) => `  node "${p.node}": ${p.reason}; fix: ${p.fix}`);
  return new UnsupportedError(
    `the output cannot be written:\n${lines.join('\n')}`,
    { file, ...(problems[0] ? { node: problems[0].node } : {}) },
    'OUTPUT_NOT_WRITABLE',
  );
}
