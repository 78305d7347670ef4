import {
  CollaboptError,
  FormatError,
  Graph,
  UnsupportedError,
  defaultOpRegistry,
  inferNode,
  samePadding,
  throwIfCancelled,
  verifyGraph,
  type Attributes,
  type ErrorLocation,
  type OpRegistry,
  type Tensor,
  type Value,
} from '@collabopt/core';
import {
  NCHW_TO_NHWC,
  nchwAxisToNhwc,
  nchwToNhwcFlatIndex,
  oihwToConvKernel,
  oihwToDepthwiseKernel,
  onnxToDeconvKernel,
  permuteRows,
  permuteShape,
} from '../layout';
import { decodeModel } from '../proto/codec';
import { fromTensorProto } from '../proto/tensor-proto';
import {
  ONNX_DTYPE,
  toNumber,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
} from '../proto/types';
import {
  binaryConst,
  broadcast,
  concatConst,
  constFromTensor,
  constToFloat32,
  gatherConst,
  makeConst,
  normAxis,
  resolveReshape,
  sizeOfShape,
  sliceConst,
  FoldBudget,
  type Const,
} from './fold';
import { loadExternalTensorBytes, type RelatedReader } from './external-data';
import { rewritePatterns } from './patterns';

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

/** Where ONNX's view of a value differs from the IR's. */
interface Sym {
  kind: 'value';
  v: Value;
  /** 'nchw': rank-4 value ONNX sees as NCHW while the IR holds NHWC. */
  layout: 'nchw' | 'plain';
  /** Flattened NCHW feature map stored in NHWC order: ONNX feature j is IR feature flatPerm[j]. */
  flatPerm?: Int32Array;
}
type Entry = Sym | { kind: 'const'; c: Const };

const FLT_MAX = 3.4028234663852886e38;
/** Largest per-sample activation accepted (guards corrupt files against absurd shapes). */
const MAX_SAMPLE_ELEMENTS = 2 ** 28;
const FUSABLE_PRODUCERS = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense', 'Conv2DTranspose']);

function attrMap(n: NodeProto): Map<string, AttributeProto> {
  const m = new Map<string, AttributeProto>();
  for (const a of n.attribute ?? []) if (a.name) m.set(a.name, a);
  return m;
}

class NodeReader {
  readonly attrs: Map<string, AttributeProto>;
  constructor(
    readonly node: NodeProto,
    readonly where: ErrorLocation,
  ) {
    this.attrs = attrMap(node);
  }
  int(name: string, def: number): number {
    const a = this.attrs.get(name);
    return a === undefined ? def : toNumber(a.i);
  }
  float(name: string, def: number): number {
    const a = this.attrs.get(name);
    return a === undefined ? def : (a.f ?? 0);
  }
  ints(name: string): number[] | undefined {
    const a = this.attrs.get(name);
    return a === undefined ? undefined : (a.ints ?? []).map(toNumber);
  }
  floats(name: string): number[] | undefined {
    const a = this.attrs.get(name);
    return a === undefined ? undefined : [...(a.floats ?? [])];
  }
  string(name: string, def: string): string {
    const a = this.attrs.get(name);
    return a?.s === undefined ? def : new TextDecoder().decode(a.s);
  }
  fail(message: string, code = 'ONNX_UNSUPPORTED_OP'): never {
    throw new UnsupportedError(`${this.node.opType} node: ${message}`, this.where, code);
  }
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

async function importModel(
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
      c: constOrTensor(fromTensorProto(init, where, ext)),
    });
  }

  const nodes = rewritePatterns(gp.node ?? [], table);
  // How many times each tensor is read (nodes + graph outputs): fusion needs single readers.
  const uses = new Map<string, number>();
  for (const n of nodes) for (const i of n.input ?? []) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  const graphOutputs = new Set((gp.output ?? []).map((o) => o.name ?? ''));
  for (const o of graphOutputs) uses.set(o, (uses.get(o) ?? 0) + 1);

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
    const given = options.inputShapes?.[name];
    const dims = (tt.shape?.dim ?? []).map((d, i) => {
      if (i === 0) return -1;
      const fixed = given?.[i];
      if (fixed !== undefined && fixed > 0) return fixed;
      const v = d.dimValue === undefined ? 0 : toNumber(d.dimValue);
      if (v > 0) return v;
      throw new FormatError(
        `graph input "${name}" has a dynamic dimension ${i} (${d.dimParam || '?'}); pass inputShapes: { "${name}": [...] } with a static shape`,
        where,
        'ONNX_DYNAMIC_SHAPE',
      );
    });
    if (!tt.shape)
      throw new FormatError(
        `graph input "${name}" has no shape; pass inputShapes`,
        where,
        'ONNX_DYNAMIC_SHAPE',
      );
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
  };
  for (const n of nodes) {
    if (options.signal) throwIfCancelled(options.signal);
    const domain = n.domain ?? '';
    const where = loc({ node: n.name || (n.output ?? [])[0] || n.opType || '?' });
    if (domain !== '' && domain !== 'ai.onnx') {
      throw new UnsupportedError(
        `op ${n.opType} of domain "${domain}" is not supported (default-domain opset ${opset})`,
        where,
        'ONNX_UNSUPPORTED_OP',
      );
    }
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
  };
  verifyGraph(graph, { registry });
  return graph;
}

function sameInts(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

function constOrTensor(t: Tensor): Const {
  return constFromTensor(t);
}

interface ImportContext {
  graph: Graph;
  registry: OpRegistry;
  table: Map<string, Entry>;
  opset: number;
  uses: Map<string, number>;
  graphOutputs: Set<string>;
  loc: (extra?: ErrorLocation) => ErrorLocation;
  fuse: boolean;
  foldBudget: FoldBudget;
}

function entry(ctx: ImportContext, r: NodeReader, index: number): Entry | undefined {
  const name = (r.node.input ?? [])[index];
  if (name === undefined || name === '') return undefined;
  const e = ctx.table.get(name);
  if (e === undefined)
    throw new FormatError(
      `${r.node.opType} reads "${name}", which no earlier node produces`,
      r.where,
      'ONNX_INVALID_MODEL',
    );
  return e;
}

function valueIn(ctx: ImportContext, r: NodeReader, index: number): Sym {
  const e = entry(ctx, r, index);
  if (e === undefined) r.fail(`input ${index} is missing`, 'ONNX_INVALID_MODEL');
  if (e.kind !== 'value')
    r.fail(`input ${index} is a constant where a computed tensor is expected`);
  if (e.flatPerm && !['Gemm', 'MatMul'].includes(r.node.opType ?? '')) {
    r.fail(
      'reads a flattened NCHW feature map; only Gemm/MatMul (Dense) may follow a Flatten of a multi-pixel feature map (their kernel rows are re-ordered)',
    );
  }
  return e;
}

function constIn(ctx: ImportContext, r: NodeReader, index: number, what: string): Const {
  const e = entry(ctx, r, index);
  if (e === undefined) r.fail(`${what} (input ${index}) is missing`, 'ONNX_INVALID_MODEL');
  if (e.kind !== 'const')
    r.fail(
      `${what} (input ${index}) must be a constant (initializer or foldable subgraph)`,
      'ONNX_DYNAMIC_SHAPE',
    );
  return e.c;
}

function optConstIn(
  ctx: ImportContext,
  r: NodeReader,
  index: number,
  what: string,
): Const | undefined {
  return entry(ctx, r, index) === undefined ? undefined : constIn(ctx, r, index, what);
}

function outName(r: NodeReader, index = 0): string {
  const o = (r.node.output ?? [])[index];
  if (o === undefined || o === '') r.fail(`output ${index} is missing`, 'ONNX_INVALID_MODEL');
  return o;
}

/** Add an IR node for ONNX node `r`, infer its output shape, and bind its output. */
function emit(
  ctx: ImportContext,
  r: NodeReader,
  op: string,
  inputs: Value[],
  attrs: Attributes,
  weights: Record<string, Tensor>,
  layout: 'nchw' | 'plain',
  suffix = '',
): Value {
  const out = outName(r);
  const base = (r.node.name || out) + suffix;
  const name = ctx.graph.uniqueName(base);
  const valueName = suffix
    ? name
    : ctx.graph.findValue(out) || ctx.graph.findNode(out)
      ? name
      : out;
  const node = ctx.graph.addNode({
    name,
    op,
    inputs,
    attrs,
    weights,
    outputs: [{ name: valueName }],
  });
  try {
    inferNode(node, ctx.registry).forEach((info, i) => {
      node.outputs[i]!.shape = info.shape;
      node.outputs[i]!.dtype = info.dtype;
    });
  } catch (e) {
    ctx.graph.removeNode(node);
    if (e instanceof CollaboptError)
      throw new UnsupportedError(
        `${r.node.opType} node maps to ${op} but ${e.message}`,
        r.where,
        'ONNX_BAD_SHAPE',
      );
    throw e;
  }
  if (!suffix) ctx.table.set(out, { kind: 'value', v: node.output, layout });
  return node.output;
}

function alias(ctx: ImportContext, r: NodeReader, e: Entry): void {
  ctx.table.set(outName(r), e);
}

function spatial(ctx: ImportContext, r: NodeReader, x: Sym): [number, number] {
  if (x.layout !== 'nchw' || x.v.shape?.length !== 4) r.fail('expects a rank-4 NCHW input');
  void ctx;
  return [x.v.shape[1]!, x.v.shape[2]!];
}

/** IR padding for ONNX window padding, or explicit pads [top, left, bottom, right] to apply first. */
function windowPadding(
  r: NodeReader,
  hw: [number, number],
  kernel: number[],
  strides: number[],
  dilations: number[],
): { padding: 'same' | 'valid'; explicit?: number[] } {
  const autoPad = r.string('auto_pad', 'NOTSET');
  let pads = r.ints('pads') ?? [0, 0, 0, 0];
  if (pads.length !== 4)
    r.fail(`pads [${pads.join(', ')}] must have 4 entries`, 'ONNX_BAD_ATTRIBUTE');
  const same = [0, 1].map((i) => samePadding(hw[i]!, kernel[i]!, strides[i]!, dilations[i]!));
  if (autoPad === 'SAME_UPPER') return { padding: 'same' };
  if (autoPad === 'VALID') return { padding: 'valid' };
  if (autoPad === 'SAME_LOWER') pads = [same[0]![1], same[1]![1], same[0]![0], same[1]![0]];
  else if (autoPad !== 'NOTSET')
    r.fail(`auto_pad ${autoPad} is not supported`, 'ONNX_BAD_ATTRIBUTE');
  if (pads.some((p) => p < 0)) r.fail('negative pads are not supported');
  if (pads.every((p) => p === 0)) return { padding: 'valid' };
  if (
    pads[0] === same[0]![0] &&
    pads[2] === same[0]![1] &&
    pads[1] === same[1]![0] &&
    pads[3] === same[1]![1]
  )
    return { padding: 'same' };
  return { padding: 'valid', explicit: pads };
}

function padFirst(ctx: ImportContext, r: NodeReader, x: Sym, pads: number[], value: number): Value {
  return emit(
    ctx,
    r,
    'Pad',
    [x.v],
    {
      padding: [
        [pads[0]!, pads[2]!],
        [pads[1]!, pads[3]!],
      ],
      constantValue: value,
    },
    {},
    'nchw',
    '_pad',
  );
}

function importConv(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const hw = spatial(ctx, r, x);
  const w = constIn(ctx, r, 1, 'weight');
  const b = optConstIn(ctx, r, 2, 'bias');
  if (w.shape.length !== 4) r.fail(`weight must be rank 4 (OIHW), got [${w.shape.join(', ')}]`);
  const [cout, cinPerGroup, kh, kw] = w.shape as [number, number, number, number];
  const kernel = r.ints('kernel_shape') ?? [kh, kw];
  const strides = r.ints('strides') ?? [1, 1];
  const dilations = r.ints('dilations') ?? [1, 1];
  const group = r.int('group', 1);
  const cin = x.v.shape![3]!;
  const { padding, explicit } = windowPadding(r, hw, kernel, strides, dilations);
  const input = explicit ? padFirst(ctx, r, x, explicit, 0) : x.v;
  const common = { kernelSize: [kh, kw], strides, dilations, padding, useBias: b !== undefined };
  const bias: Record<string, Tensor> = b
    ? { bias: constToFloat32({ ...b, shape: [b.values.length] }) }
    : {};
  const wt = constToFloat32(w);
  if (group === 1) {
    if (cinPerGroup !== cin)
      r.fail(`weight has ${cinPerGroup} input channels, input has ${cin}`, 'ONNX_BAD_SHAPE');
    emit(
      ctx,
      r,
      'Conv2D',
      [input],
      { filters: cout, ...common },
      { kernel: oihwToConvKernel(wt), ...bias },
      'nchw',
    );
  } else if (group === cin && cinPerGroup === 1 && cout % cin === 0) {
    emit(
      ctx,
      r,
      'DepthwiseConv2D',
      [input],
      { depthMultiplier: cout / cin, ...common },
      { kernel: oihwToDepthwiseKernel(wt, cin), ...bias },
      'nchw',
    );
  } else {
    r.fail(
      `grouped convolution with group ${group} (input channels ${cin}) is not supported; only group 1 and depthwise`,
    );
  }
}

function importConvTranspose(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const hw = spatial(ctx, r, x);
  const w = constIn(ctx, r, 1, 'weight');
  const b = optConstIn(ctx, r, 2, 'bias');
  if (w.shape.length !== 4) r.fail('weight must be rank 4');
  if (r.int('group', 1) !== 1) r.fail('grouped ConvTranspose is not supported');
  const [cin, cout, kh, kw] = w.shape as [number, number, number, number];
  if (cin !== x.v.shape![3])
    r.fail(`weight has ${cin} input channels, input has ${x.v.shape![3]}`, 'ONNX_BAD_SHAPE');
  const strides = r.ints('strides') ?? [1, 1];
  const dilations = r.ints('dilations') ?? [1, 1];
  const pads = r.ints('pads') ?? [0, 0, 0, 0];
  const outPad = r.ints('output_padding') ?? [0, 0];
  const autoPad = r.string('auto_pad', 'NOTSET');
  const outSize = [0, 1].map(
    (i) =>
      strides[i]! * (hw[i]! - 1) +
      outPad[i]! +
      (([kh, kw][i]! - 1) * dilations[i]! + 1) -
      pads[i]! -
      pads[i + 2]!,
  );
  const explicitShape = r.ints('output_shape');
  let padding: 'same' | 'valid' | undefined;
  const valid = [0, 1].map(
    (i) => hw[i]! * strides[i]! + Math.max(([kh, kw][i]! - 1) * dilations[i]! + 1 - strides[i]!, 0),
  );
  const same = [0, 1].map((i) => hw[i]! * strides[i]!);
  if (autoPad === 'SAME_UPPER' || (explicitShape && sameInts(explicitShape.slice(-2), same)))
    padding = 'same';
  else if (autoPad === 'NOTSET' && !explicitShape) {
    const samePads = [0, 1].map((i) => {
      const total = Math.max(([kh, kw][i]! - 1) * dilations[i]! + 1 - strides[i]!, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
    if (sameInts(outSize, valid) && pads.every((p) => p === 0)) padding = 'valid';
    else if (
      sameInts(outSize, same) &&
      pads[0] === samePads[0]![0] &&
      pads[2] === samePads[0]![1] &&
      pads[1] === samePads[1]![0] &&
      pads[3] === samePads[1]![1]
    )
      padding = 'same';
  }
  if (padding === undefined)
    r.fail(
      'pads/output_padding/output_shape do not match a Keras "same" or "valid" transposed convolution',
    );
  const bias: Record<string, Tensor> = b
    ? { bias: constToFloat32({ ...b, shape: [b.values.length] }) }
    : {};
  emit(
    ctx,
    r,
    'Conv2DTranspose',
    [x.v],
    { filters: cout, kernelSize: [kh, kw], strides, dilations, padding, useBias: b !== undefined },
    { kernel: onnxToDeconvKernel(constToFloat32(w)), ...bias },
    'nchw',
  );
}

function importPool(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const hw = spatial(ctx, r, x);
  const kernel = r.ints('kernel_shape');
  if (kernel === undefined || kernel.length !== 2)
    r.fail('kernel_shape must have 2 entries', 'ONNX_BAD_ATTRIBUTE');
  const strides = r.ints('strides') ?? [1, 1];
  const dilations = r.ints('dilations') ?? [1, 1];
  if (dilations.some((d) => d !== 1)) r.fail('dilated pooling is not supported');
  const isMax = r.node.opType === 'MaxPool';
  if ((r.node.output ?? []).length > 1 && (r.node.output ?? [])[1])
    r.fail('the Indices output of MaxPool is not supported');
  let { padding, explicit } = windowPadding(r, hw, kernel, strides, [1, 1]);
  if (r.int('ceil_mode', 0) === 1) {
    const p = explicit ?? (padding === 'same' ? [0, 1].flatMap(() => [0, 0]) : [0, 0, 0, 0]);
    if (padding === 'valid') {
      const extra = [0, 1].map((i) => {
        const len = hw[i]! + p[i]! + p[i + 2]! - kernel[i]!;
        return Math.ceil(len / strides[i]!) !== Math.floor(len / strides[i]!)
          ? strides[i]! - (len % strides[i]!)
          : 0;
      });
      if (extra.some((e) => e > 0)) {
        if (!isMax) r.fail('ceil_mode with a partial last window is only supported for MaxPool');
        explicit = [p[0]!, p[1]!, p[2]! + extra[0]!, p[3]! + extra[1]!];
      }
    }
  }
  let input = x.v;
  if (explicit) {
    if (!isMax && r.int('count_include_pad', 0) !== 1)
      r.fail('asymmetric pads with count_include_pad = 0 cannot be expressed as Keras padding');
    input = padFirst(ctx, r, x, explicit, isMax ? -FLT_MAX : 0);
    padding = 'valid';
  } else if (!isMax && padding === 'same' && r.int('count_include_pad', 0) === 1) {
    r.fail('count_include_pad = 1 with same padding is not supported');
  }
  emit(
    ctx,
    r,
    isMax ? 'MaxPool2D' : 'AvgPool2D',
    [input],
    { poolSize: kernel, strides, padding },
    {},
    'nchw',
  );
}

const SIMPLE_ACTIVATIONS: Record<string, string> = {
  Relu: 'relu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  HardSwish: 'hard_swish',
  Softplus: 'softplus',
};
const FUSABLE = new Set(['relu', 'relu6', 'sigmoid', 'tanh', 'hard_swish']);

function importActivation(
  ctx: ImportContext,
  r: NodeReader,
  kind: string,
  alpha?: number,
  beta?: number,
): void {
  const x = valueIn(ctx, r, 0);
  const inName = (r.node.input ?? [])[0]!;
  const producer = x.v.producer;
  if (
    ctx.fuse &&
    FUSABLE.has(kind) &&
    alpha === undefined &&
    FUSABLE_PRODUCERS.has(producer.op) &&
    (producer.attrs['activation'] ?? 'linear') === 'linear' &&
    ctx.uses.get(inName) === 1 &&
    !ctx.graphOutputs.has(inName)
  ) {
    producer.attrs['activation'] = kind;
    alias(ctx, r, x);
    return;
  }
  const attrs: Attributes = { activation: kind };
  if (alpha !== undefined) attrs['alpha'] = alpha;
  if (beta !== undefined) attrs['beta'] = beta;
  emit(ctx, r, 'Activation', [x.v], attrs, {}, x.layout);
}

function importClip(ctx: ImportContext, r: NodeReader): void {
  let lo: number;
  let hi: number;
  if (ctx.opset < 11) {
    lo = r.float('min', -Infinity);
    hi = r.float('max', Infinity);
  } else {
    lo = optConstIn(ctx, r, 1, 'min')?.values[0] ?? -Infinity;
    hi = optConstIn(ctx, r, 2, 'max')?.values[0] ?? Infinity;
  }
  if (lo === 0 && hi === 6) return importActivation(ctx, r, 'relu6');
  if (lo === 0 && (hi === Infinity || hi >= FLT_MAX)) return importActivation(ctx, r, 'relu');
  r.fail(`Clip(${lo}, ${hi}) has no IR equivalent (only Clip(0, 6) → relu6 and Clip(0, ∞) → relu)`);
}

/** Per-channel vector of a constant broadcast against a value (scalar, [C], [C,1,1], [1,C,1,1], …). */
function channelVector(r: NodeReader, c: Const, x: Sym): Float64Array {
  const shape = x.v.shape!;
  const rank = shape.length;
  const channels = shape[rank - 1]!;
  const onnxShape = x.layout === 'nchw' ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : [...shape];
  const chAxis = x.layout === 'nchw' ? 1 : rank - 1;
  if (c.shape.length > rank)
    r.fail(`constant of shape [${c.shape.join(', ')}] does not broadcast per channel`);
  const aligned = [...new Array<number>(rank - c.shape.length).fill(1), ...c.shape];
  aligned.forEach((d, i) => {
    if (d !== 1 && (i !== chAxis || d !== onnxShape[i])) {
      r.fail(
        `constant of shape [${c.shape.join(', ')}] is not a scalar or per-channel vector for input [${onnxShape.join(', ')}]`,
      );
    }
  });
  const out = new Float64Array(channels);
  const per = aligned[chAxis] !== 1;
  for (let i = 0; i < channels; i++) out[i] = c.values[per ? i : 0]!;
  return out;
}

function importBinary(ctx: ImportContext, r: NodeReader): void {
  const op = r.node.opType!;
  if (ctx.opset < 7 && r.int('broadcast', 0) === 1)
    r.fail('opset < 7 broadcasting with the broadcast/axis attributes is not supported');
  const a = entry(ctx, r, 0);
  const b = entry(ctx, r, 1);
  if (a === undefined || b === undefined) r.fail('needs two inputs', 'ONNX_INVALID_MODEL');
  if (a.kind === 'const' && b.kind === 'const') {
    // both operands are broadcast to the output shape, then combined: three arrays of that size
    const n = sizeOfShape(broadcast(a.c.shape, b.c.shape, r.where), r.where);
    ctx.foldBudget.charge(3 * n, r.where);
    ctx.table.set(outName(r), { kind: 'const', c: binaryConst(op, a.c, b.c, r.where) });
    return;
  }
  if (a.kind === 'value' && b.kind === 'value') {
    if (op === 'Div') r.fail('division of two computed tensors has no IR op');
    const x = valueIn(ctx, r, 0);
    const y = valueIn(ctx, r, 1);
    const rx = x.v.shape!.length;
    const ry = y.v.shape!.length;
    if (rx !== ry)
      r.fail(
        'broadcasting between computed tensors of different rank is not supported (dimension 0 is the batch in the IR)',
      );
    if (rx === ry && x.layout !== y.layout) r.fail('inputs have different layouts (NCHW and NHWC)');
    emit(ctx, r, op, [x.v, y.v], {}, {}, x.layout);
    return;
  }
  const constFirst = a.kind === 'const';
  const c = (constFirst ? a : b) as { kind: 'const'; c: Const };
  const x = valueIn(ctx, r, constFirst ? 1 : 0);
  const xName = (r.node.input ?? [])[constFirst ? 1 : 0]!;
  // MatMul → Add(bias): fold the bias into the Dense.
  const producer = x.v.producer;
  if (
    op === 'Add' &&
    producer.op === 'Dense' &&
    producer.attrs['useBias'] === false &&
    ctx.uses.get(xName) === 1 &&
    !ctx.graphOutputs.has(xName) &&
    (producer.attrs['activation'] ?? 'linear') === 'linear'
  ) {
    const units = producer.attrs['units'] as number;
    if (c.c.values.length === units || c.c.values.length === 1) {
      const bias = new Float32Array(units).map(
        (_, i) => c.c.values[c.c.values.length === 1 ? 0 : i]!,
      );
      producer.attrs['useBias'] = true;
      producer.weights['bias'] = {
        tensor: { dtype: 'float32', shape: [units], data: bias },
        annotations: {},
      };
      alias(ctx, r, x);
      return;
    }
  }
  if (op === 'Div' && constFirst) r.fail('dividing a constant by a computed tensor has no IR op');
  const vec = channelVector(r, c.c, x);
  const n = vec.length;
  const gamma = new Float32Array(n).fill(1);
  const beta = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = vec[i]!;
    if (op === 'Add') beta[i] = k;
    else if (op === 'Sub') {
      if (constFirst) {
        gamma[i] = -1;
        beta[i] = k;
      } else beta[i] = -k;
    } else if (op === 'Mul') gamma[i] = k;
    else gamma[i] = 1 / k;
  }
  // Element-wise affine with a constant: an exact BatchNorm (mean 0, variance 1, epsilon 0).
  emit(
    ctx,
    r,
    'BatchNorm',
    [x.v],
    { axis: -1, epsilon: 0 },
    {
      gamma: { dtype: 'float32', shape: [n], data: gamma },
      beta: { dtype: 'float32', shape: [n], data: beta },
      movingMean: { dtype: 'float32', shape: [n], data: new Float32Array(n) },
      movingVariance: { dtype: 'float32', shape: [n], data: new Float32Array(n).fill(1) },
    },
    x.layout,
  );
}

function importGemm(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  if (x.v.shape!.length !== 2) r.fail(`input A must be rank 2, got rank ${x.v.shape!.length}`);
  if (r.int('transA', 0) !== 0) r.fail('transA = 1 is not supported');
  const bConst = constIn(ctx, r, 1, 'B');
  const c = optConstIn(ctx, r, 2, 'C');
  const alpha = r.float('alpha', 1);
  const beta = r.float('beta', 1);
  if (bConst.shape.length !== 2) r.fail('B must be rank 2');
  let kernel = constToFloat32(bConst);
  if (r.int('transB', 0) === 1)
    kernel = {
      dtype: 'float32',
      shape: [bConst.shape[1]!, bConst.shape[0]!],
      data: transpose2d(kernel.data, bConst.shape[0]!, bConst.shape[1]!),
    };
  if (alpha !== 1) kernel = { ...kernel, data: kernel.data.map((v) => v * alpha) };
  denseFrom(ctx, r, x, kernel, c ? { c, beta } : undefined);
}

function transpose2d(d: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(d.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) out[j * rows + i] = d[i * cols + j]!;
  return out;
}

function denseFrom(
  ctx: ImportContext,
  r: NodeReader,
  x: Sym,
  kernel: Tensor<'float32'>,
  bias: { c: Const; beta: number } | undefined,
): void {
  const [inF, units] = kernel.shape as [number, number];
  const xs = x.v.shape!;
  if (xs[xs.length - 1] !== inF)
    r.fail(`weight has ${inF} rows, input has ${xs[xs.length - 1]} features`, 'ONNX_BAD_SHAPE');
  // IR row map[j] holds ONNX row j when the input is a flattened NCHW map stored in NHWC order.
  const k = x.flatPerm ? (permuteRows(kernel, x.flatPerm, true) as Tensor<'float32'>) : kernel;
  const weights: Record<string, Tensor> = { kernel: k };
  if (bias) {
    const n = bias.c.values.length;
    if (n !== units && n !== 1) r.fail(`bias has ${n} values for ${units} units`, 'ONNX_BAD_SHAPE');
    weights['bias'] = {
      dtype: 'float32',
      shape: [units],
      data: new Float32Array(units).map((_, i) => bias.beta * bias.c.values[n === 1 ? 0 : i]!),
    };
  }
  emit(ctx, r, 'Dense', [x.v], { units, useBias: bias !== undefined }, weights, 'plain');
}

function importMatMul(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  if (x.layout === 'nchw') r.fail('MatMul on a rank-4 NCHW feature map is not supported');
  const b = entry(ctx, r, 1);
  if (b?.kind !== 'const')
    r.fail(
      'the second input must be a constant weight (MatMul of two computed tensors has no IR op)',
    );
  if (b.c.shape.length !== 2) r.fail('the weight must be rank 2');
  denseFrom(ctx, r, x, constToFloat32(b.c), undefined);
}

function importBatchNorm(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const rank = x.v.shape!.length;
  if (!(rank === 4 && x.layout === 'nchw') && rank !== 2)
    r.fail('only rank-4 NCHW or rank-2 inputs are supported');
  const vec = (i: number, what: string) => {
    const c = constIn(ctx, r, i, what);
    return {
      dtype: 'float32' as const,
      shape: [c.values.length],
      data: Float32Array.from(c.values),
    };
  };
  emit(
    ctx,
    r,
    'BatchNorm',
    [x.v],
    { axis: -1, epsilon: r.float('epsilon', 1e-5) },
    {
      gamma: vec(1, 'scale'),
      beta: vec(2, 'B'),
      movingMean: vec(3, 'mean'),
      movingVariance: vec(4, 'var'),
    },
    x.layout,
  );
}

function orderNeutral(s: readonly number[]): boolean {
  return s.length !== 4 || (s[1] === 1 && s[2] === 1) || s[3] === 1;
}

/** Reshape/Flatten to the ONNX shape `target` (batch first). */
function reshapeTo(ctx: ImportContext, r: NodeReader, x: Sym, target: number[]): void {
  const irIn = x.v.shape!;
  if (x.flatPerm) r.fail('reshaping a flattened NCHW feature map is not supported');
  const outRank = target.length;
  if (outRank < 2) r.fail(`reshape to rank ${outRank} drops the batch dimension`);
  if (x.layout === 'nchw' && !orderNeutral(irIn)) {
    if (outRank !== 2)
      r.fail(
        'reshaping a multi-pixel NCHW feature map to anything but [N, features] is not supported',
      );
    const [, h, w, c] = irIn as [number, number, number, number];
    if (h * w * c > MAX_SAMPLE_ELEMENTS)
      r.fail(`feature map ${h}×${w}×${c} is too large`, 'ONNX_BAD_SHAPE');
    const v = emit(ctx, r, 'Flatten', [x.v], {}, {}, 'plain');
    ctx.table.set(outName(r), {
      kind: 'value',
      v,
      layout: 'plain',
      flatPerm: nchwToNhwcFlatIndex(h, w, c),
    });
    return;
  }
  if (outRank === 4) {
    const nhwc = permuteShape(target, NCHW_TO_NHWC);
    // Order-neutral maps can be NCHW directly; others stay as ONNX sees them (a Transpose may follow).
    if (orderNeutral(nhwc))
      emit(ctx, r, 'Reshape', [x.v], { targetShape: nhwc.slice(1) }, {}, 'nchw');
    else emit(ctx, r, 'Reshape', [x.v], { targetShape: target.slice(1) }, {}, 'plain');
    return;
  }
  if (outRank === 2) emit(ctx, r, 'Flatten', [x.v], {}, {}, 'plain');
  else emit(ctx, r, 'Reshape', [x.v], { targetShape: target.slice(1) }, {}, 'plain');
}

function onnxShapeOf(x: Sym): number[] {
  const s = x.v.shape!;
  return x.layout === 'nchw' ? [s[0]!, s[3]!, s[1]!, s[2]!] : [...s];
}

function importReshape(ctx: ImportContext, r: NodeReader): void {
  const e = entry(ctx, r, 0);
  const shapeC = ctx.opset < 5 ? undefined : constIn(ctx, r, 1, 'shape');
  const target = shapeC ? Array.from(shapeC.values) : (r.ints('shape') ?? []);
  if (e?.kind === 'const') {
    const out = resolveReshape(e.c.shape, target, r.int('allowzero', 0) === 1, r.where);
    ctx.table.set(outName(r), { kind: 'const', c: { ...e.c, shape: out } });
    return;
  }
  const x = valueIn(ctx, r, 0);
  const inShape = onnxShapeOf(x);
  const batchFree = inShape.slice(1);
  if (target.length === 0) r.fail('reshape to a scalar is not supported');
  const first = target[0]!;
  if (first !== -1 && first !== 0) {
    // A literal batch size (e.g. 1 from a fixed-batch export): the IR batch stays symbolic.
    if (first < 1) r.fail(`reshape target [${target.join(', ')}] is invalid`, 'ONNX_BAD_SHAPE');
  }
  const rest = resolveReshape(
    batchFree,
    target.slice(1).map((d, i) => (d === 0 ? (batchFree[i] ?? 0) : d)),
    true,
    r.where,
  );
  reshapeTo(ctx, r, x, [-1, ...rest]);
}

function importFlatten(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const axis = r.int('axis', 1);
  const rank = x.v.shape!.length;
  if (normAxis(axis, rank, r.where) !== 1)
    r.fail(`Flatten axis ${axis} would merge the batch dimension`);
  const inShape = onnxShapeOf(x);
  reshapeTo(ctx, r, x, [-1, inShape.slice(1).reduce((p, q) => p * q, 1)]);
}

function importPad(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const mode = r.string('mode', 'constant');
  if (mode !== 'constant') r.fail(`pad mode "${mode}" is not supported`);
  let pads: number[];
  let value = 0;
  if (ctx.opset < 11) {
    pads = r.ints('pads') ?? r.ints('paddings') ?? [];
    value = r.float('value', 0);
  } else {
    pads = Array.from(constIn(ctx, r, 1, 'pads').values);
    value = optConstIn(ctx, r, 2, 'constant_value')?.values[0] ?? 0;
    const axesC = optConstIn(ctx, r, 3, 'axes');
    if (axesC) {
      const rank = x.v.shape!.length;
      const full = new Array<number>(rank * 2).fill(0);
      const axes = Array.from(axesC.values).map((a) => normAxis(a, rank, r.where));
      axes.forEach((a, i) => {
        full[a] = pads[i]!;
        full[a + rank] = pads[i + axes.length]!;
      });
      pads = full;
    }
  }
  if (x.layout !== 'nchw' || pads.length !== 8)
    r.fail('only padding of rank-4 NCHW tensors is supported');
  if (pads[0] !== 0 || pads[1] !== 0 || pads[4] !== 0 || pads[5] !== 0)
    r.fail('padding of the batch or channel axis is not supported');
  if (pads.some((p) => p < 0)) r.fail('negative pads (cropping) are not supported');
  emit(
    ctx,
    r,
    'Pad',
    [x.v],
    {
      padding: [
        [pads[2]!, pads[6]!],
        [pads[3]!, pads[7]!],
      ],
      constantValue: value,
    },
    {},
    'nchw',
  );
}

function importResize(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const hw = spatial(ctx, r, x);
  const op = r.node.opType;
  let scales: number[] | undefined;
  if (op === 'Upsample')
    scales = ctx.opset < 9 ? r.floats('scales') : Array.from(constIn(ctx, r, 1, 'scales').values);
  else if (ctx.opset < 11) scales = Array.from(constIn(ctx, r, 1, 'scales').values);
  else {
    const s = optConstIn(ctx, r, 2, 'scales');
    const sizes = optConstIn(ctx, r, 3, 'sizes');
    if (s && s.values.length > 0) scales = Array.from(s.values);
    else if (sizes) {
      const onnx = onnxShapeOf(x);
      scales = Array.from(sizes.values).map((d, i) => (i === 0 ? 1 : d / onnx[i]!));
    }
  }
  if (scales === undefined || scales.length !== 4) r.fail('needs 4 constant scales (or sizes)');
  const [sn, sc, sh, sw] = scales as [number, number, number, number];
  if (sn !== 1 || sc !== 1 || !Number.isInteger(sh) || !Number.isInteger(sw) || sh < 1 || sw < 1) {
    r.fail(`scales [${scales.join(', ')}] are not integer spatial upsampling factors`);
  }
  const mode = r.string('mode', 'nearest');
  const ctm =
    ctx.opset >= 11 ? r.string('coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  const nearestMode = r.string('nearest_mode', 'round_prefer_floor');
  let interpolation: 'nearest' | 'bilinear';
  if (mode === 'nearest') {
    const ok =
      (ctm === 'asymmetric' &&
        (nearestMode === 'floor' || nearestMode === 'round_prefer_floor' || ctx.opset < 11)) ||
      ((ctm === 'half_pixel' || ctm === 'pytorch_half_pixel') &&
        (nearestMode === 'round_prefer_floor' || nearestMode === 'round_prefer_ceil'));
    if (!ok) r.fail(`nearest resize with ${ctm}/${nearestMode} is not a pixel repeat`);
    interpolation = 'nearest';
  } else if (
    (mode === 'linear' || mode === 'bilinear') &&
    (ctm === 'half_pixel' || (ctm === 'pytorch_half_pixel' && hw[0] * sh > 1 && hw[1] * sw > 1))
  ) {
    interpolation = 'bilinear';
  } else {
    r.fail(`resize mode ${mode} with ${ctm} is not supported (nearest, or linear with half_pixel)`);
  }
  emit(ctx, r, 'Upsample2D', [x.v], { size: [sh, sw], interpolation }, {}, 'nchw');
}

function importSoftmax(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const rank = x.v.shape!.length;
  const axis = normAxis(r.int('axis', ctx.opset < 13 ? 1 : -1), rank, r.where);
  if (ctx.opset < 13 && axis !== rank - 1) {
    const onnx = onnxShapeOf(x);
    if (onnx.slice(axis + 1).some((d) => d !== 1))
      r.fail('opset < 13 Softmax over several axes (flattened) is not supported');
  }
  const irAxis = x.layout === 'nchw' ? nchwAxisToNhwc(axis, rank) : axis;
  emit(ctx, r, 'Softmax', [x.v], { axis: irAxis === rank - 1 ? -1 : irAxis }, {}, x.layout);
}

function importConcat(ctx: ImportContext, r: NodeReader): void {
  const entries = (r.node.input ?? []).map((_, i) => entry(ctx, r, i)!);
  if (entries.every((e) => e.kind === 'const')) {
    ctx.foldBudget.charge(
      entries.reduce((acc, e) => acc + (e as { c: Const }).c.values.length, 0),
      r.where,
    );
    ctx.table.set(outName(r), {
      kind: 'const',
      c: concatConst(
        entries.map((e) => (e as { c: Const }).c),
        r.int('axis', 0),
        r.where,
      ),
    });
    return;
  }
  const xs = entries.map((_, i) => valueIn(ctx, r, i));
  const layout = xs[0]!.layout;
  if (xs.some((x) => x.layout !== layout)) r.fail('inputs have different layouts');
  const rank = xs[0]!.v.shape!.length;
  const axis = normAxis(r.int('axis', 1), rank, r.where);
  if (axis === 0) r.fail('concatenation along dimension 0 (the batch) is not supported');
  const irAxis = layout === 'nchw' ? nchwAxisToNhwc(axis, rank) : axis;
  emit(
    ctx,
    r,
    'Concat',
    xs.map((x) => x.v),
    { axis: irAxis === rank - 1 ? -1 : irAxis },
    {},
    layout,
  );
}

function importReduceMean(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const rank = x.v.shape!.length;
  const axesList =
    ctx.opset >= 18
      ? optConstIn(ctx, r, 1, 'axes')
        ? Array.from(constIn(ctx, r, 1, 'axes').values)
        : undefined
      : r.ints('axes');
  if (axesList === undefined || axesList.length === 0)
    r.fail('ReduceMean over all axes (no axes) is not supported');
  const axes = axesList.map((a) => normAxis(a, rank, r.where));
  const keep = r.int('keepdims', 1) === 1;
  if (axes.includes(0)) r.fail('reducing the batch axis is not supported');
  let layout: 'nchw' | 'plain' = x.layout;
  if (x.layout === 'nchw' && !keep) {
    if (!(axes.length === 2 && axes.includes(2) && axes.includes(3)))
      r.fail('ReduceMean of an NCHW map without keepdims must reduce H and W');
    layout = 'plain';
  }
  const irAxes = axes
    .map((a) => (x.layout === 'nchw' ? nchwAxisToNhwc(a, rank) : a))
    .sort((p, q) => p - q);
  emit(ctx, r, 'Mean', [x.v], { axes: irAxes, keepDims: keep }, {}, layout);
}

function importTranspose(ctx: ImportContext, r: NodeReader): void {
  const e = entry(ctx, r, 0);
  const perm = r.ints('perm');
  if (e?.kind === 'const') r.fail('transposing constants is not supported');
  const x = valueIn(ctx, r, 0);
  const rank = x.v.shape!.length;
  if (perm === undefined || perm.every((p, i) => p === i)) {
    if (perm === undefined && rank > 1)
      r.fail('Transpose without perm (reversal) is not supported');
    alias(ctx, r, x);
  } else if (rank === 4 && x.layout === 'plain' && sameInts(perm, [0, 3, 1, 2]))
    alias(ctx, r, { ...x, layout: 'nchw' });
  else if (rank === 4 && x.layout === 'nchw' && sameInts(perm, [0, 2, 3, 1]))
    alias(ctx, r, { ...x, layout: 'plain' });
  else r.fail(`perm [${(perm ?? []).join(', ')}] is not a layout change the IR can absorb`);
}

function importGlobalPool(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  spatial(ctx, r, x);
  emit(
    ctx,
    r,
    r.node.opType === 'GlobalAveragePool' ? 'GlobalAvgPool' : 'GlobalMaxPool',
    [x.v],
    { keepDims: true },
    {},
    'nchw',
  );
}

function importConstant(ctx: ImportContext, r: NodeReader): void {
  const a = r.attrs;
  let c: Const;
  if (a.get('value')?.t) c = constFromTensor(fromTensorProto(a.get('value')!.t!, r.where));
  else if (a.has('value_float')) c = makeConst('float32', [], [r.float('value_float', 0)], r.where);
  else if (a.has('value_floats'))
    c = makeConst(
      'float32',
      [r.floats('value_floats')!.length],
      r.floats('value_floats')!,
      r.where,
    );
  else if (a.has('value_int')) c = makeConst('int64', [], [r.int('value_int', 0)], r.where);
  else if (a.has('value_ints'))
    c = makeConst('int64', [r.ints('value_ints')!.length], r.ints('value_ints')!, r.where);
  else r.fail('only tensor, float(s) and int(s) constants are supported');
  ctx.table.set(outName(r), { kind: 'const', c });
}

function intList(
  ctx: ImportContext,
  r: NodeReader,
  index: number,
  attr: string,
): number[] | undefined {
  if (ctx.opset >= 13 || (attr !== 'axes' && ctx.opset >= 10)) {
    const c = optConstIn(ctx, r, index, attr);
    if (c) return Array.from(c.values);
  }
  return r.ints(attr);
}

/** Ops foldShapeOps evaluates when every input is constant. */
const FOLDABLE = new Set([
  'Identity',
  'Dropout',
  'Cast',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Slice',
  'ConstantOfShape',
]);

function foldShapeOps(ctx: ImportContext, r: NodeReader): boolean {
  const op = r.node.opType;
  const e0 = entry(ctx, r, 0);
  const out = (c: Const): true => {
    // Unsqueeze/Squeeze/Identity share their input's values; everything else allocated new ones.
    if (e0?.kind !== 'const' || c.values !== e0.c.values)
      ctx.foldBudget.charge(c.values.length, r.where);
    ctx.table.set(outName(r), { kind: 'const', c });
    return true;
  };
  switch (op) {
    case 'Shape': {
      if (e0 === undefined) r.fail('needs an input', 'ONNX_INVALID_MODEL');
      let shape = e0.kind === 'const' ? [...e0.c.shape] : onnxShapeOf(e0);
      if (e0.kind === 'value' && e0.flatPerm) shape = [...e0.v.shape!];
      const start = r.int('start', 0);
      const end = r.attrs.has('end') ? r.int('end', shape.length) : shape.length;
      const s = start < 0 ? start + shape.length : start;
      const en = end < 0 ? end + shape.length : end;
      shape = shape.slice(Math.max(0, s), Math.min(shape.length, en));
      return out(makeConst('int64', [shape.length], shape, r.where));
    }
    case 'Constant':
      importConstant(ctx, r);
      return true;
    default:
      break;
  }
  const all = (r.node.input ?? []).every((n, i) => n === '' || entry(ctx, r, i)?.kind === 'const');
  if (!all || e0 === undefined || e0.kind !== 'const') return false;
  // Fold only what is used: a constant computation nothing reads is skipped, not evaluated.
  if (FOLDABLE.has(op ?? '') && (r.node.output ?? []).every((o) => !o || !ctx.uses.get(o)))
    return true;
  const c0 = e0.c;
  switch (op) {
    case 'Identity':
    case 'Dropout':
      return out(c0);
    case 'Cast': {
      const to = r.int('to', ONNX_DTYPE.FLOAT);
      const dtype =
        to === ONNX_DTYPE.FLOAT || to === ONNX_DTYPE.DOUBLE
          ? 'float32'
          : to === ONNX_DTYPE.INT32
            ? 'int32'
            : to === ONNX_DTYPE.INT64
              ? 'int64'
              : undefined;
      if (dtype === undefined) r.fail(`Cast to type ${to} is not supported`);
      return out(makeConst(dtype, c0.shape, c0.values, r.where));
    }
    case 'Gather':
      return out(gatherConst(c0, constIn(ctx, r, 1, 'indices'), r.int('axis', 0), r.where));
    case 'Unsqueeze': {
      const axes = intList(ctx, r, 1, 'axes') ?? [];
      const rank = c0.shape.length + axes.length;
      const norm = axes.map((a) => normAxis(a, rank, r.where));
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : c0.shape[k++]!);
      return out({ ...c0, shape });
    }
    case 'Squeeze': {
      const axes = intList(ctx, r, 1, 'axes');
      const norm = axes?.map((a) => normAxis(a, c0.shape.length, r.where));
      return out({ ...c0, shape: c0.shape.filter((d, i) => (norm ? !norm.includes(i) : d !== 1)) });
    }
    case 'Slice': {
      let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
      if (ctx.opset < 10) {
        starts = r.ints('starts') ?? [];
        ends = r.ints('ends') ?? [];
        axes = r.ints('axes');
      } else {
        starts = Array.from(constIn(ctx, r, 1, 'starts').values);
        ends = Array.from(constIn(ctx, r, 2, 'ends').values);
        axes = optConstIn(ctx, r, 3, 'axes')
          ? Array.from(constIn(ctx, r, 3, 'axes').values)
          : undefined;
        steps = optConstIn(ctx, r, 4, 'steps')
          ? Array.from(constIn(ctx, r, 4, 'steps').values)
          : undefined;
      }
      const ax = axes ?? starts.map((_, i) => i);
      const big = (v: number) => Math.max(-(2 ** 53), Math.min(2 ** 53, v));
      return out(
        sliceConst(c0, starts.map(big), ends.map(big), ax, steps ?? ax.map(() => 1), r.where),
      );
    }
    case 'ConstantOfShape': {
      const shape = Array.from(c0.values);
      const valueT = r.attrs.get('value')?.t;
      const v = valueT ? constFromTensor(fromTensorProto(valueT, r.where)) : undefined;
      const n = sizeOfShape(shape, r.where);
      ctx.foldBudget.charge(n, r.where); // before the values exist
      const dtype = v?.dtype ?? 'float32';
      const fill = v?.values[0] ?? 0;
      const values = new Float64Array(n).fill(
        dtype === 'float32' || dtype === 'float16' ? fill : Math.trunc(fill),
      );
      ctx.table.set(outName(r), { kind: 'const', c: { dtype, shape, values } });
      return true;
    }
    case 'Concat':
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Reshape':
      return false; // handled by their importers (which fold constants too)
    default:
      return false;
  }
}

function importNode(ctx: ImportContext, r: NodeReader): void {
  if (foldShapeOps(ctx, r)) return;
  const op = r.node.opType ?? '';
  switch (op) {
    case 'Conv':
      return importConv(ctx, r);
    case 'ConvTranspose':
      return importConvTranspose(ctx, r);
    case 'MaxPool':
    case 'AveragePool':
      return importPool(ctx, r);
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return importGlobalPool(ctx, r);
    case 'BatchNormalization':
      return importBatchNorm(ctx, r);
    case 'Relu':
    case 'Sigmoid':
    case 'Tanh':
    case 'HardSwish':
    case 'Softplus':
      return importActivation(ctx, r, SIMPLE_ACTIVATIONS[op]!);
    case 'LeakyRelu':
      return importActivation(ctx, r, 'leaky_relu', r.float('alpha', 0.01));
    case 'Elu':
      return importActivation(ctx, r, 'elu', r.float('alpha', 1));
    case 'HardSigmoid':
      return importActivation(ctx, r, 'hard_sigmoid', r.float('alpha', 0.2), r.float('beta', 0.5));
    case 'Clip':
      return importClip(ctx, r);
    case 'Softmax':
      return importSoftmax(ctx, r);
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return importBinary(ctx, r);
    case 'Sum': {
      const xs = (r.node.input ?? []).map((_, i) => valueIn(ctx, r, i));
      if (xs.length === 1) return alias(ctx, r, xs[0]!);
      emit(
        ctx,
        r,
        'Add',
        xs.map((x) => x.v),
        {},
        {},
        xs[0]!.layout,
      );
      return;
    }
    case 'Concat':
      return importConcat(ctx, r);
    case 'Gemm':
      return importGemm(ctx, r);
    case 'ReduceMean':
      return importReduceMean(ctx, r);
    case 'MatMul':
      return importMatMul(ctx, r);
    case 'Reshape':
      return importReshape(ctx, r);
    case 'Flatten':
      return importFlatten(ctx, r);
    case 'Pad':
      return importPad(ctx, r);
    case 'Resize':
    case 'Upsample':
      return importResize(ctx, r);
    case 'Transpose':
      return importTranspose(ctx, r);
    case 'Identity':
      return alias(ctx, r, valueIn(ctx, r, 0));
    case 'Dropout': {
      // Inference only: a training-mode Dropout (opset ≥ 12, constant true) is random, not an identity.
      const training = ctx.opset >= 12 ? optConstIn(ctx, r, 2, 'training_mode') : undefined;
      if (training !== undefined && training.values[0] !== 0)
        r.fail('training-mode Dropout is not supported (inference graphs only)');
      return alias(ctx, r, valueIn(ctx, r, 0));
    }
    case 'Cast': {
      const to = r.int('to', 0);
      if (to !== ONNX_DTYPE.FLOAT)
        r.fail(`Cast of a computed tensor to type ${to} is not supported`);
      return alias(ctx, r, valueIn(ctx, r, 0));
    }
    default:
      throw new UnsupportedError(
        `unsupported op ${op || '(empty)'} (domain "${r.node.domain ?? ''}", opset ${ctx.opset})`,
        r.where,
        'ONNX_UNSUPPORTED_OP',
      );
  }
}
