import { attrInt, type Node } from '@collabopt/core';
import { BuiltinOptionsType } from '../../schema/builtin-options';
import { BuiltinOperator as Op } from '../../schema/enums';
import type { ExportContext } from '../context';
import { emitWithActivation } from '../fused-activation';

/** Dense → FULLY_CONNECTED [input, weights [out, in], bias]; keep_num_dims for rank > 2 inputs. */
export function exportDense(node: Node, ctx: ExportContext): void {
  const input = ctx.tensorOf(node.inputs[0]!);
  const kernel = ctx.kernelInput(node, 'kernel', 'dense', true);
  const units = attrInt(node.attrs, 'units');
  const bias = ctx.biasInput(node, units, input, kernel);
  const keepNumDims = ctx.shapeOf(node.inputs[0]!).length > 2;
  emitWithActivation(ctx, node, (out, fused) =>
    ctx.addOp(
      Op.FULLY_CONNECTED,
      [input, kernel.index, bias],
      [out],
      BuiltinOptionsType.FullyConnectedOptions,
      { fusedActivationFunction: fused, keepNumDims },
      { kind: kernel.kind, perChannel: kernel.perChannel, keepNumDims },
    ),
  );
}
