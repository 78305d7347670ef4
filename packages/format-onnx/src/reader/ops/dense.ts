/** Gemm and MatMul with a constant weight → Dense. */
import { type Tensor, type Weight } from '@collabopt/core';
import { permuteRows } from '../../layout';
import {
  type ImportContext,
  type Sym,
  constIn,
  emit,
  entry,
  optConstIn,
  valueIn,
} from '../context';
import { type Const, constToFloat32 } from '../fold';
import { NodeReader } from '../node-reader';
import { quantizedWeight } from './quantization';

export function importGemm(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  if (x.v.shape!.length !== 2) r.fail(`input A must be rank 2, got rank ${x.v.shape!.length}`);
  if (r.int('transA', 0) !== 0) r.fail('transA = 1 is not supported');
  const bConst = constIn(ctx, r, 1, 'B');
  const c = optConstIn(ctx, r, 2, 'C');
  const alpha = r.float('alpha', 1);
  const beta = r.float('beta', 1);
  if (bConst.shape.length !== 2) r.fail('B must be rank 2');
  let kernel = constToFloat32(bConst);
  if (r.int('transB', 0) === 1)
    kernel = {
      dtype: 'float32',
      shape: [bConst.shape[1]!, bConst.shape[0]!],
      data: transpose2d(kernel.data, bConst.shape[0]!, bConst.shape[1]!),
    };
  if (alpha !== 1) kernel = { ...kernel, data: kernel.data.map((v) => v * alpha) };
  const source = { c: bConst, axis: r.int('transB', 0) === 1 ? 0 : 1, factor: alpha };
  denseFrom(ctx, r, x, kernel, c ? { c, beta } : undefined, source);
}

export function transpose2d(d: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(d.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) out[j * rows + i] = d[i * cols + j]!;
  return out;
}

export function denseFrom(
  ctx: ImportContext,
  r: NodeReader,
  x: Sym,
  kernel: Tensor<'float32'>,
  bias: { c: Const; beta: number } | undefined,
  /** The constant the kernel came from (for its QDQ quantization): ONNX output axis, factor applied. */
  source?: { c: Const; axis: number; factor: number },
): void {
  const [inF, units] = kernel.shape as [number, number];
  const xs = x.v.shape!;
  if (xs[xs.length - 1] !== inF)
    r.fail(`weight has ${inF} rows, input has ${xs[xs.length - 1]} features`, 'ONNX_BAD_SHAPE');
  // IR row map[j] holds ONNX row j when the input is a flattened NCHW map stored in NHWC order.
  const k = x.flatPerm ? (permuteRows(kernel, x.flatPerm, true) as Tensor<'float32'>) : kernel;
  const weights: Record<string, Tensor | Weight> = {
    kernel: source ? quantizedWeight(ctx, source.c, k, source.axis, source.factor) : k,
  };
  if (bias) {
    const n = bias.c.values.length;
    if (n !== units && n !== 1) r.fail(`bias has ${n} values for ${units} units`, 'ONNX_BAD_SHAPE');
    const values: Tensor<'float32'> = {
      dtype: 'float32',
      shape: [units],
      data: new Float32Array(units).map((_, i) => bias.beta * bias.c.values[n === 1 ? 0 : i]!),
    };
    weights['bias'] = quantizedWeight(ctx, bias.c, values, 0, bias.beta);
  }
  emit(ctx, r, 'Dense', [x.v], { units, useBias: bias !== undefined }, weights, 'plain');
}

export function importMatMul(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  if (x.layout === 'nchw') r.fail('MatMul on a rank-4 NCHW feature map is not supported');
  const b = entry(ctx, r, 1);
  if (b?.kind !== 'const')
    r.fail(
      'the second input must be a constant weight (MatMul of two computed tensors has no IR op)',
    );
  if (b.c.shape.length !== 2) r.fail('the weight must be rank 2');
  denseFrom(ctx, r, x, constToFloat32(b.c), undefined, { c: b.c, axis: 1, factor: 1 });
}
