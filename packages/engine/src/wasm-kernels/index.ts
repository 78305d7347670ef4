/**
 * Gradient kernels the TF.js wasm backend lacks (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropFilter/Input, UnsortedSegmentSum) plus a faster Conv2DBackpropInput,
 * a faster Sum over leading axes (bias gradients) and a correct MaxPoolGrad (the stock one drops
 * gradients of all-negative windows and misroutes them under 'same' padding). Most are composed
 * from fast wasm primitives (slices + MatMul, convolutions); MaxPoolGrad is one JavaScript pass
 * over the tensors in the wasm heap. All are registered with `registerKernel`. Self-contained: depends only on @tensorflow/tfjs-core; usable without the rest
 * of collabopt (`registerWasmGradientKernels()` after importing @tensorflow/tfjs-backend-wasm).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter, conv2dBackpropInput } from './conv2d-backprop';
import type { ForwardConvCall, InputGradCall } from './conv-call-geometry';
import type { PadAttr } from './conv-geometry';
import { depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './depthwise-backprop';
import { depthwiseBackpropFilterSimd, depthwiseBackpropInputSimd } from './depthwise-backprop-simd';
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  batchNormTrainingGradKernel,
  batchNormTrainingKernel,
} from './batch-norm';
import { maxPoolGradKernel, poolGeometry } from './max-pool-grad';
import { contiguousSlice, contiguousSplit } from './contiguous-slice';
import { denseGemmSimd, pointwiseConvGemm } from './dense-gemm';
import { ADAM_UPDATE, adamUpdateKernel, type AdamCoefficients } from './adam-update';
import {
  RELU6_GRAD,
  RELU_GRAD,
  relu6GradKernel,
  reluGradKernel,
  routeGradientToKernel,
} from './relu-grad';
import { leadingAxesReduction, sumLeadingAxesKernel } from './sum-leading-axes';
import { unsortedSegmentSum } from './unsorted-segment-sum';
import { heapSimd, isHeapBackend, type HeapBackend } from './wasm-heap';
import { transposedAMatMulSimd } from './transposed-a-matmul';
import { conv2dBackpropInputSimd } from './conv2d-backprop-input-simd';
import {
  WINOGRAD_INPUT_GRAD_MIN_IN_CHANNELS,
  conv2dBackpropInputWinograd,
} from './conv2d-backprop-input-winograd';
import { conv2dForwardSimd } from './conv2d-forward-simd';
import { conv2dForwardWinograd } from './conv2d-forward-winograd';
import { maxPool2x2Simd } from './max-pool-simd';
import {
  SIMD_FILTER_GRAD_MAX_IN_CHANNELS,
  blockedFilterGradSimd,
  conv2dBackpropFilterSimd,
  pointwiseFilterGradSimd,
} from './conv2d-backprop-filter-simd';

export {
  conv2dBackpropFilter,
  conv2dBackpropInput,
  chooseFilterGradMethod,
  type FilterGradMethod,
} from './conv2d-backprop';
export { depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './depthwise-backprop';
export { unsortedSegmentSum } from './unsorted-segment-sum';
export {
  maxPoolGradInto,
  maxPoolGrad2x2Into,
  poolGeometry,
  type PoolGeometry,
} from './max-pool-grad';
export { leadingAxesReduction, sumRowsInto } from './sum-leading-axes';
export {
  reluGradInto,
  relu6GradInto,
  RELU_GRAD,
  RELU6_GRAD,
  routeGradientToKernel,
} from './relu-grad';
export {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  batchNormCoefficients,
  batchNormGradCoefficients,
  channelAffineInto,
  channelMomentsInto,
  momentsFromShiftedSums,
} from './batch-norm';
export { depthwiseBackpropFilterSimd, depthwiseBackpropInputSimd } from './depthwise-backprop-simd';
export {
  ADAM_UPDATE,
  adamCoefficients,
  adamUpdateInto,
  type AdamCoefficients,
} from './adam-update';
export { contiguousSliceOffset } from './contiguous-slice';
export { backendMemory, setHeapSimdEnabled } from './wasm-heap';
export {
  setSimdThreadPool,
  simdThreadPoolOn,
  type SimdThreadPool,
} from './simd/simd-helper-threads';
export { imageRanges, setMinimumSplitBytes } from './split-by-images';

type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function asTensor<T extends tf.Tensor>(info: tf.TensorInfo | undefined): T {
  if (info === undefined) throw new Error('missing kernel input');
  return (info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info)) as T;
}

function nhwcOnly(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC')
    throw new Error(`${kernel}: only NHWC is supported, got ${String(dataFormat)}`);
}

let useBlockedFilterGrad = true;
let useBlockedInputGrad = true;
let useDirectForwardConv = true;
let useDirectMaxPool = true;

/**
 * Benchmarks only: run multi-channel filter gradients as the transposed convolution, and 3×3
 * few-channel ones with products added in memory, instead.
 */
export function setBlockedFilterGradEnabled(enabled: boolean): void {
  useBlockedFilterGrad = enabled;
}

/** Benchmarks only: run convolution input gradients as the transposed convolution instead. */
export function setBlockedInputGradEnabled(enabled: boolean): void {
  useBlockedInputGrad = enabled;
}

/** Benchmarks only: run 2×2/2 MaxPool as the stock (XNNPACK) kernel instead. */
export function setDirectMaxPoolEnabled(enabled: boolean): void {
  useDirectMaxPool = enabled;
}

/** Benchmarks only: run Conv2D / FusedConv2D as the stock (XNNPACK) kernels instead. */
export function setDirectForwardConvEnabled(enabled: boolean): void {
  useDirectForwardConv = enabled;
}

let useDenseGemm = true;

/**
 * Benchmarks only: run untransposed MatMul / _FusedMatMul and pointwise Conv2D / FusedConv2D by
 * the stock (XNNPACK) kernels.
 */
export function setDenseGemmEnabled(enabled: boolean): void {
  useDenseGemm = enabled;
}

let useHeapSlice = true;

/**
 * Benchmarks only: run contiguous Slice / SplitV by the stock kernels (which copy the whole input
 * out of the heap once per slice) instead of copying the run inside the heap.
 */
export function setHeapSliceEnabled(enabled: boolean): void {
  useHeapSlice = enabled;
}

let useWinogradForwardConv = true;

/**
 * Benchmarks only: run 3×3 stride-1 Conv2D / FusedConv2D by the direct kernel instead of Winograd
 * F(2×2, 3×3) (conv2d-forward-winograd.ts; the default where it applies, with the direct forward
 * conv enabled: benchmark CNN step 75 → 65 ms CPU on one thread).
 */
export function setWinogradForwardConvEnabled(enabled: boolean): void {
  useWinogradForwardConv = enabled;
}

let useWinogradInputGrad = true;

/**
 * Benchmarks only: run 3×3 stride-1 Conv2DBackpropInput by the direct kernel instead of Winograd
 * F(2×2, 3×3) (conv2d-backprop-input-winograd.ts; the default where it applies, with the direct
 * input gradient enabled, from WINOGRAD_INPUT_GRAD_MIN_IN_CHANNELS in channels: benchmark CNN
 * conv2 at batch 128 14.0 → 12.4 ms CPU on one thread).
 */
export function setWinogradInputGradEnabled(enabled: boolean): void {
  useWinogradInputGrad = enabled;
}

/**
 * Conv2D / FusedConv2D by the direct SIMD kernel where it applies (float32, NHWC, no PReLU/leaky
 * ReLU), else the stock kernel.
 */
function directForwardConv(stock: tf.KernelConfig, fused: boolean): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const a = attrs as unknown as tf.FusedConv2DAttrs;
    const x = inputs['x']!;
    const filter = inputs['filter']!;
    const bias = fused ? inputs['bias'] : undefined;
    const simd =
      useDirectForwardConv &&
      x.dtype === 'float32' &&
      filter.dtype === 'float32' &&
      (bias === undefined || bias.dtype === 'float32') &&
      (a.dataFormat === undefined || a.dataFormat === 'NHWC') &&
      (!fused || inputs['preluActivationWeights'] === undefined)
        ? heapSimd(backend)
        : undefined;
    const call: ForwardConvCall = {
      x,
      filter,
      bias,
      strides: a.strides,
      pad: a.pad as PadAttr,
      dilations: a.dilations,
      dimRoundingMode: a.dimRoundingMode as Rounding,
      activation: fused ? a.activation : 'linear',
    };
    const run = (kernel: typeof conv2dForwardSimd): tf.TensorInfo | undefined =>
      simd === undefined ? undefined : kernel(simd, call);
    return (
      (useWinogradForwardConv ? run(conv2dForwardWinograd) : undefined) ??
      run(conv2dForwardSimd) ??
      (useDenseGemm ? run(pointwiseConvGemm) : undefined) ??
      stock.kernelFunc(args)
    );
  };
}

const KERNELS: Record<string, tf.KernelFunc> = {
  Conv2DBackpropFilter: ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    nhwcOnly('Conv2DBackpropFilter', a.dataFormat);
    const x = asTensor<tf.Tensor4D>(inputs['x']);
    const dy = asTensor<tf.Tensor4D>(inputs['dy']);
    const simd = x.dtype === 'float32' && dy.dtype === 'float32' ? heapSimd(backend) : undefined;
    const run = (kernel: typeof pointwiseFilterGradSimd): tf.TensorInfo | undefined =>
      simd === undefined
        ? undefined
        : kernel(
            simd,
            x,
            dy,
            a.filterShape,
            a.strides,
            a.pad as PadAttr,
            a.dimRoundingMode as Rounding,
          );
    const simdResult =
      run(pointwiseFilterGradSimd) ??
      (useBlockedFilterGrad ? run(blockedFilterGradSimd) : undefined);
    if (simdResult !== undefined) return simdResult;
    if (simd !== undefined && a.filterShape[2] <= SIMD_FILTER_GRAD_MAX_IN_CHANNELS) {
      return conv2dBackpropFilterSimd(
        simd,
        x,
        dy,
        a.filterShape,
        a.strides,
        a.pad as PadAttr,
        a.dimRoundingMode as Rounding,
        useBlockedFilterGrad,
      );
    }
    return conv2dBackpropFilter(
      x,
      dy,
      a.filterShape,
      a.strides,
      a.pad as PadAttr,
      a.dimRoundingMode as Rounding,
    );
  },
  DepthwiseConv2dNativeBackpropFilter: ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const x = asTensor<tf.Tensor4D>(inputs['x']);
    const dy = asTensor<tf.Tensor4D>(inputs['dy']);
    const simd = x.dtype === 'float32' && dy.dtype === 'float32' ? heapSimd(backend) : undefined;
    if (simd !== undefined)
      return depthwiseBackpropFilterSimd(
        simd,
        x,
        dy,
        a.filterShape,
        a.strides,
        a.dilations,
        a.pad as PadAttr,
        a.dimRoundingMode as Rounding,
      );
    return depthwiseConv2dBackpropFilter(
      x,
      dy,
      a.filterShape,
      a.strides,
      a.dilations,
      a.pad as PadAttr,
      a.dimRoundingMode as Rounding,
    );
  },
  DepthwiseConv2dNativeBackpropInput: ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    const dy = asTensor<tf.Tensor4D>(inputs['dy']);
    const filter = asTensor<tf.Tensor4D>(inputs['filter']);
    const simd =
      dy.dtype === 'float32' && filter.dtype === 'float32' ? heapSimd(backend) : undefined;
    if (simd !== undefined)
      return depthwiseBackpropInputSimd(
        simd,
        a.inputShape,
        dy,
        filter,
        a.strides,
        a.dilations,
        a.pad as PadAttr,
        a.dimRoundingMode as Rounding,
      );
    return depthwiseConv2dBackpropInput(
      a.inputShape,
      dy,
      filter,
      a.strides,
      a.dilations,
      a.pad as PadAttr,
      a.dimRoundingMode as Rounding,
    );
  },
  UnsortedSegmentSum: ({ inputs, attrs }) => {
    const a = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    return unsortedSegmentSum(asTensor(inputs['x']), asTensor(inputs['segmentIds']), a.numSegments);
  },
};

export interface WasmKernelOptions {
  /** Replace the stock wasm Conv2DBackpropInput (slow for stride 1) too. Default true. */
  replaceConv2DBackpropInput?: boolean;
  /** Backend name to register for (default 'wasm'). */
  backendName?: string;
}

/**
 * A kernel that works on tensors in the wasm heap in place: which inputs must be float32, and
 * the function (the kernels TF.js's wasm backend does not have under these names).
 */
interface HeapKernel {
  readonly name: string;
  /** What it computes, for the error when it is asked to run elsewhere. */
  readonly what: string;
  readonly float32: readonly string[];
  run(
    backend: HeapBackend,
    inputs: Readonly<Record<string, tf.TensorInfo>>,
    attrs: Readonly<Record<string, unknown>>,
  ): tf.TensorInfo | tf.TensorInfo[];
}

/** The binding table of the heap kernels registered by registerWasmGradientKernels. */
const HEAP_KERNELS: readonly HeapKernel[] = [
  {
    name: RELU_GRAD,
    what: 'ReluGrad',
    float32: ['dy', 'x'],
    run: (b, i) => reluGradKernel(b, i['dy']!, i['x']!),
  },
  {
    name: RELU6_GRAD,
    what: 'Relu6Grad',
    float32: ['dy', 'x'],
    run: (b, i) => relu6GradKernel(b, i['dy']!, i['x']!),
  },
  // Training-mode batch norm (the engine asks for these kernels by name; channels last).
  {
    name: BATCH_NORM_TRAINING,
    what: 'batch norm',
    float32: ['x'],
    run: (b, i, a) =>
      batchNormTrainingKernel(b, i['x']!, i['scale']!, i['offset']!, a['epsilon'] as number),
  },
  {
    name: BATCH_NORM_TRAINING_GRAD,
    what: 'batch norm gradient',
    float32: ['dy', 'x'],
    run: (b, i) =>
      batchNormTrainingGradKernel(b, i['dy']!, i['x']!, i['scale']!, i['mean']!, i['reserve']!),
  },
  // One Adam step over the optimizer's flat buffers (attrs: AdamCoefficients).
  {
    name: ADAM_UPDATE,
    what: 'Adam update',
    float32: ['grad', 'm', 'v', 'params'],
    run: (b, i, a) =>
      adamUpdateKernel(
        b,
        i['grad']!,
        i['m']!,
        i['v']!,
        i['params']!,
        a as unknown as AdamCoefficients,
      ),
  },
];

function heapKernelFunc(k: HeapKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const named = inputs as Record<string, tf.TensorInfo>;
    if (!isHeapBackend(backend) || k.float32.some((n) => named[n]?.dtype !== 'float32'))
      throw new Error(`${k.what}: float32 tensors on the wasm backend expected`);
    return k.run(backend, named, attrs as Record<string, unknown>);
  };
}

const registered = new Set<string>();

/** Register the kernels (idempotent per backend). Call after importing @tensorflow/tfjs-backend-wasm. */
export function registerWasmGradientKernels(options: WasmKernelOptions = {}): void {
  const backendName = options.backendName ?? 'wasm';
  if (registered.has(backendName)) return;
  registered.add(backendName);
  for (const [kernelName, kernelFunc] of Object.entries(KERNELS)) {
    if (tf.getKernel(kernelName, backendName) !== undefined) continue; // a future TF.js has its own
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
  const stockMaxPoolGrad = tf.getKernel('MaxPoolGrad', backendName);
  replaceKernel(backendName, 'MaxPoolGrad', (args) => {
    const { inputs, attrs, backend } = args;
    const a = attrs as unknown as tf.MaxPoolGradAttrs;
    const input = inputs['input']!;
    const dy = inputs['dy']!;
    if (!isHeapBackend(backend) || input.dtype !== 'float32' || dy.dtype !== 'float32') {
      if (stockMaxPoolGrad === undefined) throw new Error('MaxPoolGrad: no kernel for this input');
      return stockMaxPoolGrad.kernelFunc(args);
    }
    const g = poolGeometry(input.shape, a.filterSize, a.strides, a.pad, a.dimRoundingMode);
    return maxPoolGradKernel(backend, input, dy, g);
  });
  preferDirectKernel(backendName, 'MaxPool', ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as tf.MaxPoolAttrs;
    const x = inputs['x']!;
    const simd =
      useDirectMaxPool && x.dtype === 'float32' && x.shape.length === 4
        ? heapSimd(backend)
        : undefined;
    return simd === undefined
      ? undefined
      : maxPool2x2Simd(
          simd,
          x,
          poolGeometry(x.shape, a.filterSize, a.strides, a.pad, a.dimRoundingMode),
        );
  });
  preferDirectKernel(backendName, 'Sum', ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as tf.SumAttrs;
    const x = inputs['x']!;
    const r = x.dtype === 'float32' ? leadingAxesReduction(x.shape, a.axis) : undefined;
    if (r === undefined || !isHeapBackend(backend)) return undefined;
    const shape = a.keepDims ? [...new Array<number>(r.reduced).fill(1), ...r.kept] : r.kept;
    return sumLeadingAxesKernel(backend, x, r.rows, shape);
  });
  for (const k of HEAP_KERNELS) {
    if (tf.getKernel(k.name, backendName) !== undefined) continue;
    tf.registerKernel({ kernelName: k.name, backendName, kernelFunc: heapKernelFunc(k) });
  }
  routeGradientToKernel('Relu', RELU_GRAD);
  routeGradientToKernel('Relu6', RELU6_GRAD);
  // XNNPACK multiplies untransposed operands only; the stock kernel runs transposed ones (every
  // MatMul gradient) through a slow path: 3-4× slower than transposing explicitly first
  // ([64,10]·[1600,10]ᵀ: 3.4 → 0.9 ms; [64,1600]ᵀ·[64,10]: 2.3 → 0.8 ms).
  const stockMatMul = tf.getKernel('BatchMatMul', backendName);
  if (stockMatMul !== undefined) {
    replaceKernel(backendName, 'BatchMatMul', (args) => {
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      if (!transposeA && !transposeB) {
        const simd = useDenseGemm ? heapSimd(args.backend) : undefined;
        const direct =
          simd === undefined
            ? undefined
            : denseGemmSimd(simd, {
                a: args.inputs['a']!,
                b: args.inputs['b']!,
                activation: 'linear',
              });
        return direct ?? stockMatMul.kernelFunc(args);
      }
      if (transposeA && !transposeB) {
        const direct = transposedAMatMulSimd(args.backend, args.inputs['a']!, args.inputs['b']!);
        if (direct !== undefined) return direct;
      }
      return tf.tidy(() => {
        const lastTwo = (t: tf.Tensor): tf.Tensor =>
          tf.transpose(
            t,
            [...t.shape.keys()].map((i) => (i < t.rank - 2 ? i : 2 * t.rank - 3 - i)),
          );
        const a = asTensor(args.inputs['a']);
        const b = asTensor(args.inputs['b']);
        return tf.matMul(transposeA ? lastTwo(a) : a, transposeB ? lastTwo(b) : b);
      });
    });
  }
  // Dense layers: the product with the weights as they are (dense-gemm.ts).
  preferDirectKernel(backendName, '_FusedMatMul', ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as tf._FusedMatMulAttrs;
    const simd =
      useDenseGemm &&
      !a.transposeA &&
      !a.transposeB &&
      inputs['preluActivationWeights'] === undefined
        ? heapSimd(backend)
        : undefined;
    return simd === undefined
      ? undefined
      : denseGemmSimd(simd, {
          a: inputs['a']!,
          b: inputs['b']!,
          bias: inputs['bias'],
          activation: a.activation ?? 'linear',
        });
  });
  // Contiguous slices (SplitV of the optimizer's flat buffer every step) copied inside the heap;
  // the stock kernels copy the whole input out of it per slice (contiguous-slice.ts).
  preferDirectKernel(backendName, 'Slice', ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as tf.SliceAttrs;
    return useHeapSlice && isHeapBackend(backend)
      ? contiguousSlice(backend, inputs['x']!, a.begin, a.size)
      : undefined;
  });
  preferDirectKernel(backendName, 'SplitV', ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as tf.SplitVAttrs;
    return useHeapSlice && isHeapBackend(backend)
      ? contiguousSplit(backend, inputs['x']!, a.numOrSizeSplits, a.axis)
      : undefined;
  });
  // TF.js clones every tensor it saves for the backward pass through Identity, and the stock wasm
  // Identity copies the data (~0.5 ms per 64×26×26×32 activation, several per layer and step).
  // Tensors are immutable, so share the buffer by reference count, as the wasm Reshape does.
  const stockIdentity = tf.getKernel('Identity', backendName);
  if (stockIdentity !== undefined) {
    replaceKernel(backendName, 'Identity', (args) => {
      const x = args.inputs['x']!;
      const backend = args.backend as { incRef?(dataId: tf.DataId): void };
      if (x.dtype === 'string' || typeof backend.incRef !== 'function')
        return stockIdentity.kernelFunc(args);
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    });
  }
  for (const [name, fused] of [
    ['Conv2D', false],
    ['FusedConv2D', true],
  ] as const) {
    const stock = tf.getKernel(name, backendName);
    if (stock !== undefined) replaceKernel(backendName, name, directForwardConv(stock, fused));
  }
  if (options.replaceConv2DBackpropInput !== false) {
    replaceKernel(backendName, 'Conv2DBackpropInput', ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      nhwcOnly('Conv2DBackpropInput', a.dataFormat);
      const dy = asTensor<tf.Tensor4D>(inputs['dy']);
      const filter = asTensor<tf.Tensor4D>(inputs['filter']);
      const simd =
        useBlockedInputGrad && dy.dtype === 'float32' && filter.dtype === 'float32'
          ? heapSimd(backend)
          : undefined;
      const call: InputGradCall<tf.Tensor4D> = {
        inputShape: a.inputShape,
        dy,
        filter,
        strides: a.strides,
        pad: a.pad as PadAttr,
        dimRoundingMode: a.dimRoundingMode as Rounding,
      };
      const run = (kernel: typeof conv2dBackpropInputSimd): tf.TensorInfo | undefined =>
        simd === undefined ? undefined : kernel(simd, call);
      const direct =
        (useWinogradInputGrad && filter.shape[2] >= WINOGRAD_INPUT_GRAD_MIN_IN_CHANNELS
          ? run(conv2dBackpropInputWinograd)
          : undefined) ?? run(conv2dBackpropInputSimd);
      if (direct !== undefined) return direct;
      return conv2dBackpropInput(
        a.inputShape,
        asTensor(inputs['dy']),
        asTensor(inputs['filter']),
        a.strides,
        a.pad as PadAttr,
        a.dimRoundingMode as Rounding,
      );
    });
  }
}

/**
 * Run `direct` in place of a stock kernel, falling back to the stock kernel whenever `direct`
 * declines (returns undefined); nothing changes when the backend has no such stock kernel.
 */
function preferDirectKernel(
  backendName: string,
  kernelName: string,
  direct: (args: Parameters<tf.KernelFunc>[0]) => ReturnType<tf.KernelFunc> | undefined,
): void {
  const stock = tf.getKernel(kernelName, backendName);
  if (stock === undefined) return;
  replaceKernel(backendName, kernelName, (args) => direct(args) ?? stock.kernelFunc(args));
}

/** Swap a stock kernel's function, keeping its setup/dispose hooks (the backend binds wasm functions through them). */
function replaceKernel(backendName: string, kernelName: string, kernelFunc: tf.KernelFunc): void {
  const stock = tf.getKernel(kernelName, backendName);
  if (stock !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...(stock ?? {}), kernelName, backendName, kernelFunc });
}
