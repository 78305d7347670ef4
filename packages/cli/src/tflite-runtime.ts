import type { Dataset } from '@collabopt/engine';

interface RuntimeTensor {
  data: ArrayLike<number>;
  shape: number[];
  dtype?: string;
}
interface TfliteRuntime {
  loadModel(model: Uint8Array): Promise<unknown>;
  predict(model: unknown, inputs: RuntimeTensor[]): Promise<RuntimeTensor[]>;
}

/**
 * The TFLite interpreter compiled to WASM (@tensorflow/tfjs-tflite), available inside the
 * collabopt repository as the private workspace `@collabopt/tflite-runtime`. Undefined when it is
 * not installed: accuracy is then reported from the engine's int8 simulation only.
 */
export function loadTfliteRuntime(): TfliteRuntime | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const r = require('@collabopt/tflite-runtime') as Partial<TfliteRuntime>;
    return typeof r.loadModel === 'function' && typeof r.predict === 'function'
      ? (r as TfliteRuntime)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Top-1 accuracy of a .tflite classifier (float I/O) run sample by sample in the TFLite runtime. */
export async function tfliteAccuracy(
  runtime: TfliteRuntime,
  bytes: Uint8Array,
  data: Dataset,
  limit = data.count,
  signal?: AbortSignal,
): Promise<number> {
  const per = data.sampleShape.reduce((a, b) => a * b, 1);
  const n = Math.min(limit, data.count);
  let correct = 0;
  // Load once: loading per sample exhausts the WASM heap after a few hundred loads.
  const model = await runtime.loadModel(bytes);
  for (let i = 0; i < n; i++) {
    if (signal?.aborted) throw new Error('cancelled');
    const [out] = await runtime.predict(model, [
      {
        data: data.x.subarray(i * per, (i + 1) * per),
        shape: [1, ...data.sampleShape],
        dtype: 'float32',
      },
    ]);
    const logits = out!.data;
    let best = 0;
    for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[best]!) best = j;
    if (best === data.y[i]) correct++;
  }
  return correct / n;
}
