import {
  graphQuantizationMode,
  FormatError,
  type Graph,
  InvalidArgumentError,
  type ModelFile,
  type OpRegistry,
  UnsupportedError,
  type Value,
  defaultOpRegistry,
  inferShapes,
  throwIfCancelled,
} from '@collabopt/core';
import { NCHW_TO_NHWC, NHWC_TO_NCHW } from '../layout';
import { encodeModel } from '../proto/codec';
import { type ModelProto, ONNX_DTYPE, type ValueInfoProto } from '../proto/types';
import { emitNode } from './emit-node';
import { type Emitter, onnxShape, rankOf } from './emitter';
import { writesQdq } from './export-mode';
import { moveToExternalData } from './external-data';
import { OnnxGraphBuilder } from './onnx-builder';
import { INT4_MIN_OPSET } from './int4-initializer';
import { QdqWriter } from './qdq';

/** Lowest and highest default-domain opset the writer emits (ONNX Runtime 1.30 loads up to 26). */
export const MIN_WRITE_OPSET = 13;

export const MAX_WRITE_OPSET = 26;

/** IR version that goes with each opset (the ONNX release that introduced the opset). */
export function irVersionForOpset(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  if (opset === 23) return 11;
  if (opset === 24) return 12;
  return 13;
}

export interface WriteOnnxOptions {
  /**
   * Default-domain opset, 13 to 26. Default 13, or 21 for a QDQ file with 4-bit weights (INT4
   * initializers need opset ≥ 21; an explicit lower opset is a typed error for them).
   */
  opset?: number;
  /**
   * 'float' writes float weights and ignores quantization annotations; 'qdq' writes
   * QuantizeLinear/DequantizeLinear int8 from the annotations; 'auto' (default) picks 'qdq' when
   * `graph.metadata.quantization.mode` is int8 or int8-io.
   */
  mode?: 'auto' | 'float' | 'qdq';
  /** QDQ only: re-quantize 8-bit weights to 7 bits (ONNX Runtime u8s8 kernels without VNNI saturate with 8). */
  reduceRange?: boolean;
  /** Keep NHWC graph inputs/outputs (rank 4) and put Transpose nodes at the graph edges. Default false: NCHW I/O. */
  nhwcIo?: boolean;
  /** 'auto' (default): external data only when the weights exceed `externalDataThreshold`. */
  externalData?: 'auto' | 'always' | 'never';
  /** Bytes of initializer data above which 'auto' moves weights to external files (default 2 GiB − 64 MiB). */
  externalDataThreshold?: number;
  /** Main file name (external data files are named after it). Default 'model.onnx'. */
  fileName?: string;
  registry?: OpRegistry;
  producerName?: string;
  signal?: AbortSignal;
}

export interface OnnxWriteResult {
  /** The main .onnx file. */
  bytes: Uint8Array;
  /** Every file to write, main file first (external data files follow). */
  files: ModelFile[];
}

export const DEFAULT_EXTERNAL_THRESHOLD = 2 ** 31 - 64 * 2 ** 20;

export function valueInfo(
  name: string,
  shape: readonly number[],
  elemType: number = ONNX_DTYPE.FLOAT,
): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: shape.map((d, i) =>
            d < 0 ? { dimParam: i === 0 ? 'batch' : `d${i}` } : { dimValue: d },
          ),
        },
      },
    },
  };
}

export function quantizationMode(graph: Graph): string | undefined {
  return graphQuantizationMode(graph.metadata);
}

/** Whether any weight of `graph` is annotated as 4-bit integer (stored as INT4 in QDQ files). */
function hasInt4Weights(graph: Graph): boolean {
  for (const { weight } of graph.weights()) {
    const q = weight.annotations.quant;
    if (q !== undefined && q.dtype === 'int8' && q.bits === 4) return true;
  }
  return false;
}

/** Write an IR graph as an ONNX model (NCHW, opset 13+), float or QDQ int8. Never modifies `graph`. */
export function writeOnnx(source: Graph, options: WriteOnnxOptions = {}): OnnxWriteResult {
  const qdqFile = writesQdq(quantizationMode(source), options.mode ?? 'auto');
  const opset =
    options.opset ?? (qdqFile && hasInt4Weights(source) ? INT4_MIN_OPSET : MIN_WRITE_OPSET);
  if (!Number.isInteger(opset) || opset < MIN_WRITE_OPSET || opset > MAX_WRITE_OPSET) {
    throw new InvalidArgumentError(
      `opset must be an integer from ${MIN_WRITE_OPSET} to ${MAX_WRITE_OPSET}, got ${opset}`,
    );
  }
  const registry = options.registry ?? defaultOpRegistry;
  const qmode = quantizationMode(source);
  const mode = options.mode ?? 'auto';
  const qdqWanted = writesQdq(qmode, mode);
  const graph = source.clone();
  inferShapes(graph, { registry });
  const b = new OnnxGraphBuilder();
  const names = new Map<Value, string>();
  const outputs = new Set(graph.outputs);
  const nhwcIo = options.nhwcIo === true;
  const pendingOut = new Map<Value, string>();
  const qdq = qdqWanted
    ? new QdqWriter(b, options.reduceRange === true, registry, opset)
    : undefined;
  for (const v of graph.outputs) b.reserve(v.name);
  for (const v of graph.inputs) b.reserve(v.name);

  const e: Emitter = {
    b,
    opset,
    registry,
    graph,
    qdq,
    flatPerm: new Map(),
    name(v) {
      const n = names.get(v);
      if (n === undefined)
        throw new FormatError(
          `value "${v.name}" is read before it is written`,
          { field: v.name },
          'ONNX_WRITE_ORDER',
        );
      return n;
    },
    out(v) {
      let n = pendingOut.get(v);
      if (n === undefined) {
        const quantized = qdq?.hasActivationQuant(v) === true;
        const transposed = nhwcIo && outputs.has(v) && rankOf(v) === 4;
        n =
          quantized || transposed
            ? b.name(`${v.name}_${quantized ? 'float' : 'nchw'}`)
            : outputs.has(v)
              ? v.name
              : b.name(v.name);
        pendingOut.set(v, n);
      }
      return n;
    },
  };

  const written = new Set<Value>();
  const finish = (v: Value): void => {
    let n = pendingOut.get(v);
    if (n === undefined)
      throw new FormatError(
        `no ONNX node wrote value "${v.name}"`,
        { field: v.name },
        'ONNX_WRITE_ORDER',
      );
    const transposed = nhwcIo && outputs.has(v) && rankOf(v) === 4;
    if (qdq?.hasActivationQuant(v))
      n = qdq.quantizeDequantize(
        v,
        n,
        outputs.has(v) && !transposed ? v.name : b.name(`${v.name}_dq`),
      );
    if (transposed) {
      // The graph output is the NHWC copy; readers inside the graph keep the NCHW tensor.
      b.node('Transpose', `${v.name}_to_nhwc`, [n], [v.name], { perm: [...NCHW_TO_NHWC] });
      written.add(v);
    }
    names.set(v, n);
  };

  const inputInfos: ValueInfoProto[] = [];
  for (const v of graph.inputs) {
    if (v.dtype !== 'float32')
      throw new UnsupportedError(
        `graph input "${v.name}" has dtype ${v.dtype}; only float32 inputs are written`,
        { field: v.name },
        'ONNX_UNSUPPORTED_DTYPE',
      );
    let n = v.name;
    if (nhwcIo && rankOf(v) === 4) {
      inputInfos.push(valueInfo(v.name, v.shape!));
      n = b.node('Transpose', `${v.name}_to_nchw`, [v.name], [b.name(`${v.name}_nchw`)], {
        perm: [...NHWC_TO_NCHW],
      });
    } else {
      inputInfos.push(valueInfo(v.name, onnxShape(v)));
    }
    if (qdq?.hasActivationQuant(v)) n = qdq.quantizeDequantize(v, n, b.name(`${v.name}_dq`));
    names.set(v, n);
  }

  for (const node of graph.topologicalOrder()) {
    if (options.signal) throwIfCancelled(options.signal);
    if (node.op === 'Input') continue;
    emitNode(e, node);
    for (const v of node.outputs) finish(v);
  }

  const outputInfos = graph.outputs.map((v) => {
    const n = names.get(v)!;
    // A graph input that is also an output is listed under its own name; others already carry it.
    if (n !== v.name && !written.has(v) && !graph.inputs.includes(v))
      b.node('Identity', `${v.name}_output`, [n], [v.name]);
    return valueInfo(v.name, nhwcIo ? v.shape! : onnxShape(v));
  });

  const model: ModelProto = {
    irVersion: irVersionForOpset(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: options.producerName ?? 'collabopt',
    producerVersion: '0',
    graph: {
      name: graph.name,
      node: b.nodes,
      initializer: b.initializers,
      input: inputInfos,
      output: outputInfos,
    },
    metadataProps: [{ key: 'collabopt.layout', value: nhwcIo ? 'nhwc-io' : 'nchw' }],
  };
  const fileName = options.fileName ?? 'model.onnx';
  const policy = options.externalData ?? 'auto';
  const threshold = options.externalDataThreshold ?? DEFAULT_EXTERNAL_THRESHOLD;
  const total = b.initializers.reduce((s, t) => s + (t.rawData?.length ?? 0), 0);
  const files: ModelFile[] = [];
  if (policy === 'always' || (policy === 'auto' && total > threshold)) {
    files.push(...moveToExternalData(b.initializers, fileName));
  }
  const bytes = encodeModel(model);
  return { bytes, files: [{ path: fileName, bytes }, ...files] };
}
