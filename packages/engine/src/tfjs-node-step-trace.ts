import { tf } from './tf';
import type { OpAttr } from './tfjs-node-backend';

/**
 * Records every TensorFlow op tfjs-node's backend sends to its native binding while a function
 * runs (the function still runs eagerly, with real results): op name, attributes, where each input
 * came from, and the values of inputs produced outside the recording. tfjs-node-graph-def.ts turns
 * such a trace into a TensorFlow graph.
 *
 * Every op reaches TensorFlow through `binding.executeOp(name, attrs, inputIds, numOutputs)`, and
 * every op's input tensors are turned into binding ids by `backend.getInputTensorIds(tensors)`:
 * both are wrapped for the duration of the recording (and restored after it).
 */

/** Where an op's input comes from: output `index` of traced op `op`, or external tensor `external`. */
export type TraceRef =
  { readonly op: number; readonly index: number } | { readonly external: number };

export interface TracedOp {
  readonly op: string;
  readonly attrs: readonly OpAttr[];
  readonly inputs: readonly TraceRef[];
  /** TensorFlow dtype enum of each output. */
  readonly outputDtypes: readonly number[];
}

/** A tensor an op read that no traced op produced: an input of the step or a constant. */
export interface TraceExternal {
  readonly id: number;
  readonly dtype: tf.DataType;
  readonly shape: readonly number[];
  /** Its value when the op first read it. */
  readonly values: Float32Array | Int32Array | Uint8Array;
}

export interface StepTrace {
  readonly ops: readonly TracedOp[];
  readonly externals: readonly TraceExternal[];
  /** Binding tensor id → where it came from. */
  readonly refOf: ReadonlyMap<number, TraceRef>;
  /** Why this trace cannot become a graph (set when the step read a value back, …). */
  readonly untraceable?: string;
}

interface Binding {
  executeOp(name: string, attrs: OpAttr[], inputs: number[], numOutputs: number): OutputMeta[];
  tensorDataSync(id: number): Float32Array | Int32Array | Uint8Array;
}
interface OutputMeta {
  id: number;
  shape: number[];
  dtype: number;
}
interface TracedBackend {
  binding: Binding;
  tensorMap: { get(dataId: tf.DataId): { id: number } | undefined };
  getInputTensorIds(tensors: tf.TensorInfo[]): number[];
}

/** The tfjs-node backend's parts the recorder wraps, or undefined when another backend is active. */
function tracedBackend(): TracedBackend | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const b = tf.backend() as unknown as Partial<TracedBackend>;
  return typeof b.binding?.executeOp === 'function' && typeof b.getInputTensorIds === 'function'
    ? (b as TracedBackend)
    : undefined;
}

/** The binding tensor id of a tensor already uploaded to TensorFlow (undefined if not yet). */
export function bindingIdOf(tensor: tf.TensorInfo): number | undefined {
  const b = tracedBackend();
  const id = b?.tensorMap.get(tensor.dataId)?.id;
  return id !== undefined && id >= 0 ? id : undefined;
}

/** Run `fn` eagerly while recording the TensorFlow ops it dispatches. */
export function recordStep<T>(fn: () => T): { result: T; trace: StepTrace } {
  const backend = tracedBackend();
  if (backend === undefined) throw new Error('recordStep needs the tfjs-node (tensorflow) backend');
  const binding = backend.binding;
  const ops: TracedOp[] = [];
  const externals: TraceExternal[] = [];
  const refOf = new Map<number, TraceRef>();
  let untraceable: string | undefined;
  /** Tensor infos of the op being dispatched (set by getInputTensorIds, read by executeOp). */
  let pendingInfos: tf.TensorInfo[] = [];

  const executeOp: Binding['executeOp'] = (name, attrs, inputs, numOutputs) => {
    const refs: TraceRef[] = inputs.map((id, i) => {
      const known = refOf.get(id);
      if (known !== undefined) return known;
      const info = pendingInfos[i];
      if (info === undefined) {
        untraceable ??= `op ${name} read a tensor the recorder cannot identify`;
        return { external: -1 };
      }
      const ref = { external: externals.length };
      externals.push({
        id,
        dtype: info.dtype,
        shape: [...info.shape],
        values: binding.tensorDataSync(id),
      });
      refOf.set(id, ref);
      return ref;
    });
    pendingInfos = [];
    const outs = binding.executeOp(name, attrs, inputs, numOutputs);
    const index = ops.length;
    ops.push({
      op: name,
      attrs: attrs.map((a) => ({ ...a })),
      inputs: refs,
      outputDtypes: outs.map((o) => o.dtype),
    });
    outs.forEach((o, j) => refOf.set(o.id, { op: index, index: j }));
    return outs;
  };
  const tensorDataSync: Binding['tensorDataSync'] = (id) => {
    if (refOf.has(id)) untraceable ??= 'the step reads a computed value back into JavaScript';
    return binding.tensorDataSync(id);
  };
  // The native binding's methods are read-only properties: shadow them on a derived object.
  const wrapped = Object.create(binding, {
    executeOp: { value: executeOp },
    tensorDataSync: { value: tensorDataSync },
  }) as Binding;
  const stockIds = backend.getInputTensorIds;
  backend.binding = wrapped;
  backend.getInputTensorIds = function (this: TracedBackend, tensors) {
    const ids = stockIds.call(this, tensors);
    pendingInfos = tensors;
    if (tensors.some((t) => !('dataId' in t)))
      untraceable ??= 'the step passes a 64-bit integer scalar to TensorFlow';
    return ids;
  };
  try {
    const result = fn();
    return {
      result,
      trace: { ops, externals, refOf, ...(untraceable !== undefined ? { untraceable } : {}) },
    };
  } finally {
    backend.binding = binding;
    delete (backend as Partial<TracedBackend>).getInputTensorIds;
    if (backend.getInputTensorIds !== stockIds) backend.getInputTensorIds = stockIds;
  }
}
