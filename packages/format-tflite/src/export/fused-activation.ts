import type { Node } from '@collabopt/core';
import { unsupportedNode } from '../errors';
import { Activation } from '../schema/enums';
import type { ExportContext } from './context';
import { emitActivation } from './ops/activations';

/** IR activations TFLite fuses into an op, with their fused activation codes. */
const FUSED_ACTIVATION_CODES: Readonly<Record<string, number>> = {
  linear: Activation.NONE,
  relu: Activation.RELU,
  relu6: Activation.RELU6,
};

/** The IR activations TFLite can fuse (any other is its own operator). */
export const tfliteFusableActivations: readonly string[] = Object.keys(FUSED_ACTIVATION_CODES);

/** TFLite fused activation code for an IR activation, or undefined when TFLite cannot fuse it. */
export function fusedActivationCode(activation: string): number | undefined {
  return Object.hasOwn(FUSED_ACTIVATION_CODES, activation)
    ? FUSED_ACTIVATION_CODES[activation]
    : undefined;
}

/**
 * Emit a node's main op with its `activation` attribute: fused when TFLite can fuse it (and the op
 * supports fusion), else as a separate activation op after an intermediate tensor. In int8 the
 * intermediate of a relu/relu6 reuses the output parameters (the clamp is the same); other
 * activations need their input range calibrated, so they must be separate IR nodes.
 */
export function emitWithActivation(
  ctx: ExportContext,
  node: Node,
  emitCore: (out: number, fused: number) => void,
  canFuse = true,
): void {
  const act =
    typeof node.attrs['activation'] === 'string' ? (node.attrs['activation'] as string) : 'linear';
  const code = fusedActivationCode(act);
  if (code !== undefined && (canFuse || code === Activation.NONE)) {
    const out = ctx.outputTensor(node.output);
    emitCore(out, code);
    ctx.bind(node.output, out);
    return;
  }
  const shape = ctx.shapeOf(node.output);
  if (ctx.quantized && code === undefined) {
    throw unsupportedNode(
      node.name,
      node.op,
      `activation '${act}' cannot be fused into ${node.op} in an int8 model; make it a separate Activation node so its input range is calibrated`,
    );
  }
  const mid = ctx.intermediate(
    `${node.name}/pre_activation`,
    shape,
    ctx.quantized ? ctx.activationQuant(node.output) : undefined,
  );
  emitCore(mid, Activation.NONE);
  emitActivation(ctx, node, act, node.attrs['alpha'], mid, node.output);
}
