import {
  createConsoleLogger,
  graphFloatLayers,
  graphQuantizationMode,
  defaultOpRegistry,
  type Logger,
  throwIfCancelled,
  verifyGraph,
  type Graph,
  type OpRegistry,
} from '@collabopt/core';
import { unsupportedFeature, unsupportedNode } from '../errors';
import { BuiltinOptionsType } from '../schema/builtin-options';
import { BuiltinOperator as Op, TensorType } from '../schema/enums';
import { serializeModel } from '../schema/tables/model';
import { ExportContext } from './context';
import { EXPORT_MODES, hasFloatIo, isExportMode, type ExportMode } from './export-mode';
import { tfliteExportableOps, tfliteNodeExporter } from '../op-mappings';

export interface TfliteWriteOptions {
  /**
   * File kind; default: `graph.metadata.quantization.mode` (docs/quantization-contract.md), else
   * float32. An explicit `float16` stores every float weight as float16 even without annotations.
   */
  readonly mode?: ExportMode;
  /** Store pruned weights with TFLite SparsityParameters (+ DENSIFY) when smaller. Default false. */
  readonly sparse?: boolean;
  readonly registry?: OpRegistry;
  /** Receives fallback warnings (e.g. 4-bit weights written as int8); default: stderr. */
  readonly logger?: Pick<Logger, 'warn'>;
  /** Written to Model.description. */
  readonly description?: string;
  readonly signal?: AbortSignal;
}

/** Resolve which kind of file to write. */
export function resolveExportMode(graph: Graph, requested?: ExportMode): ExportMode {
  if (requested !== undefined) {
    if (!isExportMode(requested))
      throw unsupportedFeature(`unknown TFLite export mode "${String(requested)}"`);
    return requested;
  }
  const m = graphQuantizationMode(graph.metadata);
  if (m === undefined) return 'float32';
  if (!isExportMode(m))
    throw unsupportedFeature(
      `quantization mode "${m}" cannot be written as TFLite by this exporter (supported: ${EXPORT_MODES.join(', ')})`,
    );
  return m;
}

/**
 * Write a graph as a TFLite flatbuffer ("TFL3", schema 3). The input graph is not modified.
 * Throws typed errors for ops, activations or annotations the file kind cannot represent.
 */
export function writeTflite(input: Graph, options: TfliteWriteOptions = {}): Uint8Array {
  const registry = options.registry ?? defaultOpRegistry;
  const mode = resolveExportMode(input, options.mode);
  const graph = input.clone();
  verifyGraph(graph, { registry });
  for (const node of graph.nodes) {
    node.attrs = registry.resolveAttrs(node);
    // Per-channel quantization without explicit axes runs along the slot's channel axes.
    for (const [slot, w] of Object.entries(node.weights)) {
      const q = w.annotations.quant;
      if (q && q.scale.length > 1 && q.channelAxes === undefined) {
        const axes = registry.slot(node, slot)?.capabilities.channelAxes;
        if (axes) w.annotations.quant = { ...q, channelAxes: [...axes] };
      }
    }
  }

  const ctx = new ExportContext(graph, {
    mode,
    sparse: options.sparse === true,
    allFloat16: options.mode === 'float16',
    warn: (message) => (options.logger ?? createConsoleLogger('warn')).warn(message),
    floatLayers: graphFloatLayers(graph.metadata),
  });
  const inputs: number[] = [];
  for (const v of graph.inputs) {
    const shape = ctx.shapeOf(v);
    // An input only float layers read (no quant annotation) stays float.
    const floatInput = ctx.settings.floatLayers.size > 0 && v.annotations.quant === undefined;
    if (hasFloatIo(mode) && !floatInput) {
      const f = ctx.b.addTensor({ name: v.name, type: TensorType.FLOAT32, shape });
      const q = ctx.b.addTensor({
        name: `${v.name}_${ctx.int16Activations ? 'int16' : 'int8'}`,
        type: ctx.activationType,
        shape,
        quantization: ctx.activationQuant(v),
      });
      ctx.addOp(Op.QUANTIZE, [f], [q], BuiltinOptionsType.QuantizeOptions, {}, { kind: 'int8' });
      inputs.push(f);
      ctx.bind(v, q);
    } else {
      const t = floatInput
        ? ctx.b.addTensor({ name: v.name, type: TensorType.FLOAT32, shape })
        : ctx.outputTensor(v);
      inputs.push(t);
      ctx.bind(v, t);
    }
  }
  for (const node of graph.topologicalOrder()) {
    throwIfCancelled(options.signal);
    if (node.op === 'Input') continue;
    if (node.op === 'BatchNorm') {
      throw unsupportedNode(
        node.name,
        node.op,
        'TFLite has no batch-norm kernel; fold it into the preceding layer first (foldBatchNorm pass)',
      );
    }
    const exporter = tfliteNodeExporter(node.op);
    if (!exporter) {
      throw unsupportedNode(
        node.name,
        node.op,
        `no TFLite mapping (supported: ${tfliteExportableOps().join(', ')}); register one with registerTfliteOp("${node.op}", { export })`,
      );
    }
    ctx.currentNode = node;
    exporter(node, ctx);
    ctx.quantizeFloatOutputs(node);
    ctx.currentNode = undefined;
  }
  const outputs = graph.outputs.map((v) => {
    const t = ctx.boundTensor(v);
    if (!hasFloatIo(mode) || ctx.b.tensor(t).type === TensorType.FLOAT32) return t;
    const f = ctx.b.addTensor({ name: v.name, type: TensorType.FLOAT32, shape: ctx.shapeOf(v) });
    ctx.addOp(Op.DEQUANTIZE, [t], [f], 0, undefined, {
      kind: 'float',
      inputType: ctx.int16Activations ? 'int16' : 'int8',
    });
    return f;
  });
  const model = ctx.b.build(
    inputs,
    outputs,
    graph.name,
    options.description ?? `collabopt ${mode}`,
  );
  return serializeModel(model);
}
