import { tf } from './tf';
import {
  BACKEND,
  hasTfjsNodeKernel,
  nhwc,
  typeAttr,
  type NodeBackend,
  type OpAttr,
} from './tfjs-node-backend';

/**
 * Pooling and convolution on tfjs-node through TensorFlow's oneDNN kernels (`_MklNative*`),
 * called directly. TensorFlow's eager runtime rewrites only some ops to oneDNN by itself: it runs
 * max pooling and single-channel convolutions with Eigen. Measured on this machine kind
 * (tools/bench/engine microbenchmarks, same load):
 *
 * - MaxPool 64×26×26×16: forward 0.78 → 0.29 ms; MaxPoolGrad 5.4 → ~1.0 ms (including recomputing
 *   oneDNN's workspace, since TF.js kernels have one output).
 * - Conv2D 3×3, 1 → 16 channels on 64×28×28: Conv2D + BiasAdd 2.6 → 0.5 ms as
 *   `_MklNativeConv2DWithBias`; Conv2DBackpropFilter 1.9 → 0.5 ms. Multi-channel layers gain
 *   10–30 % (Conv2DBackpropInput from 8 input channels on).
 *
 * Results are TensorFlow's (same kernels Keras runs in graph mode). Every override falls back to
 * tfjs-node's own kernel outside the supported cases (float32, NHWC, 'valid'/'same' padding, no
 * dilation) or when the library has no oneDNN kernels (probed once).
 */
export const MAX_POOL_GRAD = 'CollaboptMaxPoolGrad';
/** Max pool returning [output, oneDNN workspace] and the gradient that consumes the workspace. */
export const MAX_POOL_KEEPING_WORKSPACE = 'CollaboptMaxPoolKeepingWorkspace';
export const MAX_POOL_GRAD_FROM_WORKSPACE = 'CollaboptMaxPoolGradFromWorkspace';

/** oneDNN kernels are registered under this label (TensorFlow's graph rewrite sets it). */
function oneDnnLabel(b: NodeBackend): OpAttr {
  return { name: '_kernel', type: b.binding.TF_ATTR_STRING, value: 'MklNameChangeOp' };
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** TensorFlow attributes of a 2-D NHWC max pool, or undefined where oneDNN's kernel does not apply. */
function oneDnnPoolAttrs(b: NodeBackend, x: tf.TensorInfo, a: PoolAttrs): OpAttr[] | undefined {
  if (x.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const padding = info.padInfo.type;
  if (padding !== 'VALID' && padding !== 'SAME') return undefined;
  return [
    typeAttr(b, 'T', 'float32'),
    {
      name: 'ksize',
      type: b.binding.TF_ATTR_INT,
      value: [1, info.filterHeight, info.filterWidth, 1],
    },
    {
      name: 'strides',
      type: b.binding.TF_ATTR_INT,
      value: [1, info.strideHeight, info.strideWidth, 1],
    },
    { name: 'padding', type: b.binding.TF_ATTR_STRING, value: padding },
    nhwc(b),
    oneDnnLabel(b),
  ];
}

/** Whether the loaded TensorFlow library runs oneDNN's kernels (probed on first use). */
let oneDnnAvailable: boolean | undefined;

/** oneDNN max pool: [output, workspace]; the workspace (uint8) is what the gradient needs. */
function oneDnnMaxPool(
  b: NodeBackend,
  x: tf.TensorInfo,
  attrs: OpAttr[],
  workspace: boolean,
): tf.Tensor[] {
  return b.executeMultipleOutputs(
    '_MklNativeMaxPool',
    [...attrs, { name: 'workspace_enabled', type: b.binding.TF_ATTR_BOOL, value: workspace }],
    [x],
    2,
  );
}

function canUseOneDnn(b: NodeBackend): boolean {
  if (oneDnnAvailable === undefined) {
    const x = tf.zeros([1, 2, 2, 1]);
    try {
      // Pooling forward and backward (the workspace path cannot fall back mid-backprop).
      const attrs = oneDnnPoolAttrs(b, x, { filterSize: 2, strides: 2, pad: 'valid' })!;
      const [y, workspace] = oneDnnMaxPool(b, x, attrs, true);
      const dx = b.executeSingleOutput(
        '_MklNativeMaxPoolGrad',
        [...attrs, { name: 'workspace_enabled', type: b.binding.TF_ATTR_BOOL, value: true }],
        [x, y!, y!, workspace!],
      );
      tf.dispose([y!, workspace!, dx]);
      oneDnnAvailable = true;
    } catch {
      oneDnnAvailable = false;
    } finally {
      x.dispose();
    }
  }
  return oneDnnAvailable;
}

/** oneDNN ops that failed once in this process (a TensorFlow build without them): not tried again. */
const failedOps = new Set<string>();

/**
 * Run one oneDNN op; on its first failure remember the op and return undefined so the caller uses
 * the stock kernel (which reports the error itself if the inputs were at fault).
 */
function tryOneDnn<T>(op: string, run: () => T): T | undefined {
  if (failedOps.has(op)) return undefined;
  try {
    return run();
  } catch {
    failedOps.add(op);
    return undefined;
  }
}

/** MaxPool on tfjs-node through oneDNN where it applies, else tfjs-node's own kernel. */
function registerOneDnnMaxPool(): void {
  const stock = tf.getKernel('MaxPool', BACKEND);
  const stockGrad = tf.getGradient('MaxPool');
  if (stock === undefined || stockGrad === undefined) return;
  tf.unregisterKernel('MaxPool', BACKEND);
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const b = args.backend as unknown as NodeBackend;
      const x = args.inputs['x']!;
      const attrs = oneDnnPoolAttrs(b, x, args.attrs as unknown as PoolAttrs);
      if (attrs === undefined || !canUseOneDnn(b)) return stock.kernelFunc(args);
      const [y, workspace] = oneDnnMaxPool(b, x, attrs, false);
      workspace!.dispose();
      return y!;
    },
  });
  tf.registerKernel({
    kernelName: MAX_POOL_GRAD,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as NodeBackend;
      const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      const a = attrs as unknown as PoolAttrs;
      const pool = oneDnnPoolAttrs(b, x, a);
      // The forward pass kept no workspace (TF.js kernels have one output): recompute it, which
      // costs less than a third of what the Eigen MaxPoolGrad saves.
      const dx =
        pool === undefined || !canUseOneDnn(b)
          ? undefined
          : tryOneDnn('_MklNativeMaxPoolGrad', () => {
              const [y, workspace] = oneDnnMaxPool(b, x, pool, true);
              try {
                return b.executeSingleOutput(
                  '_MklNativeMaxPoolGrad',
                  [
                    ...pool,
                    { name: 'workspace_enabled', type: b.binding.TF_ATTR_BOOL, value: true },
                  ],
                  [x, y!, dy, workspace!],
                );
              } finally {
                tf.dispose([y!, workspace!]);
              }
            });
      if (dx !== undefined) return dx;
      const stockInputs = { dy, input: x, output: inputs['y']! } as unknown as tf.NamedTensorMap;
      return tf
        .engine()
        .runKernel('MaxPoolGrad', stockInputs, attrs as tf.NamedAttrMap) as tf.Tensor;
    },
  });
  tf.registerGradient({
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      if (!hasTfjsNodeKernel(MAX_POOL_GRAD)) return stockGrad.gradFunc(dy, saved, attrs);
      const [x, y] = saved as [tf.Tensor, tf.Tensor];
      return {
        x: () =>
          tf.engine().runKernel(MAX_POOL_GRAD, { dy: dy as tf.Tensor, x, y }, attrs) as tf.Tensor,
      };
    },
  });
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** TensorFlow attributes of a 2-D NHWC convolution, or undefined where oneDNN's kernel is not used. */
function oneDnnConvAttrs(
  b: NodeBackend,
  x: { shape: readonly number[]; dtype: tf.DataType },
  filterShape: readonly number[],
  a: ConvAttrs,
): OpAttr[] | undefined {
  if (x.dtype !== 'float32' || x.shape.length !== 4 || filterShape.length !== 4) return undefined;
  if ((a.dataFormat ?? 'NHWC') !== 'NHWC' || a.dimRoundingMode !== undefined) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
  );
  const padding = info.padInfo.type;
  if (padding !== 'VALID' && padding !== 'SAME') return undefined;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  if (!canUseOneDnn(b)) return undefined;
  return [
    typeAttr(b, 'T', 'float32'),
    {
      name: 'strides',
      type: b.binding.TF_ATTR_INT,
      value: [1, info.strideHeight, info.strideWidth, 1],
    },
    { name: 'padding', type: b.binding.TF_ATTR_STRING, value: padding },
    nhwc(b),
    { name: 'dilations', type: b.binding.TF_ATTR_INT, value: [1, 1, 1, 1] },
    { name: 'use_cudnn_on_gpu', type: b.binding.TF_ATTR_BOOL, value: true },
    oneDnnLabel(b),
  ];
}

/**
 * The attributes that make `_MklNativeFusedConv2D` add the bias and apply ReLU inside oneDNN's
 * convolution (what Keras's graph runs). They are lists (list(string), list(type)), which the
 * stock tfjs-node addon cannot pass: it needs tools/tfjs-node-attr-lists.patch (built by
 * tools/patch-tfjs-node-attr-lists); without it the op fails once and the convolution runs as
 * `_MklNativeConv2DWithBias` + `Relu`. Measured with the patched addon, same load, medians of 200
 * interleaved calls: 128×28×28×1 → 16: 0.76 → 0.51 ms; 128×13×13×16 → 32: 1.22 → 1.11 ms. The
 * benchmark's CNNs do not gain: their ReLUs run after the max pool (src/relu-after-pool.ts), so
 * their convolutions are linear; a convolution + ReLU feeding another convolution does.
 */
function fusedBiasRelu(b: NodeBackend): OpAttr[] {
  return [
    { name: 'num_args', type: b.binding.TF_ATTR_INT, value: 1 },
    { name: 'fused_ops', type: b.binding.TF_ATTR_STRING, value: ['BiasAdd', 'Relu'] },
    { name: 'TArgs', type: b.binding.TF_ATTR_TYPE, value: [b.binding.TF_FLOAT] },
    { name: 'epsilon', type: b.binding.TF_ATTR_FLOAT, value: 0.0001 },
  ];
}

/** Replace a tfjs-node kernel; the replacement returns undefined to defer to the stock one. */
function override(
  kernelName: string,
  run: (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | undefined,
): void {
  const stock = tf.getKernel(kernelName, BACKEND);
  if (stock === undefined) return;
  tf.unregisterKernel(kernelName, BACKEND);
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => run(args) ?? stock.kernelFunc(args),
  });
}

const filterConst = (b: NodeBackend): OpAttr => ({
  name: 'is_filter_const',
  type: b.binding.TF_ATTR_BOOL,
  value: false,
});

/**
 * Depthwise convolution and both its gradients through oneDNN (measured on 64×28×28×32, 3×3,
 * same: forward 3.6 → 1.2 ms, filter gradient 3.6 → 2.5 ms, input gradient 3.5 → 2.3 ms).
 */
function registerOneDnnDepthwise(): void {
  const depthwiseAttrs = (
    b: NodeBackend,
    x: { shape: readonly number[]; dtype: tf.DataType },
    filterShape: readonly number[],
    a: ConvAttrs,
  ): OpAttr[] | undefined => {
    const s = a.strides;
    if (Array.isArray(s) && s[0] !== s[1]) return undefined;
    // The conv attributes minus use_cudnn_on_gpu, which the depthwise ops do not have.
    return oneDnnConvAttrs(b, x, filterShape, a)?.filter((o) => o.name !== 'use_cudnn_on_gpu');
  };
  override('DepthwiseConv2dNative', ({ inputs, backend, attrs }) => {
    const b = backend as unknown as NodeBackend;
    const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const conv = depthwiseAttrs(b, x, filter.shape, attrs as unknown as ConvAttrs);
    if (conv === undefined) return undefined;
    return tryOneDnn('_MklNativeDepthwiseConv2dNative', () =>
      b.executeSingleOutput('_MklNativeDepthwiseConv2dNative', conv, [x, filter]),
    );
  });
  override('DepthwiseConv2dNativeBackpropFilter', ({ inputs, backend, attrs }) => {
    const b = backend as unknown as NodeBackend;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
    const conv = depthwiseAttrs(b, x, a.filterShape, a);
    if (conv === undefined) return undefined;
    return tryOneDnn('_MklNativeDepthwiseConv2dNativeBackpropFilter', () => {
      const sizes = tf.tensor1d(a.filterShape, 'int32');
      try {
        return b.executeSingleOutput('_MklNativeDepthwiseConv2dNativeBackpropFilter', conv, [
          x,
          sizes,
          dy,
        ]);
      } finally {
        sizes.dispose();
      }
    });
  });
  override('DepthwiseConv2dNativeBackpropInput', ({ inputs, backend, attrs }) => {
    const b = backend as unknown as NodeBackend;
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
    const conv = depthwiseAttrs(b, { shape: a.inputShape, dtype: dy.dtype }, filter.shape, a);
    if (conv === undefined) return undefined;
    return tryOneDnn('_MklNativeDepthwiseConv2dNativeBackpropInput', () => {
      const sizes = tf.tensor1d(a.inputShape, 'int32');
      try {
        return b.executeSingleOutput('_MklNativeDepthwiseConv2dNativeBackpropInput', conv, [
          sizes,
          filter,
          dy,
        ]);
      } finally {
        sizes.dispose();
      }
    });
  });
}

function registerOneDnnConvolutions(): void {
  override('Conv2D', ({ inputs, backend, attrs }) => {
    const b = backend as unknown as NodeBackend;
    const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const conv = oneDnnConvAttrs(b, x, filter.shape, attrs as unknown as ConvAttrs);
    if (conv === undefined) return undefined;
    return tryOneDnn('_MklNativeConv2D', () =>
      b.executeSingleOutput('_MklNativeConv2D', [...conv, filterConst(b)], [x, filter]),
    );
  });
  override('Conv2DBackpropFilter', ({ inputs, backend, attrs }) => {
    const b = backend as unknown as NodeBackend;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
    const conv = oneDnnConvAttrs(b, x, a.filterShape, a);
    if (conv === undefined) return undefined;
    return tryOneDnn('_MklNativeConv2DBackpropFilter', () => {
      const sizes = tf.tensor1d(a.filterShape, 'int32');
      try {
        return b.executeSingleOutput('_MklNativeConv2DBackpropFilter', conv, [x, sizes, dy]);
      } finally {
        sizes.dispose();
      }
    });
  });
  // Measured 10–20 % faster from 16 input channels on; slower than Eigen with 1 (where it is
  // rarely needed: the gradient of an image input is not computed in training).
  override('Conv2DBackpropInput', ({ inputs, backend, attrs }) => {
    const b = backend as unknown as NodeBackend;
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
    if ((a.inputShape[3] ?? 0) < 8) return undefined;
    const conv = oneDnnConvAttrs(b, { shape: a.inputShape, dtype: dy.dtype }, filter.shape, a);
    if (conv === undefined) return undefined;
    return tryOneDnn('_MklNativeConv2DBackpropInput', () => {
      const sizes = tf.tensor1d(a.inputShape, 'int32');
      try {
        return b.executeSingleOutput('_MklNativeConv2DBackpropInput', conv, [sizes, filter, dy]);
      } finally {
        sizes.dispose();
      }
    });
  });
  registerOneDnnDepthwise();
  // Conv2D + bias (+ ReLU): the bias add happens inside oneDNN's convolution. Without a bias
  // (a convolution followed by BatchNorm, as in MobileNets) oneDNN's plain convolution, like the
  // Conv2D override above: tfjs-node's own FusedConv2D calls TensorFlow's Conv2D directly. Same
  // values; 3–7 % faster on the MobileNet benchmark shapes (tools/bench/engine/conv-nobias-micro.ts).
  override('FusedConv2D', ({ inputs, backend, attrs }) => {
    const b = backend as unknown as NodeBackend;
    const { x, filter, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as ConvAttrs & { activation?: string };
    const activation = a.activation ?? 'linear';
    if (activation !== 'linear' && activation !== 'relu') return undefined;
    if ((bias !== undefined && bias.shape.length !== 1) || preluActivationWeights !== undefined)
      return undefined;
    const conv = oneDnnConvAttrs(b, x!, filter!.shape, a);
    if (conv === undefined) return undefined;
    if (bias !== undefined && activation === 'relu') {
      const fused = tryOneDnn('_MklNativeFusedConv2D', () =>
        b.executeSingleOutput(
          '_MklNativeFusedConv2D',
          [...conv, filterConst(b), ...fusedBiasRelu(b)],
          [x!, filter!, bias],
        ),
      );
      if (fused !== undefined) return fused;
    }
    const y =
      bias === undefined
        ? tryOneDnn('_MklNativeConv2D', () =>
            b.executeSingleOutput('_MklNativeConv2D', [...conv, filterConst(b)], [x!, filter!]),
          )
        : tryOneDnn('_MklNativeConv2DWithBias', () =>
            b.executeSingleOutput(
              '_MklNativeConv2DWithBias',
              [...conv, filterConst(b)],
              [x!, filter!, bias],
            ),
          );
    if (y === undefined || activation === 'linear') return y;
    const out = b.executeSingleOutput('Relu', [typeAttr(b, 'T', 'float32')], [y]);
    y.dispose();
    return out;
  });
}

/**
 * Training-time max pool that keeps oneDNN's workspace for its gradient (the plain MaxPool kernel
 * must recompute it, TF.js kernels having one output). Undefined where it does not apply (another
 * backend, no oneDNN, unsupported geometry): use tf.maxPool then.
 */
export function maxPoolKeepingWorkspace(
  x: tf.Tensor4D,
  filterSize: [number, number],
  strides: [number, number],
  pad: 'valid' | 'same',
): tf.Tensor4D | undefined {
  if (!hasTfjsNodeKernel(MAX_POOL_KEEPING_WORKSPACE) || x.dtype !== 'float32') return undefined;
  const b = tf.backend() as unknown as NodeBackend;
  const attrs: PoolAttrs = { filterSize, strides, pad };
  if (oneDnnPoolAttrs(b, x, attrs) === undefined || !canUseOneDnn(b)) return undefined;
  const forward = (input: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, workspace] = tf
      .engine()
      .runKernel(
        MAX_POOL_KEEPING_WORKSPACE,
        { x: input },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    save([input, y!, workspace!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(
            MAX_POOL_GRAD_FROM_WORKSPACE,
            { x: saved[0]!, y: saved[1]!, dy, workspace: saved[2]! },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
    };
  };
  // customGrad passes the inputs and then `save` as one variadic argument list.
  const pool = tf.customGrad(
    forward as unknown as Parameters<typeof tf.customGrad<tf.Tensor4D>>[0],
  );
  return pool(x) as tf.Tensor4D;
}

function registerWorkspacePooling(): void {
  tf.registerKernel({
    kernelName: MAX_POOL_KEEPING_WORKSPACE,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as NodeBackend;
      const x = inputs['x']!;
      const pool = oneDnnPoolAttrs(b, x, attrs as unknown as PoolAttrs);
      if (pool === undefined) throw new Error('max pool geometry unsupported by oneDNN');
      return oneDnnMaxPool(b, x, pool, true);
    },
  });
  tf.registerKernel({
    kernelName: MAX_POOL_GRAD_FROM_WORKSPACE,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as NodeBackend;
      const { x, y, dy, workspace } = inputs as Record<string, tf.TensorInfo>;
      const pool = oneDnnPoolAttrs(b, x!, attrs as unknown as PoolAttrs);
      if (pool === undefined) throw new Error('max pool geometry unsupported by oneDNN');
      return b.executeSingleOutput(
        '_MklNativeMaxPoolGrad',
        [...pool, { name: 'workspace_enabled', type: b.binding.TF_ATTR_BOOL, value: true }],
        [x!, y!, dy!, workspace!],
      );
    },
  });
}

let registered = false;

/** Register the oneDNN kernels for the `tensorflow` backend (once; call after tfjs-node loaded). */
export function registerTfjsNodeOneDnnKernels(): void {
  if (registered) return;
  registered = true;
  registerOneDnnMaxPool();
  registerWorkspacePooling();
  registerOneDnnConvolutions();
}
