import { tf } from './tf';

/**
 * Plumbing shared by the tfjs-node kernels: tfjs-node's backend executes any TensorFlow op by
 * name (`executeSingleOutput` / `executeMultipleOutputs`) given TensorFlow attributes.
 */
export const BACKEND = 'tensorflow';

/** The parts of tfjs-node's NodeJSKernelBackend used here. */
export interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}
export interface NodeBackend {
  binding: {
    TF_ATTR_TYPE: number;
    TF_ATTR_STRING: number;
    TF_ATTR_INT: number;
    TF_ATTR_BOOL: number;
    TF_ATTR_FLOAT: number;
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

export function typeAttr(b: NodeBackend, name: string, dtype: tf.DataType): OpAttr {
  const value =
    dtype === 'float32' ? b.binding.TF_FLOAT : dtype === 'int32' ? b.binding.TF_INT32 : undefined;
  if (value === undefined) throw new Error(`tfjs-node kernel: unsupported dtype ${dtype}`);
  return { name, type: b.binding.TF_ATTR_TYPE, value };
}

export const nhwc = (b: NodeBackend): OpAttr => ({
  name: 'data_format',
  type: b.binding.TF_ATTR_STRING,
  value: 'NHWC',
});

/** Whether the active backend has a kernel (our tfjs-node kernels exist on `tensorflow` only). */
export function hasTfjsNodeKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Register a kernel for the `tensorflow` backend (once). */
export function register(
  kernelName: string,
  run: (
    b: NodeBackend,
    inputs: tf.NamedTensorInfoMap,
    attrs: tf.NamedAttrMap,
  ) => tf.TensorInfo | tf.TensorInfo[],
): void {
  if (tf.getKernel(kernelName, BACKEND) !== undefined) return;
  tf.registerKernel({
    kernelName,
    backendName: BACKEND,
    kernelFunc: ({ inputs, backend, attrs }) =>
      run(backend as unknown as NodeBackend, inputs, attrs ?? {}),
  });
}
