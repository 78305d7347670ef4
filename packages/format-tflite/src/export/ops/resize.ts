import { attrString, type Node } from '@collabopt/core';
import { BuiltinOptionsType } from '../../schema/builtin-options';
import { BuiltinOperator as Op } from '../../schema/enums';
import type { ExportContext } from '../context';

/**
 * Upsample2D → RESIZE_NEAREST_NEIGHBOR (integer factors: legacy and half-pixel nearest pick the
 * same rows, so the widely supported legacy mode is written) or RESIZE_BILINEAR with half-pixel
 * centers (the IR's bilinear). int8 output shares the input's parameters.
 */
export function exportUpsample(node: Node, ctx: ExportContext): void {
  const input = ctx.tensorOf(node.inputs[0]!);
  const out = ctx.shapeOf(node.output);
  const sizeTensor = ctx.constInt32(`${node.name}/size`, [out[1]!, out[2]!]);
  const bilinear = attrString(node.attrs, 'interpolation') === 'bilinear';
  ctx.emitWithOutputQuant(node.output, ctx.b.tensor(input).quantization, (o) =>
    bilinear
      ? ctx.addOp(
          Op.RESIZE_BILINEAR,
          [input, sizeTensor],
          [o],
          BuiltinOptionsType.ResizeBilinearOptions,
          { alignCorners: false, halfPixelCenters: true },
          {
            kind: ctx.activationKind,
            halfPixel: true,
          },
        )
      : ctx.addOp(
          Op.RESIZE_NEAREST_NEIGHBOR,
          [input, sizeTensor],
          [o],
          BuiltinOptionsType.ResizeNearestNeighborOptions,
          {
            alignCorners: false,
            halfPixelCenters: false,
          },
        ),
  );
}
