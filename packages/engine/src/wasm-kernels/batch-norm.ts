import * as tf from '@tensorflow/tfjs-core';
import { runByImages, runByImagesSummed } from './split-by-images';
import { heapFloats, heapSimd, type HeapBackend, type HeapSimd } from './wasm-heap';

/**
 * Training-mode batch normalization over the last axis as two fused kernels (the names the
 * engine's batch norm asks the active backend for; tfjs-node runs TensorFlow's
 * FusedBatchNormV3/GradV3 under them):
 * - forward {x, scale, offset}, attrs {epsilon} → [y, mean, variance, mean, variance, rstd]
 *   (batch mean, biased batch variance, 1/√(variance + ε)); one pass for the moments (sums shifted
 *   by the first row, which keeps them accurate when the mean is large), one for y.
 * - gradient {dy, x, scale, mean, variance, reserve} → [dx, dscale, doffset]: one pass for
 *   Σ dy and Σ dy·(x − mean), one for dx.
 */
export const BATCH_NORM_TRAINING = 'CollaboptBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'CollaboptBatchNormTrainingGrad';

/**
 * Mean and biased variance from sums shifted by `shift`: S = Σ (x − shift), D = Σ (x − shift)²
 * over `rows` rows, written into `mean` and `variance` (which may hold S and D).
 */
export function momentsFromShiftedSums(
  shift: Float32Array,
  sum: Float32Array,
  squares: Float32Array,
  rows: number,
  mean: Float32Array,
  variance: Float32Array,
): void {
  for (let j = 0; j < shift.length; j++) {
    const m = sum[j]! / rows;
    mean[j] = shift[j]! + m;
    variance[j] = Math.max(0, squares[j]! / rows - m * m);
  }
}

/** Per-channel coefficients of y = scale·x + shift from the batch statistics. */
export function batchNormCoefficients(
  mean: Float32Array,
  variance: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
): { rstd: Float32Array; scale: Float32Array; shift: Float32Array } {
  const c = mean.length;
  const rstd = new Float32Array(c);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    rstd[i] = 1 / Math.sqrt(variance[i]! + epsilon);
    scale[i] = gamma[i]! * rstd[i]!;
    shift[i] = beta[i]! - mean[i]! * scale[i]!;
  }
  return { rstd, scale, shift };
}

/**
 * dx = a·dy + b·x + k per channel, from Σ dy (dbeta) and Σ dy·(x − mean) over `rows` rows:
 * dx = γ·rstd·(dy − dbeta/M − x̂·dgamma/M) with x̂ = (x − mean)·rstd and dgamma = rstd·Σ dy·(x − mean).
 */
export function batchNormGradCoefficients(
  gamma: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  sumDy: Float32Array,
  sumDyCentered: Float32Array,
  rows: number,
): { a: Float32Array; b: Float32Array; k: Float32Array; dgamma: Float32Array } {
  const c = gamma.length;
  const a = new Float32Array(c);
  const b = new Float32Array(c);
  const k = new Float32Array(c);
  const dgamma = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const r = rstd[i]!;
    dgamma[i] = sumDyCentered[i]! * r;
    a[i] = gamma[i]! * r;
    b[i] = (-a[i]! * r * dgamma[i]!) / rows;
    k[i] = (-a[i]! * sumDy[i]!) / rows - b[i]! * mean[i]!;
  }
  return { a, b, k, dgamma };
}

/** Σ (a − ca) and Σ (a − ca)(b − cb) per channel over the rows of [rows, c] matrices (float64 sums). */
export function channelMomentsInto(
  a: Float32Array,
  aCenter: Float32Array,
  b: Float32Array,
  bCenter: Float32Array,
  sum: Float32Array,
  dot: Float32Array,
): void {
  const c = sum.length;
  const s = new Float64Array(c);
  const d = new Float64Array(c);
  for (let o = 0; o < a.length; o += c) {
    for (let j = 0; j < c; j++) {
      const da = a[o + j]! - aCenter[j]!;
      s[j] += da;
      d[j] += da * (b[o + j]! - bCenter[j]!);
    }
  }
  sum.set(s);
  dot.set(d);
}

/** out = p·a + q·b + k per channel over [rows, c] matrices. */
export function channelAffineInto(
  a: Float32Array,
  b: Float32Array,
  p: Float32Array,
  q: Float32Array,
  k: Float32Array,
  out: Float32Array,
): void {
  const c = p.length;
  for (let o = 0; o < out.length; o += c)
    for (let j = 0; j < c; j++) out[o + j] = p[j]! * a[o + j]! + q[j]! * b[o + j]! + k[j]!;
}

/** Per-channel float32 vectors staged in the heap for the SIMD kernels (one allocation). */
class HeapVectors {
  private readonly base: number;
  constructor(
    private readonly simd: HeapSimd,
    private readonly channels: number,
    count: number,
    /** Extra bytes (16-aligned) after the vectors, e.g. float64 scratch. */
    extraBytes: number,
  ) {
    this.base = simd.malloc(count * this.stride + extraBytes + 16);
  }
  private get stride(): number {
    return Math.ceil((this.channels * 4) / 16) * 16;
  }
  address(i: number): number {
    return (Math.ceil(this.base / 16) * 16 + i * this.stride) >>> 0;
  }
  /** A view of vector i; take views only after every allocation. */
  view(i: number): Float32Array {
    return this.simd.floats(this.address(i), this.channels);
  }
  free(): void {
    this.simd.free(this.base);
  }
}

/** channelAffine split across the SIMD threads by rows of `cols` channels. */
function byRows(cols: number) {
  return { batch: 'rows', perImage: { a: cols * 4, b: cols * 4, out: cols * 4 } } as const;
}

/** channelMoments split across the SIMD threads by rows: partial sums, private float64 scratch. */
function momentsByRows(cols: number) {
  return {
    batch: 'rows',
    perImage: { a: cols * 4, b: cols * 4 },
    outs: { sumOut: cols, dotOut: cols },
    scratch: { scratch: cols * 16 },
  } as const;
}

function rowsOf(x: tf.TensorInfo): { rows: number; channels: number } {
  const channels = x.shape[x.shape.length - 1]!;
  return { rows: tf.util.sizeFromShape(x.shape) / channels, channels };
}

export function batchNormTrainingKernel(
  backend: HeapBackend,
  x: tf.TensorInfo,
  scaleT: tf.TensorInfo,
  offsetT: tf.TensorInfo,
  epsilon: number,
): tf.TensorInfo[] {
  const { rows, channels } = rowsOf(x);
  const y = backend.makeOutput([...x.shape], 'float32');
  const stats = [0, 1, 2, 3, 4].map(() => backend.makeOutput([channels], 'float32'));
  const [mean, variance, mean2, variance2, rstdT] = stats as [
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
    tf.TensorInfo,
  ];
  const simd = heapSimd(backend);
  const view = (t: tf.TensorInfo): Float32Array => heapFloats(backend, t);
  if (simd === undefined) {
    const xs = view(x);
    const m = view(mean);
    const sq = view(variance);
    const first = xs.slice(0, channels);
    channelMomentsInto(xs, first, xs, first, m, sq);
    momentsFromShiftedSums(first, m, sq, rows, m, sq);
    const { rstd, scale, shift } = batchNormCoefficients(
      m,
      sq,
      view(scaleT),
      view(offsetT),
      epsilon,
    );
    channelAffineInto(xs, xs, new Float32Array(channels), scale, shift, view(y));
    view(mean2).set(m);
    view(variance2).set(sq);
    view(rstdT).set(rstd);
    return [y, ...stats];
  }
  const at = simd.address;
  const vec = new HeapVectors(simd, channels, 3, channels * 16); // zeros, scale, shift; scratch
  try {
    const scratch = vec.address(3);
    vec.view(0).fill(0);
    // Shifted by x's first row (at x's own address; the centers stay put when split by rows).
    runByImagesSummed(
      simd,
      'channelMoments',
      {
        a: at(x),
        aCenter: at(x),
        b: at(x),
        center: at(x),
        rows,
        cols: channels,
        sumOut: at(mean),
        dotOut: at(variance),
        scratch,
      },
      momentsByRows(channels),
    );
    const sq = view(variance);
    const m = view(mean);
    momentsFromShiftedSums(view(x).subarray(0, channels), m, sq, rows, m, sq);
    const { rstd, scale, shift } = batchNormCoefficients(
      view(mean),
      sq,
      view(scaleT),
      view(offsetT),
      epsilon,
    );
    vec.view(1).set(scale);
    vec.view(2).set(shift);
    view(mean2).set(view(mean));
    view(variance2).set(sq);
    view(rstdT).set(rstd);
    runByImages(
      simd,
      'channelAffine',
      {
        a: at(x),
        b: at(x),
        p: vec.address(0),
        q: vec.address(1),
        k: vec.address(2),
        rows,
        cols: channels,
        out: at(y),
      },
      byRows(channels),
    );
  } finally {
    vec.free();
  }
  return [y, ...stats];
}

export function batchNormTrainingGradKernel(
  backend: HeapBackend,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
  scaleT: tf.TensorInfo,
  meanT: tf.TensorInfo,
  rstdT: tf.TensorInfo,
): tf.TensorInfo[] {
  const { rows, channels } = rowsOf(x);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dscale = backend.makeOutput([channels], 'float32');
  const doffset = backend.makeOutput([channels], 'float32');
  const simd = heapSimd(backend);
  const view = (t: tf.TensorInfo): Float32Array => heapFloats(backend, t);
  if (simd === undefined) {
    const dot = new Float32Array(channels);
    channelMomentsInto(
      view(dy),
      new Float32Array(channels),
      view(x),
      view(meanT),
      view(doffset),
      dot,
    );
    const c = batchNormGradCoefficients(
      view(scaleT),
      view(meanT),
      view(rstdT),
      view(doffset),
      dot,
      rows,
    );
    view(dscale).set(c.dgamma);
    channelAffineInto(view(dy), view(x), c.a, c.b, c.k, view(dx));
    return [dx, dscale, doffset];
  }
  const at = simd.address;
  const vec = new HeapVectors(simd, channels, 4, channels * 16); // zeros, a, b, k; scratch
  try {
    vec.view(0).fill(0);
    runByImagesSummed(
      simd,
      'channelMoments',
      {
        a: at(dy),
        aCenter: vec.address(0),
        b: at(x),
        center: at(meanT),
        rows,
        cols: channels,
        sumOut: at(doffset),
        dotOut: at(dscale),
        scratch: vec.address(4),
      },
      momentsByRows(channels),
    );
    const c = batchNormGradCoefficients(
      view(scaleT),
      view(meanT),
      view(rstdT),
      view(doffset),
      view(dscale),
      rows,
    );
    view(dscale).set(c.dgamma);
    vec.view(1).set(c.a);
    vec.view(2).set(c.b);
    vec.view(3).set(c.k);
    runByImages(
      simd,
      'channelAffine',
      {
        a: at(dy),
        b: at(x),
        p: vec.address(1),
        q: vec.address(2),
        k: vec.address(3),
        rows,
        cols: channels,
        out: at(dx),
      },
      byRows(channels),
    );
  } finally {
    vec.free();
  }
  return [dx, dscale, doffset];
}
