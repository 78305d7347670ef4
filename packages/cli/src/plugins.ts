import { registerClusteringPasses } from '@collabopt/clustering';
import { defaultFormatRegistry, defaultPassRegistry } from '@collabopt/core';
import { registerKerasFormat } from '@collabopt/format-keras';
import { registerOnnxFormat } from '@collabopt/format-onnx';
import { registerTfliteFormat } from '@collabopt/format-tflite';
import { registerPreservePasses } from '@collabopt/preserve';
import { registerPruningPasses } from '@collabopt/pruning';
import { registerQuantizationPasses } from '@collabopt/quantization';

let registered = false;

/** Register every format and pass of the installed plugin packages with the default registries (once). */
export function registerAllPlugins(): void {
  if (registered) return;
  registered = true;
  registerKerasFormat(defaultFormatRegistry);
  registerTfliteFormat(defaultFormatRegistry);
  registerOnnxFormat(defaultFormatRegistry);
  registerPruningPasses(defaultPassRegistry);
  registerClusteringPasses(defaultPassRegistry);
  registerQuantizationPasses(defaultPassRegistry);
  registerPreservePasses(defaultPassRegistry);
}
