import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_SHARED } from './kernels-binary';

/**
 * The WebAssembly SIMD kernels of kernels.wat, instantiated on the TF.js wasm backend's memory.
 * Every argument named like a tensor is a byte offset into that memory.
 */
export interface SimdKernels {
  /** out[i] = y[i] > 0 ? dy[i] : 0. */
  reluGrad(dy: number, y: number, out: number, n: number): void;
  /** out[c] = Σ_r x[r·cols + c], float64 accumulation in `scratch` (cols × 8 bytes). */
  sumRows(x: number, rows: number, cols: number, out: number, scratch: number): void;
  /** MaxPoolGrad for 2×2 windows, stride 2, no padding (NHWC); see maxPoolGrad2x2Into. */
  maxPoolGrad2x2(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
  ): void;
  /** dW of a convolution (NHWC, no dilation) from the padded input; see kernels.wat. */
  convFilterGrad(
    xp: number,
    dy: number,
    dw: number,
    batch: number,
    paddedH: number,
    paddedW: number,
    inChannels: number,
    outH: number,
    outW: number,
    kh: number,
    kw: number,
    outChannels: number,
    sh: number,
    sw: number,
  ): void;
  /**
   * dW of a convolution (NHWC, no dilation, any stride and padding; `top`/`left` are the padding
   * before the input) from the unpadded input, 4 × 8 register blocks (inChannels % 4 = 0,
   * outChannels % 8 = 0); see kernels.wat.
   */
  convFilterGradBlocked(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    inH: number,
    inW: number,
    inChannels: number,
    outH: number,
    outW: number,
    kh: number,
    kw: number,
    outChannels: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
  ): void;
  /**
   * dX of a convolution (NHWC, no dilation, any stride and padding) from dy and the filter
   * transposed to [kh, kw, outChannels, inChannels], no padded dy (inChannels % 8 = 0); see
   * kernels.wat.
   */
  convInputGradBlocked(
    dy: number,
    filterTransposed: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    inChannels: number,
    outH: number,
    outW: number,
    kh: number,
    kw: number,
    outChannels: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
  ): void;
  /** convFilterGrad for 3×3 kernels with out channels % 4 = 0, the 9 taps in registers. */
  convFilterGrad3x3(
    xp: number,
    dy: number,
    dw: number,
    batch: number,
    paddedH: number,
    paddedW: number,
    inChannels: number,
    outH: number,
    outW: number,
    outChannels: number,
    sh: number,
    sw: number,
  ): void;
  /** out[i] = 0 < y[i] < 6 ? dy[i] : 0. */
  relu6Grad(dy: number, y: number, out: number, n: number): void;
  /**
   * Both gradients of a depthwise convolution with channel multiplier 1 (NHWC, any stride,
   * dilation, padding; `top`/`left` are the padding before the input): filterGrad 1 writes
   * dW [kh, kw, c] from src = x, filterGrad 0 writes dX [n, inH, inW, c] from src = w.
   */
  depthwiseBackprop(
    src: number,
    dy: number,
    out: number,
    filterGrad: 0 | 1,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
  ): void;
  /**
   * Over [rows, cols] matrices (float32 in 16-row chunks, then float64 in `scratch`, cols × 16
   * bytes): sumOut[c] = Σ (a[r, c] − aCenter[c]) and
   * dotOut[c] = Σ (a[r, c] − aCenter[c]) · (b[r, c] − center[c]).
   */
  channelMoments(
    a: number,
    aCenter: number,
    b: number,
    center: number,
    rows: number,
    cols: number,
    sumOut: number,
    dotOut: number,
    scratch: number,
  ): void;
  /** out = aᵀ·b for a [rows, ca], b [rows, cb] (4 × 8 register blocks, scalar edges). */
  gemmTransposedA(a: number, b: number, out: number, rows: number, ca: number, cb: number): void;
  /** out[r, c] = p[c] · a[r, c] + q[c] · b[r, c] + k[c] over [rows, cols] matrices. */
  channelAffine(
    a: number,
    b: number,
    p: number,
    q: number,
    k: number,
    rows: number,
    cols: number,
    out: number,
  ): void;
}

/** A WebAssembly.Memory, typed structurally (the project's TypeScript libs carry no DOM/wasm types). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

function decodeBase64(text: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

const instances = new WeakMap<WasmMemory, SimdKernels | null>();

/**
 * The kernels on `memory` (instantiated once per memory), or undefined where this WebAssembly
 * engine lacks SIMD or the memory cannot be imported; callers then use their JavaScript path.
 */
export function simdKernelsOn(memory: WasmMemory): SimdKernels | undefined {
  const hit = instances.get(memory);
  if (hit !== undefined) return hit ?? undefined;
  let kernels: SimdKernels | null = null;
  try {
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    if (wasm === undefined) throw new Error('no WebAssembly');
    const module = new wasm.Module(decodeBase64(shared ? SIMD_KERNELS_SHARED : SIMD_KERNELS_PLAIN));
    kernels = new wasm.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
  } catch {
    kernels = null;
  }
  instances.set(memory, kernels);
  return kernels ?? undefined;
}
