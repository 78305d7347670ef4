import {
  InvalidArgumentError,
  defaultFormatRegistry,
  type FormatDefinition,
  type FormatRegistry,
  type ReadOptions,
  type WriteOptions,
} from '@collabopt/core';
import { readOnnx, type ReadOnnxOptions } from './reader/read-onnx';
import { writeOnnx, type WriteOnnxOptions } from './writer/write-onnx';

/**
 * Recognise an ONNX ModelProto from its first bytes: field 1 (ir_version, varint 1..15) followed by
 * field 2, 3, 7 or 8 — the order every ONNX serialiser writes. Protobuf has no magic number, so
 * anything else falls back to the `.onnx` extension.
 */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  return (
    bytes.length > 3 &&
    bytes[0] === 0x08 &&
    bytes[1]! >= 1 &&
    bytes[1]! <= 15 &&
    [0x12, 0x1a, 0x3a, 0x42].includes(bytes[2]!)
  );
}

function pick<T>(
  options: Record<string, unknown>,
  key: string,
  check: (v: unknown) => boolean,
  what: string,
): T | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (!check(v)) throw new InvalidArgumentError(`ONNX option ${key} must be ${what}`);
  return v as T;
}

const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isBool = (v: unknown): boolean => typeof v === 'boolean';

/** Read/write options the format accepts from generic callers (CLI, readModel/writeModel). */
function writeOptionsFrom(o: WriteOptions): WriteOnnxOptions {
  const r = o as unknown as Record<string, unknown>;
  const out: WriteOnnxOptions = { fileName: o.fileName };
  const opset = pick<number>(r, 'opset', isNum, 'a number');
  if (opset !== undefined) out.opset = opset;
  const mode = pick<'auto' | 'float' | 'qdq'>(
    r,
    'mode',
    (v) => v === 'auto' || v === 'float' || v === 'qdq',
    "'auto', 'float' or 'qdq'",
  );
  if (mode !== undefined) out.mode = mode;
  const reduceRange = pick<boolean>(r, 'reduceRange', isBool, 'a boolean');
  if (reduceRange !== undefined) out.reduceRange = reduceRange;
  const nhwcIo = pick<boolean>(r, 'nhwcIo', isBool, 'a boolean');
  if (nhwcIo !== undefined) out.nhwcIo = nhwcIo;
  const ext = pick<'auto' | 'always' | 'never'>(
    r,
    'externalData',
    (v) => v === 'auto' || v === 'always' || v === 'never',
    "'auto', 'always' or 'never'",
  );
  if (ext !== undefined) out.externalData = ext;
  const threshold = pick<number>(r, 'externalDataThreshold', isNum, 'a number');
  if (threshold !== undefined) out.externalDataThreshold = threshold;
  if (o.registry) out.registry = o.registry;
  const signal = r['signal'];
  if (signal instanceof AbortSignal) out.signal = signal;
  return out;
}

function readOptionsFrom(o: ReadOptions | undefined): ReadOnnxOptions {
  const out: ReadOnnxOptions = {};
  if (!o) return out;
  const r = o as Record<string, unknown>;
  if (o.registry) out.registry = o.registry;
  const shapes = r['inputShapes'];
  if (shapes !== undefined) {
    if (typeof shapes !== 'object' || shapes === null)
      throw new InvalidArgumentError('ONNX option inputShapes must map input names to shapes');
    out.inputShapes = shapes as Record<string, number[]>;
  }
  const fuse = pick<boolean>(r, 'fuseActivations', isBool, 'a boolean');
  if (fuse !== undefined) out.fuseActivations = fuse;
  const foldBudget = pick<number>(r, 'foldBudgetBytes', isNum, 'a number');
  if (foldBudget !== undefined) out.foldBudgetBytes = foldBudget;
  if (r['signal'] instanceof AbortSignal) out.signal = r['signal'];
  return out;
}

/** The ONNX format definition (name `onnx`, extension `.onnx`). */
export const onnxFormat: FormatDefinition = {
  name: 'onnx',
  description: 'ONNX (NCHW, opset 13–26 written, ≥ 6 read; float32 or QDQ int8)',
  extensions: ['.onnx'],
  detect: looksLikeOnnx,
  read: (source, options) =>
    readOnnx(source.bytes, {
      ...readOptionsFrom(options),
      file: source.path,
      readRelated: (p, range) => source.readRelated(p, range),
    }),
  write: async (graph, options) => writeOnnx(graph, writeOptionsFrom(options)).files,
  // QDQ has no quantized batch norm: an integer model needs its BatchNorms folded.
  requirements: ({ quantized }) => ({ foldBatchNorm: quantized }),
};

/** Register the ONNX format with a format registry (default: the process-wide one). Idempotent. */
export function registerOnnxFormat(registry: FormatRegistry = defaultFormatRegistry): void {
  registry.register(onnxFormat, { replace: true });
}
