/** Resize/Upsample with integer spatial factors → Upsample2D. */
import {
  type ImportContext,
  constIn,
  emit,
  onnxShapeOf,
  optConstIn,
  spatial,
  valueIn,
} from '../context';
import { NodeReader } from '../node-reader';

export function importResize(ctx: ImportContext, r: NodeReader): void {
  const x = valueIn(ctx, r, 0);
  const hw = spatial(ctx, r, x);
  const op = r.node.opType;
  let scales: number[] | undefined;
  if (op === 'Upsample')
    scales = ctx.opset < 9 ? r.floats('scales') : Array.from(constIn(ctx, r, 1, 'scales').values);
  else if (ctx.opset < 11) scales = Array.from(constIn(ctx, r, 1, 'scales').values);
  else {
    const s = optConstIn(ctx, r, 2, 'scales');
    const sizes = optConstIn(ctx, r, 3, 'sizes');
    if (s && s.values.length > 0) scales = Array.from(s.values);
    else if (sizes) {
      const onnx = onnxShapeOf(x);
      scales = Array.from(sizes.values).map((d, i) => (i === 0 ? 1 : d / onnx[i]!));
    }
  }
  if (scales === undefined || scales.length !== 4) r.fail('needs 4 constant scales (or sizes)');
  const [sn, sc, sh, sw] = scales as [number, number, number, number];
  if (sn !== 1 || sc !== 1 || !Number.isInteger(sh) || !Number.isInteger(sw) || sh < 1 || sw < 1) {
    r.fail(`scales [${scales.join(', ')}] are not integer spatial upsampling factors`);
  }
  const mode = r.string('mode', 'nearest');
  const ctm =
    ctx.opset >= 11 ? r.string('coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  const nearestMode = r.string('nearest_mode', 'round_prefer_floor');
  let interpolation: 'nearest' | 'bilinear';
  if (mode === 'nearest') {
    const ok =
      (ctm === 'asymmetric' &&
        (nearestMode === 'floor' || nearestMode === 'round_prefer_floor' || ctx.opset < 11)) ||
      ((ctm === 'half_pixel' || ctm === 'pytorch_half_pixel') &&
        (nearestMode === 'round_prefer_floor' || nearestMode === 'round_prefer_ceil'));
    if (!ok) r.fail(`nearest resize with ${ctm}/${nearestMode} is not a pixel repeat`);
    interpolation = 'nearest';
  } else if (
    (mode === 'linear' || mode === 'bilinear') &&
    (ctm === 'half_pixel' || (ctm === 'pytorch_half_pixel' && hw[0] * sh > 1 && hw[1] * sw > 1))
  ) {
    interpolation = 'bilinear';
  } else {
    r.fail(`resize mode ${mode} with ${ctm} is not supported (nearest, or linear with half_pixel)`);
  }
  emit(ctx, r, 'Upsample2D', [x.v], { size: [sh, sw], interpolation }, {}, 'nchw');
}
