import type { Attributes, Node } from '@collabopt/core';
import type { Emitter } from '../emitter';
import { emitActivationNode, emitSoftmax } from './activations';
import { emitConv, emitConvTranspose, emitSeparable } from './convolution';
import { emitDense } from './dense';
import { emitBinary } from './elementwise';
import { emitBatchNorm } from './normalization';
import { emitGlobalPool, emitMean, emitPool } from './pooling';
import { emitUpsample } from './resize';
import { emitConcat, emitDropout, emitFlattenOrReshape, emitPad } from './structural';

/** Writes the ONNX nodes of one IR node; `attrs` are its attributes with defaults resolved. */
export type OnnxNodeEmitter = (e: Emitter, node: Node, attrs: Attributes) => void;

/** IR op name → ONNX mapping. */
export const NODE_EMITTERS: Readonly<Record<string, OnnxNodeEmitter>> = {
  Conv2D: emitConv,
  DepthwiseConv2D: emitConv,
  SeparableConv2D: emitSeparable,
  Conv2DTranspose: emitConvTranspose,
  Dense: emitDense,
  BatchNorm: emitBatchNorm,
  Activation: emitActivationNode,
  Softmax: emitSoftmax,
  MaxPool2D: emitPool,
  AvgPool2D: emitPool,
  GlobalAvgPool: emitGlobalPool,
  GlobalMaxPool: emitGlobalPool,
  Add: emitBinary,
  Sub: emitBinary,
  Mul: emitBinary,
  Concat: emitConcat,
  Reshape: emitFlattenOrReshape,
  Flatten: emitFlattenOrReshape,
  Pad: emitPad,
  Dropout: emitDropout,
  Upsample2D: emitUpsample,
  Mean: emitMean,
};
