import {
  CollaboptError,
  UnsupportedError,
  checkOutputPlan,
  defaultPassRegistry,
  getIoHost,
  outputFormat,
  parsePipeline,
  type FormatDefinition,
  type Graph,
} from '@collabopt/core';
import { legalize, legalizationError, type LegalizationStep } from './legalize';
import { activationBitsOf, foldBatchNorm, type QuantizationMode } from '@collabopt/quantization';

export interface PreparedOutput {
  readonly format: FormatDefinition;
  readonly steps: readonly LegalizationStep[];
}

/** What a pipeline's result will be: integer activations, and whether a pass folds BatchNorms itself. */
export function pipelineOutcome(pipeline: string | undefined): {
  quantized: boolean;
  foldsBatchNorm: boolean;
} {
  let quantized = false;
  let foldsBatchNorm = false;
  for (const step of pipeline ? parsePipeline(pipeline) : []) {
    const family = defaultPassRegistry.has(step.name)
      ? defaultPassRegistry.get(step.name).family
      : undefined;
    if (step.name === 'ptq') {
      const mode = (step.options['mode'] as QuantizationMode | undefined) ?? 'int8';
      quantized = activationBitsOf(mode) !== undefined;
      foldsBatchNorm = true;
    } else if (family === 'qat' || step.name === 'qat') {
      quantized = true;
      foldsBatchNorm = true;
    } else if (step.name === 'foldBatchNorm') foldsBatchNorm = true;
  }
  return { quantized, foldsBatchNorm };
}

/**
 * Before any pass runs: pick the output format from the real path (or `--format`), check the
 * path (core's checkOutputPlan: folder, inputs), rewrite the graph in place so that format can
 * hold the pipeline's result (and say so), and prove the writer accepts the legalized graph. Throws a typed error naming node, reason and fix.
 */
export async function prepareOutput(
  graph: Graph,
  output: string,
  options: {
    format?: string;
    pipeline?: string;
    /** Dry-run the writer (default true); `convert` writes right away and skips it. */
    probe?: boolean;
  },
): Promise<PreparedOutput> {
  const format = outputFormat(output, options.format ? { format: options.format } : {});
  await checkOutputPlan(output, { graph, ...(options.format ? { format: options.format } : {}) });
  const outcome = pipelineOutcome(options.pipeline);
  const result = legalize(graph, {
    format,
    quantized: outcome.quantized,
    pipelineFoldsBatchNorm: outcome.foldsBatchNorm,
  });
  if (result.problems.length > 0) throw legalizationError(result.problems, output);
  // Dry run of the writer on the float graph the pipeline starts from (BatchNorms folded as the
  // quantizing pass will): unsupported ops and attributes fail now, not after training.
  if (options.probe === false) return { format, steps: result.steps };
  const write = format.write;
  if (write === undefined) return { format, steps: result.steps }; // outputFormat refuses read-only formats
  const probe = graph.clone();
  if (outcome.foldsBatchNorm) foldBatchNorm(probe);
  try {
    await write.call(format, probe, { fileName: getIoHost().basename(output) });
  } catch (e) {
    if (!(e instanceof CollaboptError)) throw e;
    throw new UnsupportedError(
      `${format.name} cannot write this model: ${e.message}; fix: write another format, or change the named layer`,
      { file: output, ...(e.location.node !== undefined ? { node: e.location.node } : {}) },
      'OUTPUT_NOT_WRITABLE',
    );
  }
  return { format, steps: result.steps };
}
