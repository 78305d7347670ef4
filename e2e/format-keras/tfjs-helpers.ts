// Shared helpers for the format-keras real-runtime tests: the nsfwjs model files and
// @tensorflow/tfjs-layers as the independent runtime (on the engine's TF.js instance and backend).
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Graph } from '@collabopt/core';
import { createEngine, tf, type Engine } from '@collabopt/engine';
import type { KerasArtifacts } from '@collabopt/format-keras';

export { tf, tfl };

let engine: Promise<Engine> | undefined;
function theEngine(): Promise<Engine> {
  engine ??= createEngine();
  return engine;
}

/** tfjs-layers runs on the same TF.js instance and backend the engine chose (one active backend per process). */
export async function tfReady(): Promise<void> {
  const e = await theEngine();
  if (tf.getBackend() !== e.backend) await tf.setBackend(e.backend);
  await tf.ready();
}

/** Run an IR graph with the collabopt engine; returns each output's data. */
export async function predictEngine(
  graph: Graph,
  inputs: { shape: number[]; data: Float32Array }[],
): Promise<Float32Array[]> {
  const outs = await (
    await theEngine()
  ).predict(
    graph,
    inputs.map((i) => ({ dtype: 'float32' as const, shape: i.shape, data: i.data })),
  );
  return outs.map((o) => o.data as Float32Array);
}

const NSFWJS_MODELS_DIR = path.join(path.dirname(require.resolve('nsfwjs')), '..', 'models');

/**
 * A model nsfwjs@4.4.0 ships (`mobilenet_v2`, `inception_v3`, `mobilenet_v2_mid`): its files are
 * self-contained UMD modules exporting the model.json object and each shard as a base64 string
 * (they import no TF.js).
 */
export function loadNsfwjsModel(name = 'mobilenet_v2'): {
  modelJson: Record<string, unknown>;
  shards: Record<string, Uint8Array>;
} {
  const dir = path.join(NSFWJS_MODELS_DIR, name);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const modelJson = require(path.join(dir, 'model.min.js')) as Record<string, unknown>;
  const shards: Record<string, Uint8Array> = {};
  for (const group of modelJson['weightsManifest'] as { paths: string[] }[]) {
    for (const p of group.paths) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const base64 = require(path.join(dir, `${p}.min.js`)) as string;
      shards[p] = new Uint8Array(Buffer.from(base64, 'base64'));
    }
  }
  return { modelJson, shards };
}

function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out.buffer;
}

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Load a model.json object + its shards with tfjs-layers (what `loadLayersModel` does from files). */
export async function loadInTfjs(
  modelJson: Record<string, unknown>,
  shards: Record<string, Uint8Array>,
): Promise<tfl.LayersModel> {
  await tfReady();
  const groups = modelJson['weightsManifest'] as ManifestGroup[];
  const weightSpecs = groups.flatMap((g) => g.weights);
  const weightData = concat(groups.flatMap((g) => g.paths.map((p) => shards[p]!)));
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson['modelTopology'] as object,
      weightSpecs,
      weightData,
      ...(modelJson['userDefinedMetadata']
        ? { userDefinedMetadata: modelJson['userDefinedMetadata'] as object }
        : {}),
    }),
  );
}

/** Load our writer's output in tfjs-layers. */
export async function loadArtifactsInTfjs(a: KerasArtifacts): Promise<tfl.LayersModel> {
  const shards: Record<string, Uint8Array> = {};
  for (const s of a.shards) shards[s.path] = s.bytes;
  return loadInTfjs(a.modelJson as unknown as Record<string, unknown>, shards);
}

/** Run a tfjs model on float inputs; returns each output's data. */
export function predictTfjs(
  model: tfl.LayersModel,
  inputs: { shape: number[]; data: Float32Array }[],
): Float32Array[] {
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.data, i.shape, 'float32'));
    const out = model.predict(xs.length === 1 ? xs[0]! : xs);
    const list = Array.isArray(out) ? out : [out];
    return list.map((t) => t.dataSync() as Float32Array);
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * A real photo-like input: Fashion-MNIST test image `index` (Debian dataset-fashion-mnist),
 * upscaled to size×size by pixel repetition, replicated to 3 channels, scaled to [0, 1]. NHWC, batch 1.
 */
export function fashionImage(index: number, size: number): { shape: number[]; data: Float32Array } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zlib = require('node:zlib') as typeof import('node:zlib');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  const raw = zlib.gunzipSync(
    fs.readFileSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'),
  );
  const rows = raw.readUInt32BE(8);
  const cols = raw.readUInt32BE(12);
  const pixels = raw.subarray(16 + index * rows * cols, 16 + (index + 1) * rows * cols);
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = pixels[Math.floor((y * rows) / size) * cols + Math.floor((x * cols) / size)]! / 255;
      data.set([v, v, v], (y * size + x) * 3);
    }
  }
  return { shape: [1, size, size, 3], data };
}
