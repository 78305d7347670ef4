/**
 * What a registered TFLite mapping (registerTfliteOp) works with: the helpers the built-in
 * mappings use, grouped per direction so the package's public surface stays small.
 */
import { emitWithActivation } from './export/fused-activation';
import { fusedActivation, inputAt, opt, optBool, outputAt } from './import/ops/common';

/** Helpers for exporters: an op with its fused (or separate) activation. */
export const tfliteExportHelpers = { emitWithActivation } as const;

/** Helpers for importers: operator inputs/outputs, options, fused activation. */
export const tfliteImportHelpers = { inputAt, outputAt, opt, optBool, fusedActivation } as const;
