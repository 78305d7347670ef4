import { BuiltinOperator as Op } from '../../schema/enums';
import type { TflOperator } from '../../schema/model-types';
import type { ImportContext } from '../context';
import { inputAt, optBool, outputAt } from './common';

/**
 * RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR by integer factors → Upsample2D. Nearest without
 * align_corners (legacy or half-pixel: the same rows for integer factors); bilinear only with
 * half-pixel centers, the IR's definition.
 */
export function importResize(code: number) {
  return (op: TflOperator, ctx: ImportContext): void => {
    const x = ctx.value(inputAt(op, 0, ctx));
    const size = ctx.constant(inputAt(op, 1, ctx)).ints ?? new Int32Array();
    const [, h, w] = x.shape ?? [];
    if (size.length !== 2 || h === undefined || w === undefined || h <= 0 || w <= 0)
      throw ctx.unsupported('resize needs a constant [height, width] and a known NHWC input');
    const a = size[0]! / h;
    const b = size[1]! / w;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < 1)
      throw ctx.unsupported(
        `resize from ${h}×${w} to ${size[0]}×${size[1]} is not an integer upscale`,
      );
    if (optBool(op, 'alignCorners')) throw ctx.unsupported('align_corners resizing');
    const bilinear = code === Op.RESIZE_BILINEAR;
    if (bilinear && !optBool(op, 'halfPixelCenters') && (a > 1 || b > 1))
      throw ctx.unsupported('bilinear resizing without half-pixel centers');
    ctx.layer(
      'Upsample2D',
      [x],
      { size: [a, b], interpolation: bilinear ? 'bilinear' : 'nearest' },
      {},
      outputAt(op, ctx),
    );
  };
}
