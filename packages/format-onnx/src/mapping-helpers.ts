/**
 * What a registered ONNX mapping (registerOnnxOp) works with: the helpers the built-in mappings
 * use, grouped per direction so the package's public surface stays small.
 */
import { constIn, emit, optConstIn, valueIn } from './reader/context';
import { constToFloat32 } from './reader/fold';
import { biasInput, weightInput } from './writer/emitter';
import { emitActivation, withFusedActivation } from './writer/ops/activations';

/** Helpers for exporters: weights and biases (float or QDQ int8), fused activations. */
export const onnxExportHelpers = {
  weightInput,
  biasInput,
  withFusedActivation,
  emitActivation,
} as const;

/** Helpers for importers: read computed and constant inputs, add the IR node for an ONNX node. */
export const onnxImportHelpers = {
  valueIn,
  constIn,
  optConstIn,
  emit,
  constToFloat32,
} as const;
