import { defaultFormatRegistry, type FormatDefinition, type FormatRegistry } from '@collabopt/core';
import { isExportMode } from './export/export-mode';
import { tfliteFusableActivations } from './export/fused-activation';
import { writeTflite } from './export/writer';
import { readTflite } from './import/reader';
import { hasTfliteIdentifier } from './schema/tables/model';

/** The TFLite format for the format registry: `.tflite`, detected by "TFL3" at bytes 4–7. */
export const tfliteFormat: FormatDefinition = {
  name: 'tflite',
  description: 'TensorFlow Lite flatbuffer (float32, float16, dynamic range, full int8)',
  extensions: ['.tflite'],
  detect: hasTfliteIdentifier,
  read: async (source, options) =>
    readTflite(source.bytes, {
      file: source.path,
      ...(options?.registry ? { registry: options.registry } : {}),
      ...(options?.['keepQuant'] === false ? { keepQuant: false } : {}),
    }),
  write: async (graph, options) => {
    const mode = options['mode'];
    const bytes = writeTflite(graph, {
      ...(isExportMode(mode) ? { mode } : {}),
      ...(options['sparse'] === true ? { sparse: true } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options['signal'] instanceof AbortSignal ? { signal: options['signal'] } : {}),
    });
    return [{ path: options.fileName, bytes }];
  },
  // TFLite has no batch-norm kernel. In an integer model an activation TFLite cannot fuse needs
  // its input range (its own node), and so does the intermediate of a SeparableConv2D.
  requirements: ({ quantized }) => ({
    foldBatchNorm: true,
    splitSeparableConv: quantized,
    ...(quantized ? { fusableActivations: tfliteFusableActivations } : {}),
  }),
};

/** Register the TFLite format (idempotent) with `registry` (default: the process-wide one). */
export function registerTfliteFormat(registry: FormatRegistry = defaultFormatRegistry): void {
  if (!registry.names().includes(tfliteFormat.name)) registry.register(tfliteFormat);
}
