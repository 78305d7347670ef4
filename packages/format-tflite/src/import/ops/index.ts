import { BuiltinOperator as Op } from '../../schema/enums';
import { importActivation, importSoftmax } from './activations';
import type { OperatorImporter } from './common';
import { importConv2d, importDepthwiseConv2d, importTransposeConv } from './convolution';
import { importFullyConnected } from './dense';
import { importBinary } from './elementwise';
import { importPool, importReduce } from './pooling';
import { importQuantizeLike } from './quantize';
import { importResize } from './resize';
import { importConcat, importPad, importReshape } from './structural';

/** TFLite builtin code → IR mapping. */
export const OPERATOR_IMPORTERS: Readonly<Record<number, OperatorImporter>> = {
  [Op.CONV_2D]: importConv2d,
  [Op.DEPTHWISE_CONV_2D]: importDepthwiseConv2d,
  [Op.TRANSPOSE_CONV]: importTransposeConv,
  [Op.FULLY_CONNECTED]: importFullyConnected,
  [Op.ADD]: importBinary(Op.ADD),
  [Op.SUB]: importBinary(Op.SUB),
  [Op.MUL]: importBinary(Op.MUL),
  [Op.MAX_POOL_2D]: importPool(Op.MAX_POOL_2D),
  [Op.AVERAGE_POOL_2D]: importPool(Op.AVERAGE_POOL_2D),
  [Op.MEAN]: importReduce(Op.MEAN),
  [Op.REDUCE_MAX]: importReduce(Op.REDUCE_MAX),
  [Op.RESHAPE]: importReshape,
  [Op.CONCATENATION]: importConcat,
  [Op.PAD]: importPad,
  [Op.PADV2]: importPad,
  [Op.SOFTMAX]: importSoftmax,
  [Op.RELU]: importActivation(Op.RELU),
  [Op.RELU6]: importActivation(Op.RELU6),
  [Op.LOGISTIC]: importActivation(Op.LOGISTIC),
  [Op.TANH]: importActivation(Op.TANH),
  [Op.LEAKY_RELU]: importActivation(Op.LEAKY_RELU),
  [Op.HARD_SWISH]: importActivation(Op.HARD_SWISH),
  [Op.ELU]: importActivation(Op.ELU),
  [Op.QUANTIZE]: importQuantizeLike,
  [Op.DEQUANTIZE]: importQuantizeLike,
  [Op.DENSIFY]: importQuantizeLike,
  [Op.RESIZE_BILINEAR]: importResize(Op.RESIZE_BILINEAR),
  [Op.RESIZE_NEAREST_NEIGHBOR]: importResize(Op.RESIZE_NEAREST_NEIGHBOR),
};
