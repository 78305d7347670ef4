import {
  defaultFormatRegistry,
  type FormatDefinition,
  type FormatRegistry,
  type OpRegistry,
  type ProgressReporter,
} from '@collabopt/core';
import { parseJson } from './json';
import { KERAS_METADATA_KEY, readKerasModel, type KerasSourceInfo } from './read-model';
import { kerasModelFiles, writeKerasModel, type WriteKerasOptions } from './write-model';
import type { WeightQuantization } from './weights-manifest';

/** First non-blank byte is `{` and the text mentions a Keras topology key. */
export function looksLikeKerasJson(bytes: Uint8Array): boolean {
  let i = 0;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 ||
      bytes[i] === 0x0a ||
      bytes[i] === 0x0d ||
      bytes[i] === 0x09 ||
      bytes[i] === 0xef ||
      bytes[i] === 0xbb ||
      bytes[i] === 0xbf)
  )
    i++;
  if (bytes[i] !== 0x7b) return false;
  const head = new TextDecoder('utf-8', { fatal: false }).decode(
    bytes.subarray(i, Math.min(bytes.length, i + 65536)),
  );
  return /"modelTopology"\s*:/.test(head) || /"class_name"\s*:/.test(head);
}

function isProgressReporter(v: unknown): v is ProgressReporter {
  return typeof v === 'object' && v !== null && typeof (v as ProgressReporter).start === 'function';
}

/**
 * Shard names derive from the model file's name (`a.json` → `a-shard1of1.bin`), so two models
 * written into one folder never share (and silently swap) weight shards.
 */
export function shardPrefixFor(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '');
  const stem = base.replace(/\.json$/i, '');
  return stem === '' ? 'model' : stem;
}

function optionNumber(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** The `keras` format: TF.js Layers model.json + weight shards, and Keras `model.to_json()` topologies. */
export const kerasFormat: FormatDefinition = {
  name: 'keras',
  description: 'TF.js Layers / Keras JSON (model.json + weight shards)',
  extensions: ['model.json', '.json'],
  detect: looksLikeKerasJson,
  async read(source, options) {
    const json = parseJson(source.bytes, source.path);
    const seed = optionNumber(options?.['seed']);
    const budget = optionNumber(options?.['initialWeightBudgetBytes']);
    const graph = await readKerasModel(json, (p, limits) => source.readRelated(p, limits), {
      ...(options?.registry ? { registry: options.registry } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(budget !== undefined ? { initialWeightBudgetBytes: budget } : {}),
      ...(options?.['signal'] instanceof AbortSignal ? { signal: options['signal'] } : {}),
      ...(isProgressReporter(options?.['progress']) ? { progress: options['progress'] } : {}),
    });
    const info = graph.metadata[KERAS_METADATA_KEY] as KerasSourceInfo | undefined;
    for (const w of info?.warnings ?? []) source.warn?.(w);
    return graph;
  },
  async write(graph, options) {
    const shardSizeBytes = optionNumber(options['shardSizeBytes']);
    const q = options['weightQuantization'];
    const prefix = options['shardPrefix'];
    const writeOptions: WriteKerasOptions = {
      ...(shardSizeBytes !== undefined ? { shardSizeBytes } : {}),
      ...(q === 'uint8' || q === 'uint16' || q === 'float16'
        ? { weightQuantization: q as WeightQuantization }
        : {}),
      shardPrefix: typeof prefix === 'string' ? prefix : shardPrefixFor(options.fileName),
      ...(options['includeAnnotations'] === false ? { includeAnnotations: false } : {}),
      ...(options.registry ? { registry: options.registry as OpRegistry } : {}),
    };
    return kerasModelFiles(writeKerasModel(graph, writeOptions), options.fileName);
  },
};

/** Register the `keras` format (idempotent) with `registry` (default: defaultFormatRegistry). */
export function registerKerasFormat(registry: FormatRegistry = defaultFormatRegistry): void {
  registry.register(kerasFormat, { replace: true });
}
