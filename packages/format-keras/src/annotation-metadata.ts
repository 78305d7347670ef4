import {
  checkValueContract,
  checkWeightContract,
  sizeOf,
  type CodebookAnnotation,
  type Graph,
  type MaskAnnotation,
  type QuantAnnotation,
  type QuantDType,
  type RangeAnnotation,
  type Value,
  type WeightAnnotations,
} from '@collabopt/core';
import { KERAS_ERROR_CODES, kerasError } from './errors';
import { JsonReader, type JsonObject } from './json';

/** Graph metadata key of the quantization mode (docs/quantization-contract.md), kept with the annotations. */
const QUANTIZATION_KEY = 'quantization';

function isQuantizationMode(v: unknown): v is { mode: string } {
  return typeof v === 'object' && v !== null && typeof (v as { mode?: unknown }).mode === 'string';
}

/** Key under `userDefinedMetadata` holding collabopt's optimization annotations. */
export const METADATA_KEY = 'collabopt';
const FORMAT_VERSION = 1;

/** Base64 without Node's Buffer (the format also runs in browsers). */
function b64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function unb64(r: JsonReader): Uint8Array {
  const s = r.string();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) r.fail('is not base64');
  let binary: string;
  try {
    binary = atob(s);
  } catch {
    return r.fail('is not base64');
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function packBits(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

function unpackBits(bits: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (bits[i >> 3]! >> (i & 7)) & 1;
  return out;
}

function encodeQuant(q: QuantAnnotation): JsonObject {
  return {
    dtype: q.dtype,
    scale: Array.from(q.scale),
    zeroPoint: Array.from(q.zeroPoint),
    ...(q.channelAxes ? { channelAxes: [...q.channelAxes] } : {}),
    bits: q.bits,
    narrowRange: q.narrowRange,
    ...(q.min !== undefined ? { min: q.min } : {}),
    ...(q.max !== undefined ? { max: q.max } : {}),
  };
}

function encodeWeightAnnotations(a: WeightAnnotations): JsonObject | undefined {
  const out: Record<string, unknown> = {};
  if (a.mask) {
    out['mask'] = {
      bits: b64(packBits(a.mask.mask)),
      ...(a.mask.structure ? { structure: a.mask.structure } : {}),
      ...(a.mask.targetSparsity !== undefined ? { targetSparsity: a.mask.targetSparsity } : {}),
    };
  }
  if (a.codebook) {
    const c = a.codebook;
    const indexType =
      c.indices instanceof Uint8Array
        ? 'uint8'
        : c.indices instanceof Uint16Array
          ? 'uint16'
          : 'int32';
    out['codebook'] = {
      centroids: b64(
        new Uint8Array(c.centroids.buffer, c.centroids.byteOffset, c.centroids.byteLength),
      ),
      indices: b64(new Uint8Array(c.indices.buffer, c.indices.byteOffset, c.indices.byteLength)),
      indexType,
      clusters: c.clusters,
      ...(c.channelAxes ? { channelAxes: [...c.channelAxes] } : {}),
      ...(c.zeroCentroid ? { zeroCentroid: [...c.zeroCentroid] } : {}),
    };
  }
  if (a.quant) out['quant'] = encodeQuant(a.quant);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The annotations of a graph as a JSON object for `userDefinedMetadata`, or undefined if it has none. */
export function encodeAnnotations(
  graph: Graph,
  names: { node(name: string): string; value(value: Value): string } = {
    node: (n) => n,
    value: (v) => v.name,
  },
): JsonObject | undefined {
  const weights: Record<string, Record<string, JsonObject>> = {};
  const values: Record<string, JsonObject> = {};
  for (const node of graph.nodes) {
    for (const [slot, w] of Object.entries(node.weights)) {
      const enc = encodeWeightAnnotations(w.annotations);
      if (enc) (weights[names.node(node.name)] ??= {})[slot] = enc;
    }
    for (const v of node.outputs) {
      const out: Record<string, unknown> = {};
      if (v.annotations.range) out['range'] = { ...v.annotations.range };
      if (v.annotations.quant) out['quant'] = encodeQuant(v.annotations.quant);
      if (Object.keys(out).length > 0) values[names.value(v)] = out;
    }
  }
  const quantization = graph.metadata[QUANTIZATION_KEY];
  const mode = isQuantizationMode(quantization) ? { [QUANTIZATION_KEY]: quantization } : {};
  if (
    Object.keys(weights).length === 0 &&
    Object.keys(values).length === 0 &&
    !('quantization' in mode)
  )
    return undefined;
  return { version: FORMAT_VERSION, weights, values, ...mode };
}

function ints(r: JsonReader): number[] {
  return r.array().map((x) => x.int());
}

function decodeQuant(r: JsonReader): QuantAnnotation {
  const dtype = r.get('dtype').string();
  if (!['int8', 'uint8', 'int16', 'int32', 'int64', 'float16'].includes(dtype))
    r.get('dtype').fail(`unknown quant dtype "${dtype}"`);
  const scale = Float32Array.from(
    r
      .get('scale')
      .array()
      .map((x) => x.number()),
  );
  const zeroPoint = Int32Array.from(ints(r.get('zeroPoint')));
  if (scale.length === 0 || scale.length !== zeroPoint.length)
    r.fail('scale and zeroPoint must have the same non-zero length');
  const q: QuantAnnotation = {
    dtype: dtype as QuantDType,
    scale,
    zeroPoint,
    ...(r.has('channelAxes') ? { channelAxes: ints(r.get('channelAxes')) } : {}),
    bits: r.get('bits').int(),
    narrowRange: r.get('narrowRange').bool(),
    ...(r.has('min') ? { min: r.get('min').number() } : {}),
    ...(r.has('max') ? { max: r.get('max').number() } : {}),
  };
  return q;
}

function decodeMask(r: JsonReader, n: number): MaskAnnotation {
  const bits = unb64(r.get('bits'));
  if (bits.length !== Math.ceil(n / 8))
    r.fail(`mask holds ${bits.length * 8} bits for ${n} weights`);
  const structure = r.get('structure');
  let s: MaskAnnotation['structure'];
  if (!structure.isNull()) {
    const kind = structure.get('kind').string();
    if (kind === 'unstructured') s = { kind };
    else if (kind === 'block') {
      const b = structure.get('blockSize').intTuple(2);
      s = { kind, blockSize: [b[0]!, b[1]!] };
    } else if (kind === 'mn')
      s = { kind, m: structure.get('m').int(), n: structure.get('n').int() };
    else structure.fail(`unknown mask structure "${kind}"`);
  }
  return {
    mask: unpackBits(bits, n),
    ...(s ? { structure: s } : {}),
    ...(r.has('targetSparsity') ? { targetSparsity: r.get('targetSparsity').number() } : {}),
  };
}

function decodeCodebook(r: JsonReader, n: number): CodebookAnnotation {
  const cBytes = unb64(r.get('centroids'));
  if (cBytes.length % 4 !== 0) r.get('centroids').fail('is not a float32 array');
  const centroids = new Float32Array(cBytes.slice().buffer);
  const iBytes = unb64(r.get('indices')).slice();
  const indexType = r.get('indexType').string();
  let indices: Uint8Array | Uint16Array | Int32Array;
  if (indexType === 'uint8') indices = iBytes;
  else if (indexType === 'uint16' && iBytes.length % 2 === 0)
    indices = new Uint16Array(iBytes.buffer);
  else if (indexType === 'int32' && iBytes.length % 4 === 0)
    indices = new Int32Array(iBytes.buffer);
  else return r.get('indexType').fail(`does not describe ${iBytes.length} index bytes`);
  if (indices.length !== n)
    r.get('indices').fail(`holds ${indices.length} indices for ${n} weights`);
  const clusters = r.get('clusters').int();
  if (clusters < 1 || centroids.length % clusters !== 0)
    r.get('clusters').fail(`${clusters} clusters do not divide ${centroids.length} centroids`);
  for (const i of indices)
    if (i < 0 || i >= clusters) r.get('indices').fail(`index ${i} is outside [0, ${clusters})`);
  return {
    centroids,
    indices,
    clusters,
    ...(r.has('channelAxes') ? { channelAxes: ints(r.get('channelAxes')) } : {}),
    ...(r.has('zeroCentroid') ? { zeroCentroid: ints(r.get('zeroCentroid')) } : {}),
  };
}

/**
 * Restore annotations written by `encodeAnnotations`. An annotation whose contract no longer holds
 * (the file was edited or stored with lossy weight quantization) is dropped and reported in the
 * returned warnings; a malformed one is a KERAS_BAD_ANNOTATIONS error.
 */
export function restoreAnnotations(graph: Graph, metadata: unknown): string[] {
  const warnings: string[] = [];
  const root = new JsonReader(metadata, `userDefinedMetadata.${METADATA_KEY}`);
  try {
    const version = root.get('version').int();
    if (version !== FORMAT_VERSION)
      root.get('version').fail(`version ${version} is not supported (expected ${FORMAT_VERSION})`);
    const weights = root.get('weights');
    if (!weights.isNull()) {
      for (const nodeName of Object.keys(weights.object())) {
        const node = graph.findNode(nodeName);
        if (node === undefined) {
          warnings.push(`annotations for unknown layer "${nodeName}" ignored`);
          continue;
        }
        const slotsR = weights.get(nodeName);
        for (const slot of Object.keys(slotsR.object())) {
          const w = node.weights[slot];
          const a = slotsR.get(slot);
          if (w === undefined) {
            warnings.push(`annotations for unknown weight "${nodeName}/${slot}" ignored`);
            continue;
          }
          const n = sizeOf(w.tensor.shape);
          if (a.has('mask')) w.annotations.mask = decodeMask(a.get('mask'), n);
          if (a.has('codebook')) w.annotations.codebook = decodeCodebook(a.get('codebook'), n);
          if (a.has('quant')) w.annotations.quant = decodeQuant(a.get('quant'));
          for (const kind of ['mask', 'codebook', 'quant'] as const) {
            if (w.annotations[kind] === undefined) continue;
            const check = checkWeightContract(w, kind);
            if (!check.ok) {
              delete w.annotations[kind];
              warnings.push(
                `${kind} annotation of "${nodeName}/${slot}" dropped: the stored weights no longer satisfy it (${check.message})`,
              );
            }
          }
        }
      }
    }
    const quantization = root.get(QUANTIZATION_KEY);
    if (!quantization.isNull())
      graph.metadata[QUANTIZATION_KEY] = { mode: quantization.get('mode').string() };
    const values = root.get('values');
    if (!values.isNull()) {
      for (const valueName of Object.keys(values.object())) {
        const v = graph.findValue(valueName);
        const a = values.get(valueName);
        if (v === undefined) {
          warnings.push(`annotations for unknown value "${valueName}" ignored`);
          continue;
        }
        if (a.has('range')) {
          const r = a.get('range');
          const range: RangeAnnotation = {
            min: r.get('min').number(),
            max: r.get('max').number(),
            ...(r.has('source') ? { source: r.get('source').string() } : {}),
          };
          v.annotations.range = range;
        }
        if (a.has('quant')) v.annotations.quant = decodeQuant(a.get('quant'));
        for (const kind of ['range', 'quant'] as const) {
          if (v.annotations[kind] === undefined) continue;
          const check = checkValueContract(v, kind);
          if (!check.ok) {
            delete v.annotations[kind];
            warnings.push(`${kind} annotation of value "${valueName}" dropped: ${check.message}`);
          }
        }
      }
    }
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === KERAS_ERROR_CODES.badJson) {
      throw kerasError(
        KERAS_ERROR_CODES.badAnnotations,
        `collabopt annotations in userDefinedMetadata are malformed: ${e.message}`,
        {
          field: root.path,
        },
      );
    }
    throw e;
  }
  return warnings;
}
