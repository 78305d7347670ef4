/**
 * Gradient kernels the TF.js wasm backend lacks (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropFilter/Input, UnsortedSegmentSum) plus a faster Conv2DBackpropInput
 * and a correct MaxPoolGrad (the stock one drops gradients of all-negative windows and misroutes
 * them under 'same' padding),
 * composed from fast wasm primitives (slices + MatMul, convolutions) and registered with
 * `registerKernel`. Self-contained: depends only on @tensorflow/tfjs-core; usable without the rest
 * of collabopt (`registerWasmGradientKernels()` after importing @tensorflow/tfjs-backend-wasm).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter, conv2dBackpropInput } from './conv2d-backprop';
import type { PadAttr } from './conv-geometry';
import { depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './depthwise-backprop';
import { maxPoolGrad, maxPoolGradDisjoint } from './max-pool-grad';
import { unsortedSegmentSum } from './unsorted-segment-sum';

export {
  conv2dBackpropFilter,
  conv2dBackpropInput,
  chooseFilterGradMethod,
  type FilterGradMethod,
} from './conv2d-backprop';
export { depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './depthwise-backprop';
export { unsortedSegmentSum } from './unsorted-segment-sum';
export { maxPoolGrad, maxPoolGradDisjoint } from './max-pool-grad';

type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function asTensor<T extends tf.Tensor>(info: tf.TensorInfo | undefined): T {
  if (info === undefined) throw new Error('missing kernel input');
  return (info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info)) as T;
}

function nhwcOnly(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC')
    throw new Error(`${kernel}: only NHWC is supported, got ${String(dataFormat)}`);
}

const KERNELS: Record<string, tf.KernelFunc> = {
  Conv2DBackpropFilter: ({ inputs, attrs }) => {
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    nhwcOnly('Conv2DBackpropFilter', a.dataFormat);
    return conv2dBackpropFilter(
      asTensor(inputs['x']),
      asTensor(inputs['dy']),
      a.filterShape,
      a.strides,
      a.pad as PadAttr,
      a.dimRoundingMode as Rounding,
    );
  },
  DepthwiseConv2dNativeBackpropFilter: ({ inputs, attrs }) => {
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    return depthwiseConv2dBackpropFilter(
      asTensor(inputs['x']),
      asTensor(inputs['dy']),
      a.filterShape,
      a.strides,
      a.dilations,
      a.pad as PadAttr,
      a.dimRoundingMode as Rounding,
    );
  },
  DepthwiseConv2dNativeBackpropInput: ({ inputs, attrs }) => {
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    return depthwiseConv2dBackpropInput(
      a.inputShape,
      asTensor(inputs['dy']),
      asTensor(inputs['filter']),
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
  replaceKernel(backendName, 'MaxPoolGrad', ({ inputs, attrs }) => {
    const a = attrs as unknown as tf.MaxPoolGradAttrs;
    const input = asTensor<tf.Tensor4D>(inputs['input']);
    const dy = asTensor<tf.Tensor4D>(inputs['dy']);
    const fs = typeof a.filterSize === 'number' ? [a.filterSize, a.filterSize] : a.filterSize;
    const info = tf.backend_util.computePool2DInfo(
      input.shape,
      fs as [number, number],
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    const p = info.padInfo;
    const unpadded = p.top === 0 && p.left === 0 && p.bottom === 0 && p.right === 0;
    if (
      unpadded &&
      info.strideHeight === info.filterHeight &&
      info.strideWidth === info.filterWidth
    ) {
      return maxPoolGradDisjoint(dy, input, info.filterHeight, info.filterWidth);
    }
    return maxPoolGrad(
      dy,
      input,
      asTensor(inputs['output']),
      a.filterSize,
      a.strides,
      a.pad as PadAttr,
      a.dimRoundingMode as Rounding,
    );
  });
  if (options.replaceConv2DBackpropInput !== false) {
    replaceKernel(backendName, 'Conv2DBackpropInput', ({ inputs, attrs }) => {
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      nhwcOnly('Conv2DBackpropInput', a.dataFormat);
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

/** Swap a stock kernel's function, keeping its setup/dispose hooks (the backend binds wasm functions through them). */
function replaceKernel(backendName: string, kernelName: string, kernelFunc: tf.KernelFunc): void {
  const stock = tf.getKernel(kernelName, backendName);
  if (stock !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...(stock ?? {}), kernelName, backendName, kernelFunc });
}
