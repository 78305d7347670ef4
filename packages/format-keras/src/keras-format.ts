import {
  defaultFormatRegistry,
  type FormatDefinition,
  type FormatRegistry,
  type OpRegistry,
  type ProgressReporter,
} from '@collabopt/core';
import { parseJson } from './json';
import { readKerasModel } from './read-model';
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
    return readKerasModel(json, (p) => source.readRelated(p), {
      ...(options?.registry ? { registry: options.registry } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(options?.['signal'] instanceof AbortSignal ? { signal: options['signal'] } : {}),
      ...(isProgressReporter(options?.['progress']) ? { progress: options['progress'] } : {}),
    });
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
      ...(typeof prefix === 'string' ? { shardPrefix: prefix } : {}),
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
