import type { Node } from '@collabopt/core';
import { unsupportedNode } from '../../errors';
import { BuiltinOptionsType } from '../../schema/builtin-options';
import { BuiltinOperator as Op } from '../../schema/enums';
import type { ExportContext } from '../context';
import { emitWithActivation } from '../fused-activation';

const BINARY: Record<string, { code: number; options: number }> = {
  Add: { code: Op.ADD, options: BuiltinOptionsType.AddOptions },
  Sub: { code: Op.SUB, options: BuiltinOptionsType.SubOptions },
  Mul: { code: Op.MUL, options: BuiltinOptionsType.MulOptions },
};

/**
 * Add / Sub / Mul → ADD / SUB / MUL (broadcasting, fused relu/relu6). More than two inputs become
 * a chain; in int8 the chain's partial results use the output's parameters.
 */
export function exportBinary(node: Node, ctx: ExportContext): void {
  const spec = BINARY[node.op];
  if (!spec) throw unsupportedNode(node.name, node.op, 'not an element-wise op');
  const inputs = node.inputs.map((v) => ctx.tensorOf(v));
  if (inputs.length < 2) throw unsupportedNode(node.name, node.op, 'needs two inputs');
  let acc = inputs[0]!;
  for (let i = 1; i < inputs.length - 1; i++) {
    const shape = ctx.shapeOf(node.output);
    const mid = ctx.intermediate(
      `${node.name}/partial_${i}`,
      shape,
      ctx.quantized ? ctx.activationQuant(node.output) : undefined,
    );
    ctx.addOp(spec.code, [acc, inputs[i]!], [mid], spec.options, { fusedActivationFunction: 0 });
    acc = mid;
  }
  const last = inputs[inputs.length - 1]!;
  emitWithActivation(ctx, node, (out, fused) =>
    ctx.addOp(spec.code, [acc, last], [out], spec.options, { fusedActivationFunction: fused }),
  );
}
