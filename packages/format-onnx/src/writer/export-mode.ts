import { UnsupportedError } from '@collabopt/core';

/** Graph quantization modes (docs/quantization-contract.md) the QDQ writer can express. */
const QDQ_MODES = new Set(['int8', 'int8-io']);

/**
 * Whether to write QDQ for a graph whose `metadata.quantization.mode` is `graphMode`, given the
 * requested `mode`. A quantized graph is never silently written as float: a mode ONNX cannot hold
 * (16x8, dynamic range, float16 weights) is a typed error unless float is asked for explicitly.
 */
export function writesQdq(graphMode: string | undefined, mode: 'auto' | 'float' | 'qdq'): boolean {
  if (mode === 'float') return false;
  if (graphMode === undefined) return mode === 'qdq';
  if (QDQ_MODES.has(graphMode)) return true;
  throw new UnsupportedError(
    `the graph is quantized as "${graphMode}", which the ONNX writer cannot write (it writes float32 or QDQ int8); ` +
      `write it as TFLite, quantize with ptq(mode=int8), or pass mode: 'float' to write the float model without its quantization`,
    {},
    'ONNX_UNSUPPORTED_QUANTIZATION',
  );
}
