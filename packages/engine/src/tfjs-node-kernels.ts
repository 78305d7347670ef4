import { tf } from './tf';

/**
 * TensorFlow's own fused training ops, called directly on tfjs-node (which can execute any
 * TensorFlow op by name) and registered as TF.js kernels for the `tensorflow` backend only:
 *
 * - `ReluGrad` / `Relu6Grad`: the ReLU backward pass in one op (TF.js composes it from Step, a
 *   cast and a multiply: ~4× slower on a 64×26×26×32 activation).
 * - `BiasAdd` + `BiasAddGrad`: a bias add whose gradient is one reduction (TF.js's broadcasting
 *   Add needs a Sum and two Reshapes in the backward pass).
 * - `SparseSoftmaxCrossEntropyWithLogits`: loss and its gradient in one op (instead of
 *   ~15 ops of logSoftmax, oneHot, multiply, sum and their gradients).
 * - Max pooling through TensorFlow's oneDNN kernels (`_MklNativeMaxPool`, `_MklNativeMaxPoolGrad`,
 *   which TensorFlow's eager runtime does not pick by itself): forward ~2.5× and backward ~5×
 *   faster than the Eigen `MaxPool` / `MaxPoolGrad` on 64×26×26×16, same results. Used when the
 *   TensorFlow library has them (probed once), else the stock kernels.
 *
 * Other backends do not have these kernels; every caller checks `hasTfjsNodeKernel` and keeps its
 * portable composition there.
 */
export const RELU_GRAD = 'CollaboptReluGrad';
export const RELU6_GRAD = 'CollaboptRelu6Grad';
export const BIAS_ADD = 'CollaboptBiasAdd';
export const BIAS_ADD_GRAD = 'CollaboptBiasAddGrad';
export const SPARSE_SOFTMAX_XENT = 'CollaboptSparseSoftmaxCrossEntropy';
export const MAX_POOL_GRAD = 'CollaboptMaxPoolGrad';

const BACKEND = 'tensorflow';

/** The parts of tfjs-node's NodeJSKernelBackend used here. */
interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}
interface NodeBackend {
  binding: {
    TF_ATTR_TYPE: number;
    TF_ATTR_STRING: number;
    TF_ATTR_INT: number;
    TF_ATTR_BOOL: number;
    TF_FLOAT: number;
    TF_INT32: number;
  };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(
    name: string,
    attrs: OpAttr[],
    inputs: tf.TensorInfo[],
    numOutputs: number,
  ): tf.Tensor[];
}

function typeAttr(b: NodeBackend, name: string, dtype: tf.DataType): OpAttr {
  const value =
    dtype === 'float32' ? b.binding.TF_FLOAT : dtype === 'int32' ? b.binding.TF_INT32 : undefined;
  if (value === undefined) throw new Error(`tfjs-node kernel: unsupported dtype ${dtype}`);
  return { name, type: b.binding.TF_ATTR_TYPE, value };
}

const nhwc = (b: NodeBackend): OpAttr => ({
  name: 'data_format',
  type: b.binding.TF_ATTR_STRING,
  value: 'NHWC',
});

/** Whether the active backend has one of the kernels of this module. */
export function hasTfjsNodeKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

function register(
  kernelName: string,
  run: (b: NodeBackend, inputs: tf.NamedTensorInfoMap) => tf.TensorInfo | tf.TensorInfo[],
): void {
  if (tf.getKernel(kernelName, BACKEND) !== undefined) return;
  tf.registerKernel({
    kernelName,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend }) => run(backend as unknown as NodeBackend, inputs),
  });
}

/** Route an activation's gradient to a fused kernel where the active backend has one. */
function overrideActivationGradient(kernelName: 'Relu' | 'Relu6', gradKernel: string): void {
  const stock = tf.getGradient(kernelName);
  if (stock === undefined) return;
  tf.registerGradient({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (!hasTfjsNodeKernel(gradKernel)) return stock.gradFunc(dy, saved, attrs);
      const [x] = saved as [tf.Tensor];
      return {
        x: () => tf.engine().runKernel(gradKernel, { dy: dy as tf.Tensor, x }, {}) as tf.Tensor,
      };
    },
  });
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
    // oneDNN kernels are registered under this label (TensorFlow's graph rewrite sets it).
    { name: '_kernel', type: b.binding.TF_ATTR_STRING, value: 'MklNameChangeOp' },
  ];
}

/** Whether the loaded TensorFlow library runs oneDNN's max pool (probed on first use). */
let oneDnnPooling: boolean | undefined;

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

function canPoolWithOneDnn(b: NodeBackend): boolean {
  if (oneDnnPooling === undefined) {
    const x = tf.zeros([1, 2, 2, 1]);
    try {
      const attrs = oneDnnPoolAttrs(b, x, { filterSize: 2, strides: 2, pad: 'valid' })!;
      tf.dispose(oneDnnMaxPool(b, x, attrs, false));
      oneDnnPooling = true;
    } catch {
      oneDnnPooling = false;
    } finally {
      x.dispose();
    }
  }
  return oneDnnPooling;
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
      if (attrs === undefined || !canPoolWithOneDnn(b)) return stock.kernelFunc(args);
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
      if (pool === undefined || !canPoolWithOneDnn(b)) {
        const stockInputs = { dy, input: x, output: inputs['y']! } as unknown as tf.NamedTensorMap;
        return tf
          .engine()
          .runKernel('MaxPoolGrad', stockInputs, attrs as tf.NamedAttrMap) as tf.Tensor;
      }
      // The forward pass kept no workspace (TF.js kernels have one output): recompute it, which
      // costs less than a third of what the Eigen MaxPoolGrad saves.
      const [y, workspace] = oneDnnMaxPool(b, x, pool, true);
      const dx = b.executeSingleOutput(
        '_MklNativeMaxPoolGrad',
        [...pool, { name: 'workspace_enabled', type: b.binding.TF_ATTR_BOOL, value: true }],
        [x, y!, dy, workspace!],
      );
      tf.dispose([y!, workspace!]);
      return dx;
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

let registered = false;

/** Register the kernels above for the `tensorflow` backend (once; call after tfjs-node loaded). */
export function registerTfjsNodeKernels(): void {
  if (registered) return;
  registered = true;
  const float = (b: NodeBackend, t: tf.TensorInfo): OpAttr => typeAttr(b, 'T', t.dtype);
  register(RELU_GRAD, (b, { dy, x }) =>
    b.executeSingleOutput('ReluGrad', [float(b, dy!)], [dy!, x!]),
  );
  register(RELU6_GRAD, (b, { dy, x }) =>
    b.executeSingleOutput('Relu6Grad', [float(b, dy!)], [dy!, x!]),
  );
  register(BIAS_ADD, (b, { x, bias }) =>
    b.executeSingleOutput('BiasAdd', [float(b, x!), nhwc(b)], [x!, bias!]),
  );
  register(BIAS_ADD_GRAD, (b, { dy }) =>
    b.executeSingleOutput('BiasAddGrad', [float(b, dy!), nhwc(b)], [dy!]),
  );
  register(SPARSE_SOFTMAX_XENT, (b, { logits, labels }) =>
    b.executeMultipleOutputs(
      'SparseSoftmaxCrossEntropyWithLogits',
      [float(b, logits!), typeAttr(b, 'Tlabels', labels!.dtype)],
      [logits!, labels!],
      2,
    ),
  );
  registerOneDnnMaxPool();
  overrideActivationGradient('Relu', RELU_GRAD);
  overrideActivationGradient('Relu6', RELU6_GRAD);
  if (tf.getGradient(BIAS_ADD) === undefined) {
    tf.registerGradient({
      kernelName: BIAS_ADD,
      gradFunc: (dy) => ({
        x: () => tf.clone(dy as tf.Tensor),
        bias: () => tf.engine().runKernel(BIAS_ADD_GRAD, { dy: dy as tf.Tensor }, {}) as tf.Tensor,
      }),
    });
  }
}

/**
 * x + bias along the last axis: TensorFlow's BiasAdd on tfjs-node (gradient: BiasAddGrad), a
 * broadcasting add elsewhere.
 */
export function biasAdd(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  if (x.rank < 2 || bias.rank !== 1 || !hasTfjsNodeKernel(BIAS_ADD)) return tf.add(x, bias);
  return tf.engine().runKernel(BIAS_ADD, { x, bias }, {}) as tf.Tensor;
}
