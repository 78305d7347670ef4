import { channelLayout } from '../channels';
import type { Tensor } from '../tensor';
import type { CodebookAnnotation, MaskAnnotation, QuantAnnotation, RangeAnnotation } from './types';

/** Result of a contract check: ok, or the first offending element and why. */
export type ContractCheck = { ok: true } | { ok: false; index: number; message: string };

const OK: ContractCheck = { ok: true };

function floatData(t: Tensor, what: string): Float32Array | ContractCheck {
  if (t.data instanceof Float32Array) return t.data;
  return {
    ok: false,
    index: -1,
    message: `${what} contract needs float32 data, tensor is ${t.dtype}`,
  };
}

/** Every masked-out element is exactly zero (m:n masks also keep the pattern). */
export function checkMask(t: Tensor, ann: MaskAnnotation): ContractCheck {
  const data = floatData(t, 'mask');
  if (!(data instanceof Float32Array)) return data;
  if (ann.mask.length !== data.length) {
    return {
      ok: false,
      index: -1,
      message: `mask has ${ann.mask.length} entries, weight has ${data.length}`,
    };
  }
  for (let i = 0; i < data.length; i++) {
    if (ann.mask[i] === 0 && data[i] !== 0) {
      return { ok: false, index: i, message: `element ${i} is pruned but holds ${data[i]}` };
    }
  }
  return OK;
}

/** Every element equals the centroid its index names (within its channel's codebook). */
export function checkCodebook(t: Tensor, ann: CodebookAnnotation, tolerance = 0): ContractCheck {
  const data = floatData(t, 'codebook');
  if (!(data instanceof Float32Array)) return data;
  if (ann.indices.length !== data.length) {
    return {
      ok: false,
      index: -1,
      message: `codebook has ${ann.indices.length} indices, weight has ${data.length}`,
    };
  }
  const k = ann.clusters;
  const layout = ann.channelAxes ? channelLayout(t.shape, ann.channelAxes) : undefined;
  const rows = layout ? layout.count : 1;
  if (ann.centroids.length !== rows * k) {
    return {
      ok: false,
      index: -1,
      message: `codebook holds ${ann.centroids.length} centroids, expected ${rows}×${k}`,
    };
  }
  for (let i = 0; i < data.length; i++) {
    const idx = ann.indices[i]!;
    if (idx < 0 || idx >= k)
      return {
        ok: false,
        index: i,
        message: `element ${i} has centroid index ${idx} outside [0, ${k})`,
      };
    const row = layout ? layout.channelOf(i) : 0;
    const c = ann.centroids[row * k + idx]!;
    const diff = Math.abs(data[i]! - c);
    if (diff > tolerance * Math.max(1, Math.abs(c))) {
      return {
        ok: false,
        index: i,
        message: `element ${i} is ${data[i]}, its centroid ${idx} is ${c}`,
      };
    }
  }
  return OK;
}

/** Integer range [qmin, qmax] of a quantization annotation. */
export function quantRange(
  q: Pick<QuantAnnotation, 'dtype' | 'bits' | 'narrowRange'>,
): [number, number] {
  if (q.dtype === 'uint8') return [0, 2 ** q.bits - 1];
  const half = 2 ** (q.bits - 1);
  return [q.narrowRange ? -half + 1 : -half, half - 1];
}

/**
 * Float weights on the quantization grid: every element equals scale_c·(q − zp_c) for an
 * integer q in range (float32 rounding tolerated: 1e-3 of a step, or 2^−23·|q| steps for large
 * integers such as int32 biases, whose exact product scale·q float32 cannot hold).
 */
export function checkWeightQuant(t: Tensor, ann: QuantAnnotation): ContractCheck {
  if (ann.dtype === 'float16') return OK; // float16 storage: any float is representable after rounding
  const data = floatData(t, 'quant');
  if (!(data instanceof Float32Array)) return data;
  const layout = ann.channelAxes ? channelLayout(t.shape, ann.channelAxes) : undefined;
  const rows = layout ? layout.count : 1;
  if (ann.scale.length !== rows || ann.zeroPoint.length !== rows) {
    return {
      ok: false,
      index: -1,
      message: `quant has ${ann.scale.length} scales, weight has ${rows} channels`,
    };
  }
  const [qmin, qmax] = quantRange(ann);
  for (let i = 0; i < data.length; i++) {
    const row = layout ? layout.channelOf(i) : 0;
    const s = ann.scale[row]!;
    const zp = ann.zeroPoint[row]!;
    if (s === 0) {
      if (data[i] !== 0)
        return {
          ok: false,
          index: i,
          message: `element ${i} is ${data[i]} but channel ${row} has scale 0`,
        };
      continue;
    }
    const q = data[i]! / s + zp;
    const r = Math.round(q);
    if (Math.abs(q - r) > Math.max(1e-3, Math.abs(r) * 2 ** -23))
      return {
        ok: false,
        index: i,
        message: `element ${i} (${data[i]}) is off the grid of scale ${s}`,
      };
    if (r < qmin || r > qmax)
      return {
        ok: false,
        index: i,
        message: `element ${i} quantizes to ${r}, outside [${qmin}, ${qmax}]`,
      };
  }
  return OK;
}

/** Observed activation values lie inside the annotated range (with a relative slack). */
export function checkRange(t: Tensor, ann: RangeAnnotation, slack = 0): ContractCheck {
  const data = floatData(t, 'range');
  if (!(data instanceof Float32Array)) return data;
  const tol = slack * (ann.max - ann.min);
  for (let i = 0; i < data.length; i++) {
    if (data[i]! < ann.min - tol || data[i]! > ann.max + tol) {
      return {
        ok: false,
        index: i,
        message: `element ${i} is ${data[i]}, outside [${ann.min}, ${ann.max}]`,
      };
    }
  }
  return OK;
}

/** Parameters of a quant annotation are well formed (scales positive and finite, zero points in range). */
export function checkQuantParams(ann: QuantAnnotation): ContractCheck {
  if (ann.dtype === 'float16') return OK;
  const [qmin, qmax] = quantRange(ann);
  for (let i = 0; i < ann.scale.length; i++) {
    const s = ann.scale[i]!;
    if (!Number.isFinite(s) || s < 0) return { ok: false, index: i, message: `scale ${i} is ${s}` };
    const zp = ann.zeroPoint[i]!;
    if (zp < qmin || zp > qmax)
      return {
        ok: false,
        index: i,
        message: `zero point ${i} is ${zp}, outside [${qmin}, ${qmax}]`,
      };
  }
  return OK;
}
