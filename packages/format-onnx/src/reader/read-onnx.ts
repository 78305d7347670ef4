import {
  CollaboptError,
  type ErrorLocation,
  FormatError,
  Graph,
  type OpRegistry,
  type Tensor,
  UnsupportedError,
  defaultOpRegistry,
  throwIfCancelled,
  verifyGraph,
} from '@collabopt/core';
import { NCHW_TO_NHWC, permuteShape } from '../layout';
import { decodeModel } from '../proto/codec';
import { tensorProtoConst } from './tensor-proto-const';
import { type ModelProto, ONNX_DTYPE, toNumber } from '../proto/types';
import { type Entry, type ImportContext, MAX_SAMPLE_ELEMENTS } from './context';
import { loadExternalTensorBytes, type RelatedReader } from './external-data';
import { FoldBudget, constFromTensor } from './fold';
import { importNode } from './import-node';
import { NodeReader, sameInts } from './node-reader';
import { staticInputShape } from './input-shape';
import { rewritePatterns } from './patterns';
import { quantizationModeOf } from './quantization-mode';

export interface ReadOnnxOptions {
  registry?: OpRegistry;
  /** Static ONNX-layout shapes for inputs whose non-batch dimensions are dynamic, by input name. */
  inputShapes?: Record<string, readonly number[]>;
  /** Reads (a byte range of) an external data file referenced by the model (path relative to the model). */
  readRelated?: RelatedReader;
  /** Bytes the constants folded while reading may take (default DEFAULT_FOLD_BUDGET_BYTES). */
  foldBudgetBytes?: number;
  /** File name used in error locations. */
  file?: string;
  /** Graph inputs to treat as constants (e.g. weights fed as inputs), by input name. */
  bindInputs?: Record<string, Tensor>;
  /** Fuse Relu/Clip(0,6)/Sigmoid/Tanh/HardSwish into the preceding Conv/Dense (default true). */
  fuseActivations?: boolean;
  signal?: AbortSignal;
}

/** Read ONNX model bytes into a core IR graph (NHWC activations, Keras weight layouts). */
export async function readOnnx(bytes: Uint8Array, options: ReadOnnxOptions = {}): Promise<Graph> {
  const file = options.file;
  const loc = (extra: ErrorLocation = {}): ErrorLocation =>
    file === undefined ? extra : { file, ...extra };
  const model = decodeModel(bytes, file);
  try {
    return await importModel(model, options, loc);
  } catch (e) {
    if (e instanceof CollaboptError) throw e;
    throw new FormatError(
      `invalid ONNX model: ${(e as Error).message}`,
      loc(),
      'ONNX_INVALID_MODEL',
    );
  }
}

export async function importModel(
  model: ModelProto,
  options: ReadOnnxOptions,
  loc: (extra?: ErrorLocation) => ErrorLocation,
): Promise<Graph> {
  const registry = options.registry ?? defaultOpRegistry;
  const gp = model.graph;
  if (!gp) throw new FormatError('ONNX model has no graph', loc(), 'ONNX_INVALID_MODEL');
  const opsetEntry = (model.opsetImport ?? []).find(
    (o) => o.domain === undefined || o.domain === '' || o.domain === 'ai.onnx',
  );
  const opset =
    opsetEntry === undefined ? (model.opsetImport?.length ? 0 : 1) : toNumber(opsetEntry.version);
  if (opset < 6)
    throw new UnsupportedError(
      `ONNX default-domain opset ${opset} is not supported (need ≥ 6)`,
      loc(),
      'ONNX_UNSUPPORTED_OPSET',
    );

  const graph = new Graph(gp.name || 'onnx_model');
  const table = new Map<string, Entry>();
  for (const init of gp.initializer ?? []) {
    const where = loc({ field: init.name ?? '' });
    const ext = await loadExternalTensorBytes(init, options.readRelated, where);
    table.set(init.name ?? '', {
      kind: 'const',
      c: tensorProtoConst(init, where, ext),
    });
  }

  const nodes = rewritePatterns(gp.node ?? [], table);
  // How many times each tensor is read (nodes + graph outputs): fusion needs single readers.
  const uses = new Map<string, number>();
  for (const n of nodes) for (const i of n.input ?? []) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  const graphOutputs = new Set((gp.output ?? []).map((o) => o.name ?? ''));
  for (const o of graphOutputs) uses.set(o, (uses.get(o) ?? 0) + 1);

  const inputNames = new Set((gp.input ?? []).map((vi) => vi.name ?? ''));
  for (const name of Object.keys(options.inputShapes ?? {})) {
    if (!inputNames.has(name))
      throw new FormatError(
        `inputShapes names "${name}", which is not a graph input; the inputs are ${[...inputNames]
          .filter((n) => table.get(n)?.kind !== 'const')
          .map((n) => `"${n}"`)
          .join(', ')}`,
        loc({ field: name }),
        'ONNX_UNKNOWN_INPUT',
      );
  }

  const inputLayouts: Record<string, string> = {};
  for (const vi of gp.input ?? []) {
    const name = vi.name ?? '';
    if (table.has(name)) continue; // IR < 4 lists initializers as inputs
    const bound = options.bindInputs?.[name];
    if (bound !== undefined) {
      table.set(name, { kind: 'const', c: constFromTensor(bound) });
      continue;
    }
    const where = loc({ field: name });
    const tt = vi.type?.tensorType;
    if (!tt)
      throw new UnsupportedError(
        `graph input "${name}" is not a tensor`,
        where,
        'ONNX_UNSUPPORTED_INPUT',
      );
    if (tt.elemType !== ONNX_DTYPE.FLOAT)
      throw new UnsupportedError(
        `graph input "${name}" has element type ${tt.elemType}; only float inputs are supported`,
        where,
        'ONNX_UNSUPPORTED_DTYPE',
      );
    const dims = staticInputShape(name, tt.shape?.dim, options.inputShapes?.[name], where);
    if (dims.slice(1).reduce((p, d) => p * d, 1) > MAX_SAMPLE_ELEMENTS) {
      throw new FormatError(
        `graph input "${name}" has ${dims.slice(1).join('×')} elements per sample, more than supported`,
        where,
        'ONNX_BAD_SHAPE',
      );
    }
    // A rank-4 input read first by Transpose(0,3,1,2) is an NHWC input (our nhwcIo models): keep it plain.
    const readers = nodes.filter((n) => (n.input ?? []).includes(name));
    const nhwcInput =
      dims.length === 4 &&
      readers.length > 0 &&
      readers.every(
        (n) =>
          n.opType === 'Transpose' && sameInts(new NodeReader(n, where).ints('perm'), [0, 3, 1, 2]),
      );
    const layout = dims.length === 4 && !nhwcInput ? 'nchw' : 'plain';
    const irShape = layout === 'nchw' ? permuteShape(dims, NCHW_TO_NHWC) : dims;
    const v = graph.addInput(graph.uniqueName(name), irShape);
    table.set(name, { kind: 'value', v, layout });
    inputLayouts[name] = dims.length === 4 ? (layout === 'nchw' ? 'nchw' : 'nhwc') : 'plain';
  }
  const ctx: ImportContext = {
    graph,
    registry,
    table,
    opset,
    uses,
    graphOutputs,
    loc,
    fuse: options.fuseActivations !== false,
    foldBudget: new FoldBudget(options.foldBudgetBytes),
    constQuant: new WeakMap(),
    qdq: { weights: 0, activations: 0, droppedWeights: 0, clampsAsRelu: [], conflicts: [] },
  };
  for (const n of nodes) {
    if (options.signal) throwIfCancelled(options.signal);
    const where = loc({ node: n.name || (n.output ?? [])[0] || n.opType || '?' });
    importNode(ctx, new NodeReader(n, where));
  }

  const outputLayouts: Record<string, string> = {};
  graph.outputs = (gp.output ?? []).map((o) => {
    const name = o.name ?? '';
    const e = table.get(name);
    const where = loc({ field: name });
    if (e === undefined)
      throw new FormatError(
        `graph output "${name}" is never produced`,
        where,
        'ONNX_INVALID_MODEL',
      );
    if (e.kind === 'const')
      throw new UnsupportedError(
        `graph output "${name}" is a constant`,
        where,
        'ONNX_UNSUPPORTED_OUTPUT',
      );
    if (e.flatPerm)
      throw new UnsupportedError(
        `graph output "${name}" is a flattened NCHW feature map (its element order differs from the IR's NHWC order)`,
        where,
        'ONNX_UNSUPPORTED_OUTPUT',
      );
    outputLayouts[name] =
      e.v.shape?.length === 4 ? (e.layout === 'nchw' ? 'nchw' : 'nhwc') : 'plain';
    return e.v;
  });
  // Drop nodes nothing reads (e.g. the unused mask output of Dropout never becomes a node).
  graph.metadata['onnx'] = {
    opset,
    irVersion: toNumber(model.irVersion),
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    inputLayouts,
    outputLayouts,
    ...(ctx.qdq.weights + ctx.qdq.activations > 0 ? { qdq: ctx.qdq } : {}),
  };
  const mode = quantizationModeOf(graph, ctx.qdq);
  if (mode) graph.metadata['quantization'] = { mode };
  verifyGraph(graph, { registry });
  return graph;
}
