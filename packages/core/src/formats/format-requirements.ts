/**
 * What a format's writer needs from a graph before it can serialise it. Each format declares its
 * own (`FormatDefinition.requirements`); legalization (`@collabopt/preserve`) rewrites the graph
 * to meet them before any pass runs, so a pipeline never trains a model its output cannot hold.
 * A field left out needs nothing.
 */
export interface FormatRequirements {
  /** Every BatchNorm must be folded into its producer (the format has no kernel for it). */
  readonly foldBatchNorm?: boolean;
  /**
   * Activations the format can fuse into Conv/Dense layers; any other fused activation is split
   * into its own Activation node (in an integer model its input range is then calibrated).
   * Left out: every activation can stay fused.
   */
  readonly fusableActivations?: readonly string[];
  /**
   * SeparableConv2D must become DepthwiseConv2D + 1×1 Conv2D (in an integer model the
   * intermediate needs its own range).
   */
  readonly splitSeparableConv?: boolean;
}

/** The model a format is asked to hold. */
export interface FormatTarget {
  /** The file will hold an integer (int8 / int16x8) model. */
  readonly quantized: boolean;
}
