/** Shared helpers of the ONNX real-runtime tests: ONNX Runtime (Node), the oracle's checker, layouts. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { runPython } from '../helpers/oracle';

export const TMP = mkdtempSync(path.join(tmpdir(), 'collabopt-onnx-'));

export interface Arr {
  data: Float32Array;
  dims: number[];
}

/** Run a model in ONNX Runtime (CPU); feeds and results by name. */
export async function ortRun(
  model: Uint8Array | string,
  feeds: Record<string, Arr>,
): Promise<Record<string, Arr>> {
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model)
      : await ort.InferenceSession.create(model);
  const input: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) input[k] = new ort.Tensor('float32', v.data, v.dims);
  const out = await session.run(input);
  const result: Record<string, Arr> = {};
  for (const [k, t] of Object.entries(out))
    result[k] = { data: t.data as Float32Array, dims: [...t.dims] };
  await session.release();
  return result;
}

/** onnx.checker.check_model(full_check=True) + strict shape inference for each file: 'ok' or the error. */
export function checkModels(paths: string[]): Record<string, string> {
  return JSON.parse(runPython(path.join(__dirname, 'check_onnx.py'), paths).stdout) as Record<
    string,
    string
  >;
}

export function saveModel(name: string, bytes: Uint8Array): string {
  const p = path.join(TMP, name);
  writeFileSync(p, bytes);
  return p;
}

/** Permute a dense row-major array. */
export function transpose(a: Arr, perm: number[]): Arr {
  const dims = perm.map((p) => a.dims[p]!);
  const inStr = a.dims.map((_, i) => a.dims.slice(i + 1).reduce((x, y) => x * y, 1));
  const out = new Float32Array(a.data.length);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let off = 0;
    for (let k = 0; k < dims.length; k++) off += idx[k]! * inStr[perm[k]!]!;
    out[o] = a.data[off]!;
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k]! < dims[k]!) break;
      idx[k] = 0;
    }
  }
  return { data: out, dims };
}

export const toNchw = (a: Arr): Arr => (a.dims.length === 4 ? transpose(a, [0, 3, 1, 2]) : a);
export const toNhwc = (a: Arr): Arr => (a.dims.length === 4 ? transpose(a, [0, 2, 3, 1]) : a);

/** Seeded uniform [0, 1) data. */
export function randomArr(dims: number[], seed = 1): Arr {
  let s = seed >>> 0 || 1;
  const n = dims.reduce((x, y) => x * y, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    data[i] = s / 2 ** 32;
  }
  return { data, dims };
}

/** max |a − b| / max(|b|, floor) over elements. */
export function maxRelError(a: Float32Array, b: Float32Array, floor = 1e-3): number {
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor));
  return m;
}

export function maxAbsError(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Write a float32 array as a .npy file (v1.0, little-endian, C order) under TMP; returns its path. */
export function npy(name: string, data: Float32Array, dims: number[]): string {
  // Minimal .npy (v1.0, little-endian float32, C order).
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  const pad = 16 - ((10 + header.length + 1) % 16);
  const h = header + ' '.repeat(pad === 16 ? 0 : pad) + '\n';
  const buf = Buffer.alloc(10 + h.length + data.byteLength);
  buf.write('\x93NUMPY', 0, 'latin1');
  buf[6] = 1;
  buf[7] = 0;
  buf.writeUInt16LE(h.length, 8);
  buf.write(h, 10, 'latin1');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(buf, 10 + h.length);
  const p = path.join(TMP, name);
  writeFileSync(p, buf);
  return p;
}
