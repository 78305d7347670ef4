import type { Node } from '@collabopt/core';
import type { ExportContext } from '../context';
import { exportActivation, exportSoftmax } from './activations';
import {
  exportConv2d,
  exportConv2dTranspose,
  exportDepthwiseConv2d,
  exportSeparableConv2d,
} from './convolution';
import { exportDense } from './dense';
import { exportBinary } from './elementwise';
import { exportPool, exportReduce } from './pooling';
import { exportUpsample } from './resize';
import { exportConcat, exportIdentity, exportPad, exportReshape } from './structural';

export type NodeExporter = (node: Node, ctx: ExportContext) => void;

/** IR op name → TFLite mapping. */
export const NODE_EXPORTERS: Readonly<Record<string, NodeExporter>> = {
  Conv2D: exportConv2d,
  DepthwiseConv2D: exportDepthwiseConv2d,
  Conv2DTranspose: exportConv2dTranspose,
  SeparableConv2D: exportSeparableConv2d,
  Dense: exportDense,
  Add: exportBinary,
  Sub: exportBinary,
  Mul: exportBinary,
  MaxPool2D: exportPool,
  AvgPool2D: exportPool,
  GlobalAvgPool: exportReduce,
  GlobalMaxPool: exportReduce,
  Mean: exportReduce,
  Reshape: exportReshape,
  Flatten: exportReshape,
  Concat: exportConcat,
  Pad: exportPad,
  Dropout: exportIdentity,
  Activation: exportActivation,
  Softmax: exportSoftmax,
  Upsample2D: exportUpsample,
};
