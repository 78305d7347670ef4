import {
  CollaboptError,
  fromFloat16Array,
  silentProgress,
  sizeOf,
  throwIfCancelled,
  toFloat16Array,
  type ProgressReporter,
  type Tensor,
} from '@collabopt/core';
import { KERAS_ERROR_CODES, kerasError } from './errors';
import { JsonReader } from './json';

/**
 * Reads one shard file named in the manifest (path relative to model.json); `limits.maxBytes` is
 * what the manifest needs, so a reader can refuse a larger file before reading it.
 */
export type ShardReader = (path: string, limits?: { maxBytes: number }) => Promise<Uint8Array>;

/** Storage dtypes of TF.js weight manifests. */
export type ManifestDType = 'float32' | 'int32' | 'bool';
/** Quantized storage of a float weight (TF.js `quantization.dtype`). */
export type WeightQuantization = 'uint8' | 'uint16' | 'float16';

export interface WeightQuantizationSpec {
  dtype: WeightQuantization;
  min?: number;
  scale?: number;
  original_dtype?: ManifestDType;
}

/** One entry of `weightsManifest[i].weights` (TF.js WeightsManifestEntry). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: ManifestDType;
  quantization?: WeightQuantizationSpec;
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}

const STORED_BYTES: Record<ManifestDType | WeightQuantization, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Largest tensor (elements) accepted from a manifest; guards allocation on corrupt shapes. */
const MAX_ELEMENTS = 2 ** 31 - 1;

interface ParsedEntry {
  spec: WeightSpec;
  elements: number;
  bytes: number;
}

function parseEntry(r: JsonReader): ParsedEntry | undefined {
  const group = r.get('group');
  if (!group.isNull() && group.string() === 'optimizer') return undefined; // optimizer state is not part of the model
  const name = r.get('name').string();
  const shapeReader = r.get('shape');
  const shape = shapeReader.array().map((d) => d.int());
  if (shape.some((d) => d < 0)) shapeReader.fail(`weight "${name}" has a negative dimension`);
  const elements = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(elements) || elements > MAX_ELEMENTS)
    shapeReader.fail(`weight "${name}" is too large`);
  const dtype = r.get('dtype').optString('float32');
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw kerasError(
      KERAS_ERROR_CODES.badManifest,
      `weight "${name}" has dtype "${dtype}"; only float32, int32 and bool weights are supported`,
      {
        field: r.path,
      },
    );
  }
  const spec: WeightSpec = { name, shape, dtype };
  let stored: ManifestDType | WeightQuantization = dtype;
  const q = r.get('quantization');
  if (!q.isNull()) {
    const qd = q.get('dtype').string();
    if (qd !== 'uint8' && qd !== 'uint16' && qd !== 'float16') {
      throw kerasError(
        KERAS_ERROR_CODES.badManifest,
        `weight "${name}" uses quantization dtype "${qd}"; expected uint8, uint16 or float16`,
        {
          field: q.path,
        },
      );
    }
    const quantization: WeightQuantizationSpec = { dtype: qd };
    if (qd !== 'float16') {
      quantization.min = q.get('min').number();
      quantization.scale = q.get('scale').number();
    }
    const od = q.get('original_dtype');
    if (!od.isNull()) {
      const o = od.string();
      if (o !== 'float32' && o !== 'int32')
        return q.fail(`original_dtype "${o}" is not float32 or int32`);
      quantization.original_dtype = o;
    }
    spec.quantization = quantization;
    stored = qd;
  }
  return { spec, elements, bytes: elements * STORED_BYTES[stored] };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function decodeWeight(entry: ParsedEntry, bytes: Uint8Array): Tensor {
  const { spec, elements } = entry;
  const copy = bytes.slice(); // aligned private buffer
  const q = spec.quantization;
  if (q !== undefined) {
    let values: Float32Array;
    if (q.dtype === 'float16') {
      values = fromFloat16Array(new Uint16Array(copy.buffer, 0, elements));
    } else {
      const raw = q.dtype === 'uint8' ? copy : new Uint16Array(copy.buffer, 0, elements);
      const scale = q.scale!;
      const min = q.min!;
      values = new Float32Array(elements);
      for (let i = 0; i < elements; i++) values[i] = raw[i]! * scale + min;
    }
    if ((q.original_dtype ?? spec.dtype) === 'int32') {
      const ints = new Int32Array(elements);
      for (let i = 0; i < elements; i++) ints[i] = Math.round(values[i]!);
      return { dtype: 'int32', shape: spec.shape, data: ints };
    }
    return { dtype: 'float32', shape: spec.shape, data: values };
  }
  switch (spec.dtype) {
    case 'float32':
      return {
        dtype: 'float32',
        shape: spec.shape,
        data: new Float32Array(copy.buffer, 0, elements),
      };
    case 'int32':
      return { dtype: 'int32', shape: spec.shape, data: new Int32Array(copy.buffer, 0, elements) };
    case 'bool':
      return { dtype: 'bool', shape: spec.shape, data: copy };
  }
}

/**
 * Read every weight of a TF.js weights manifest: each group's shards are concatenated in order
 * and its weights read back to back; quantized entries (uint8/uint16 affine, float16) are
 * dequantized to float32. The bytes of each group must match the manifest exactly.
 */
export async function readWeights(
  manifest: JsonReader,
  readShard: ShardReader,
  options: { signal?: AbortSignal; progress?: ProgressReporter } = {},
): Promise<Map<string, Tensor>> {
  const out = new Map<string, Tensor>();
  const groups = manifest.array();
  const totalShards = groups.reduce(
    (a, g) => a + (g.has('paths') && g.get('paths').isArray() ? g.get('paths').array().length : 0),
    0,
  );
  const task = (options.progress ?? silentProgress).start(
    'reading weight shards',
    totalShards,
    'shards',
  );
  let shardsRead = 0;
  for (const groupReader of groups) {
    const paths = groupReader
      .get('paths')
      .array()
      .map((p) => p.string());
    const entries = groupReader
      .get('weights')
      .array()
      .map(parseEntry)
      .filter((e): e is ParsedEntry => e !== undefined);
    const needed = entries.reduce((a, e) => a + e.bytes, 0);
    if (paths.length === 0 && needed > 0) {
      throw kerasError(
        KERAS_ERROR_CODES.badManifest,
        `weights group lists ${entries.length} weights but no shard paths`,
        { field: groupReader.path },
      );
    }
    const shards: Uint8Array[] = [];
    for (const p of paths) {
      throwIfCancelled(options.signal, 'reading the Keras model');
      let bytes: Uint8Array;
      try {
        bytes = await readShard(p, { maxBytes: needed });
      } catch (e) {
        // Refusals of the file-access layer (outside the folder, not a regular file, too large)
        // keep their own code; anything else means the shard is missing.
        if (e instanceof CollaboptError && e.code !== 'FILE_NOT_READABLE')
          throw e.locate({ field: p });
        const why = e instanceof Error ? e.message : String(e);
        throw kerasError(
          KERAS_ERROR_CODES.missingShard,
          `weight shard "${p}" cannot be read: ${why}`,
          { field: p },
        );
      }
      if (!(bytes instanceof Uint8Array)) {
        throw kerasError(
          KERAS_ERROR_CODES.missingShard,
          `weight shard "${p}" did not yield bytes`,
          { field: p },
        );
      }
      shards.push(bytes);
      task.update(++shardsRead);
    }
    const data = concat(shards);
    if (data.length < needed) {
      throw kerasError(
        KERAS_ERROR_CODES.shardSize,
        `weight shards ${paths.join(', ')} hold ${data.length} bytes, the manifest needs ${needed}; a shard is missing or truncated`,
        { field: paths[paths.length - 1] ?? groupReader.path },
      );
    }
    if (data.length > needed) {
      throw kerasError(
        KERAS_ERROR_CODES.shardSize,
        `weight shards ${paths.join(', ')} hold ${data.length} bytes, the manifest describes only ${needed}; the manifest does not match the shards`,
        { field: paths[paths.length - 1] ?? groupReader.path },
      );
    }
    let offset = 0;
    for (const e of entries) {
      if (out.has(e.spec.name)) {
        throw kerasError(
          KERAS_ERROR_CODES.badManifest,
          `weight "${e.spec.name}" appears twice in the manifest`,
          { field: e.spec.name },
        );
      }
      out.set(e.spec.name, decodeWeight(e, data.subarray(offset, offset + e.bytes)));
      offset += e.bytes;
    }
  }
  task.finish({ weights: out.size });
  return out;
}

export interface EncodedWeights {
  specs: WeightSpec[];
  data: Uint8Array;
}

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** Affine uint8/uint16 quantization with the range nudged so that 0 stays exactly representable. */
function quantizeAffine(
  values: Float32Array,
  bits: 8 | 16,
): { q: Uint8Array | Uint16Array; min: number; scale: number } {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const levels = 2 ** bits - 1;
  const scale = hi > lo ? (hi - lo) / levels : 1;
  const zero = Math.round(-lo / scale);
  const min = -zero * scale;
  const q = bits === 8 ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++)
    q[i] = Math.min(levels, Math.max(0, Math.round((values[i]! - min) / scale)));
  return { q, min, scale };
}

/** Serialise weights back to back (TF.js order), optionally quantizing float32 weights. */
export function encodeWeights(
  weights: readonly NamedTensor[],
  quantize?: WeightQuantization,
): EncodedWeights {
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const { name, tensor } of weights) {
    const shape = [...tensor.shape];
    sizeOf(shape);
    if (tensor.dtype === 'int32') {
      specs.push({ name, shape, dtype: 'int32' });
      parts.push(
        new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).slice(),
      );
      continue;
    }
    const values = toFloat32(tensor, name);
    if (quantize === undefined) {
      specs.push({ name, shape, dtype: 'float32' });
      parts.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice());
    } else if (quantize === 'float16') {
      const half = toFloat16Array(values);
      specs.push({ name, shape, dtype: 'float32', quantization: { dtype: 'float16' } });
      parts.push(new Uint8Array(half.buffer));
    } else {
      const { q, min, scale } = quantizeAffine(values, quantize === 'uint8' ? 8 : 16);
      specs.push({ name, shape, dtype: 'float32', quantization: { dtype: quantize, min, scale } });
      parts.push(new Uint8Array(q.buffer));
    }
  }
  return { specs, data: concat(parts.length > 0 ? parts : [new Uint8Array(0)]) };
}

function toFloat32(t: Tensor, name: string): Float32Array {
  switch (t.dtype) {
    case 'float32':
      return t.data as Float32Array;
    case 'float16':
      return fromFloat16Array(t.data as Uint16Array);
    default:
      // Integer weights would be raw codes whose meaning (scale, zero point) a manifest cannot carry.
      throw kerasError(
        KERAS_ERROR_CODES.unsupported,
        `weight "${name}" has dtype ${t.dtype}; TF.js Layers weights are float32 or int32 (quantized IR weights stay float on their grid)`,
        { field: name },
      );
  }
}

/** Split a byte buffer into shards of at most `shardBytes` bytes (at least one shard). */
export function splitShards(data: Uint8Array, shardBytes: number): Uint8Array[] {
  if (!Number.isInteger(shardBytes) || shardBytes < 1) {
    throw kerasError(
      KERAS_ERROR_CODES.unsupported,
      `shard size must be a positive integer number of bytes, got ${shardBytes}`,
    );
  }
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += shardBytes)
    out.push(data.subarray(off, Math.min(data.length, off + shardBytes)));
  if (out.length === 0) out.push(new Uint8Array(0));
  return out;
}
