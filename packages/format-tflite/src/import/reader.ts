import { FormatError, isCollaboptError, type Graph, type OpRegistry } from '@collabopt/core';
import { invalid, unsupportedOperator } from '../errors';
import { TensorType } from '../schema/enums';
import { parseModel } from '../schema/tables/model';
import { ImportContext } from './context';
import { tfliteOperatorImporter } from '../op-mappings';

export interface TfliteReadOptions {
  /** File name for error messages. */
  readonly file?: string;
  readonly registry?: OpRegistry;
  /** Keep int8/float16 parameters as `quant` annotations (default true); false gives a plain float graph. */
  readonly keepQuant?: boolean;
  /** Graph name (default: the subgraph name, else "model"). */
  readonly name?: string;
}

/**
 * Read a TFLite flatbuffer into the IR (subgraph 0). Float16 and int8 constants are dequantized;
 * with `keepQuant` their parameters stay as annotations and `graph.metadata.quantization.mode`
 * says what kind of file it was. Every problem is a typed error: truncated or corrupt bytes
 * (`TFLITE_TRUNCATED`/`TFLITE_INVALID`), wrong identifier (`TFLITE_BAD_IDENTIFIER`), unmapped
 * operators (`TFLITE_UNSUPPORTED_OP`, naming the op and its index), inconsistent shapes (`SHAPE_MISMATCH`).
 */
export function readTflite(bytes: Uint8Array, options: TfliteReadOptions = {}): Graph {
  try {
    return readUnchecked(bytes, options);
  } catch (e) {
    if (isCollaboptError(e)) throw e;
    // Defence in depth: an unexpected JS error still surfaces as a typed, located error.
    throw new FormatError(
      `could not read TFLite model: ${e instanceof Error ? e.message : String(e)}`,
      options.file !== undefined ? { file: options.file } : {},
      'TFLITE_INTERNAL',
    );
  }
}

function readUnchecked(bytes: Uint8Array, options: TfliteReadOptions): Graph {
  const file = options.file;
  const model = parseModel(bytes, file);
  if (model.subgraphs.length === 0) throw invalid('the model has no subgraph', undefined, file);
  const sg = model.subgraphs[0]!;
  const ctx = new ImportContext(
    model,
    {
      ...(file !== undefined ? { file } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      keepQuant: options.keepQuant !== false,
    },
    options.name ?? (sg.name || 'model'),
  );
  if (sg.inputs.length === 0) throw invalid('subgraph 0 has no inputs', undefined, file);
  if (sg.outputs.length === 0) throw invalid('subgraph 0 has no outputs', undefined, file);
  for (const index of sg.inputs) {
    const t = ctx.tensor(index);
    if (
      t.type !== TensorType.FLOAT32 &&
      t.type !== TensorType.INT8 &&
      t.type !== TensorType.UINT8
    ) {
      throw unsupportedOperator(
        'input',
        -1,
        `model input "${t.name}" has tensor type ${t.type}; float32, int8 and uint8 inputs are supported`,
        file,
      );
    }
    const shape = t.shape.map((d, i) => (i === 0 ? -1 : d));
    const v = ctx.graph.addInput(ctx.graph.uniqueName(t.name || `input_${index}`), shape);
    ctx.bind(index, v);
    ctx.annotateActivation(v, index);
    if (t.type !== TensorType.FLOAT32) ctx.findings.int8Io = true;
  }
  sg.operators.forEach((op, i) => {
    ctx.begin(op, i);
    const code = model.operatorCodes[op.opcodeIndex]!;
    const importer = tfliteOperatorImporter(code);
    if (!importer)
      throw unsupportedOperator(ctx.opName, i, 'no IR mapping for this operator', file);
    for (const t of [...op.inputs, ...op.outputs]) if (t >= 0) ctx.tensor(t);
    importer(op, ctx);
  });
  ctx.opIndex = -1;
  const outputs = sg.outputs.map((index) => {
    const t = ctx.tensor(index);
    if (!ctx.hasValue(index))
      throw invalid(
        `model output "${t.name}" (tensor ${index}) is never written by an operator`,
        undefined,
        file,
      );
    return ctx.value(index);
  });
  const graph = ctx.builder.build(outputs);
  const f = ctx.findings;
  const mode = f.int16Activations
    ? 'int16x8'
    : f.int8Activations
      ? f.int8Io
        ? 'int8-io'
        : 'int8'
      : f.int8Weights
        ? 'dynamic'
        : f.float16Weights
          ? 'float16'
          : undefined;
  graph.metadata['source'] = {
    format: 'tflite',
    ...(file !== undefined ? { file } : {}),
    ...(model.description ? { description: model.description } : {}),
  };
  if (mode && options.keepQuant !== false) graph.metadata['quantization'] = { mode };
  return graph;
}
