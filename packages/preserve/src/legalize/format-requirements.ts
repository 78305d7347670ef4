/**
 * What an output format needs from a graph before its writer can serialise it. Formats are
 * registered here by name (the format registry's names); an unknown format needs nothing.
 */
export interface FormatRequirements {
  /** The format has no batch-norm kernel: every BatchNorm must be folded into its producer. */
  readonly foldBatchNorm: boolean;
  /**
   * Activations the format can fuse into Conv/Dense layers; any other fused activation is split
   * into its own Activation node (in int8, its input range must be calibrated separately).
   * Undefined: every activation can stay fused.
   */
  readonly fusableActivations?: readonly string[];
  /** SeparableConv2D must become DepthwiseConv2D + 1×1 Conv2D (its intermediate needs its own range). */
  readonly splitSeparableConv: boolean;
}

/** `quantized`: the file will hold an integer (int8 / int16x8) model. */
export type FormatRequirementsOf = (quantized: boolean) => FormatRequirements;

const NOTHING: FormatRequirements = { foldBatchNorm: false, splitSeparableConv: false };

const requirements = new Map<string, FormatRequirementsOf>([
  [
    'tflite',
    (quantized) => ({
      foldBatchNorm: true,
      splitSeparableConv: quantized,
      ...(quantized ? { fusableActivations: ['linear', 'relu', 'relu6'] } : {}),
    }),
  ],
  ['onnx', (quantized) => ({ foldBatchNorm: quantized, splitSeparableConv: false })],
]);

/** Declare what a (custom) format needs; replaces an earlier declaration. */
export function registerFormatRequirements(format: string, of: FormatRequirementsOf): void {
  requirements.set(format, of);
}

export function formatRequirements(format: string, quantized: boolean): FormatRequirements {
  return requirements.get(format)?.(quantized) ?? NOTHING;
}
