import { tf } from './tf';
import {
  BACKEND,
  hasTfjsNodeKernel,
  nhwc,
  register,
  typeAttr,
  type NodeBackend,
  type OpAttr,
} from './tfjs-node-backend';

import { registerTfjsNodeGradients } from './tfjs-node-gradients';
import { registerTfjsNodeMatMul } from './tfjs-node-matmul';
import { RELU6_GRAD, RELU_GRAD, routeGradientToKernel } from './wasm-kernels';

export { hasTfjsNodeKernel } from './tfjs-node-backend';

/**
 * TensorFlow's own fused training ops, called directly on tfjs-node (which can execute any
 * TensorFlow op by name) and registered as TF.js kernels for the `tensorflow` backend only:
 *
 * - `ReluGrad` (under the kernel name the wasm backend uses too) / `Relu6Grad`: the ReLU backward pass in one op (TF.js composes it from Step, a
 *   cast and a multiply: ~4× slower on a 64×26×26×32 activation).
 * - `BiasAdd` + `BiasAddGrad`: a bias add whose gradient is one reduction (TF.js's broadcasting
 *   Add needs a Sum and two Reshapes in the backward pass).
 * - `SparseSoftmaxCrossEntropyWithLogits`: loss and its gradient in one op (instead of
 *   ~15 ops of logSoftmax, oneHot, multiply, sum and their gradients).
 * - `MatMul` for rank-2 products (src/tfjs-node-matmul.ts).
 *
 * Other backends do not have these kernels; every caller checks `hasTfjsNodeKernel` and keeps its
 * portable composition there.
 *
 * Also replaced: `Reshape` to the shape a tensor already has (TF.js's Add/Sub/Mul gradients
 * reshape every input gradient to its input's shape) shares the tensor like `Identity` does,
 * instead of running a TensorFlow Reshape and uploading its shape.
 */
export const BIAS_ADD = 'CollaboptBiasAdd';
export const BIAS_ADD_GRAD = 'CollaboptBiasAddGrad';
export const SPARSE_SOFTMAX_XENT = 'CollaboptSparseSoftmaxCrossEntropy';

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
  registerSameShapeReshape();
  registerTfjsNodeGradients();
  registerTfjsNodeMatMul();
  routeGradientToKernel('Relu', RELU_GRAD);
  routeGradientToKernel('Relu6', RELU6_GRAD);
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

function registerSameShapeReshape(): void {
  const stock = tf.getKernel('Reshape', BACKEND);
  if (stock === undefined) return;
  tf.unregisterKernel('Reshape', BACKEND);
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const x = args.inputs['x']!;
      const shape = (args.attrs as unknown as { shape: number[] }).shape;
      if (shape.length !== x.shape.length || shape.some((d, i) => d !== x.shape[i]))
        return stock.kernelFunc(args);
      // What tfjs-node's Identity kernel does: one more reference to the same TensorFlow handle.
      (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  });
}

/**
 * x + bias along the last axis: TensorFlow's BiasAdd on tfjs-node (gradient: BiasAddGrad), a
 * broadcasting add elsewhere.
 */
export function biasAdd(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  if (x.rank < 2 || bias.rank !== 1 || !hasTfjsNodeKernel(BIAS_ADD)) return tf.add(x, bias);
  return tf.engine().runKernel(BIAS_ADD, { x, bias }, {}) as tf.Tensor;
}
