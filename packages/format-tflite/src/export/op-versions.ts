import { BuiltinOperator as Op } from '../schema/enums';

/** How an operator computes: float, full int8, or hybrid (float activations, int8 weights). */
export type KernelKind = 'float' | 'int8' | 'hybrid';

export interface VersionFacts {
  kind: KernelKind;
  perChannel?: boolean;
  dilated?: boolean;
  keepNumDims?: boolean;
  hasBias?: boolean;
  /** RESIZE_*: half-pixel centers. */
  halfPixel?: boolean;
  /** DEQUANTIZE / QUANTIZE input type. */
  inputType?: 'float16' | 'int8' | 'int16' | 'float32';
  /** 16x8 models: int16 activations (versions as TFLiteConverter writes them). */
  int16?: boolean;
}

/**
 * Operator versions as the TFLite converter sets them (`lite/tools/versioning/op_version.cc`,
 * tfmot-spec.md §6.4). A runtime refuses versions it does not know, so these must not be higher
 * than what the feature needs.
 */
export function operatorVersion(code: number, f: VersionFacts): number {
  const int8 = f.kind === 'int8';
  switch (code) {
    case Op.CONV_2D:
      if (f.kind === 'hybrid') return f.perChannel ? 5 : 2;
      return int8 ? 3 : 1;
    case Op.DEPTHWISE_CONV_2D:
      if (f.kind === 'hybrid') return f.perChannel ? 6 : 4;
      if (int8) return 3;
      return f.dilated ? 2 : 1;
    case Op.FULLY_CONNECTED:
      if (f.keepNumDims) return 5;
      if (f.kind === 'hybrid') return 3;
      return int8 ? 4 : 1;
    case Op.TRANSPOSE_CONV:
      if (f.hasBias) return 3;
      return int8 ? 2 : 1;
    case Op.DEQUANTIZE:
      if (f.inputType === 'float16') return 3;
      if (f.inputType === 'int8') return f.perChannel ? 5 : 2;
      if (f.inputType === 'int16') return 2;
      return 1;
    case Op.QUANTIZE:
      return 1;
    case Op.RESIZE_BILINEAR:
    case Op.RESIZE_NEAREST_NEIGHBOR:
      if (f.halfPixel) return 3;
      return int8 ? 2 : 1;
    case Op.ADD:
    case Op.SUB:
    case Op.MUL:
    case Op.AVERAGE_POOL_2D:
    case Op.MAX_POOL_2D:
    case Op.SOFTMAX:
    case Op.MEAN:
    case Op.REDUCE_MAX:
    case Op.CONCATENATION:
    case Op.PAD:
    case Op.PADV2:
    case Op.RELU:
    case Op.RELU6:
    case Op.LOGISTIC:
    case Op.TANH:
      return int8 ? 2 : 1;
    case Op.ELU:
      return int8 ? 2 : 1;
    case Op.LEAKY_RELU: // version 2 is int16 only
      return f.int16 ? 2 : 1;
    default:
      return 1;
  }
}
