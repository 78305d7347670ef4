import type { ImportContext } from '../context';
import type { NodeReader } from '../node-reader';
import { SIMPLE_ACTIVATIONS, importActivation, importClip, importSoftmax } from './activations';
import { importConv, importConvTranspose } from './convolution';
import { importGemm, importMatMul } from './dense';
import { importBinary, importSum } from './elementwise';
import { importBatchNorm } from './normalization';
import { importGlobalPool, importPool, importReduceMean } from './pooling';
import { importDequantizeLinear, importQuantizeLinear } from './quantization';
import { importResize } from './resize';
import {
  importCast,
  importConcat,
  importDropout,
  importFlatten,
  importIdentity,
  importPad,
  importReshape,
  importTranspose,
} from './structural';

/** Maps one ONNX node (default domain) to IR nodes, or binds its output to an existing value. */
export type OnnxNodeImporter = (ctx: ImportContext, r: NodeReader) => void;

const simpleActivation =
  (op: string): OnnxNodeImporter =>
  (ctx, r) =>
    importActivation(ctx, r, SIMPLE_ACTIVATIONS[op]!);

/** ONNX op type → IR mapping. */
export const NODE_IMPORTERS: Readonly<Record<string, OnnxNodeImporter>> = {
  Conv: importConv,
  ConvTranspose: importConvTranspose,
  MaxPool: importPool,
  AveragePool: importPool,
  GlobalAveragePool: importGlobalPool,
  GlobalMaxPool: importGlobalPool,
  BatchNormalization: importBatchNorm,
  Relu: simpleActivation('Relu'),
  Sigmoid: simpleActivation('Sigmoid'),
  Tanh: simpleActivation('Tanh'),
  HardSwish: simpleActivation('HardSwish'),
  Softplus: simpleActivation('Softplus'),
  LeakyRelu: (ctx, r) => importActivation(ctx, r, 'leaky_relu', r.float('alpha', 0.01)),
  Elu: (ctx, r) => importActivation(ctx, r, 'elu', r.float('alpha', 1)),
  HardSigmoid: (ctx, r) =>
    importActivation(ctx, r, 'hard_sigmoid', r.float('alpha', 0.2), r.float('beta', 0.5)),
  Clip: importClip,
  Softmax: importSoftmax,
  Add: importBinary,
  Sub: importBinary,
  Mul: importBinary,
  Div: importBinary,
  Sum: importSum,
  Concat: importConcat,
  Gemm: importGemm,
  ReduceMean: importReduceMean,
  MatMul: importMatMul,
  Reshape: importReshape,
  Flatten: importFlatten,
  Pad: importPad,
  Resize: importResize,
  Upsample: importResize,
  Transpose: importTranspose,
  Identity: importIdentity,
  Dropout: importDropout,
  Cast: importCast,
  QuantizeLinear: importQuantizeLinear,
  DequantizeLinear: importDequantizeLinear,
};
