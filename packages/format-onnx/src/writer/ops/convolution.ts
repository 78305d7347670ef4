/** Conv2D, DepthwiseConv2D, SeparableConv2D and Conv2DTranspose → Conv / ConvTranspose. */
import { type Attributes, type Node } from '@collabopt/core';
import { convKernelToOihw, deconvKernelToOnnx, depthwiseKernelToOihw } from '../../layout';
import { type Emitter, ints, weightInit, windowPads } from '../emitter';
import { withFusedActivation } from './activations';

export function emitConv(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const kernel = ints(attrs, 'kernelSize');
  const strides = ints(attrs, 'strides');
  const dilations = ints(attrs, 'dilations');
  const pads = windowPads(x, kernel, strides, dilations, attrs['padding'] as string);
  const depthwise = node.op === 'DepthwiseConv2D';
  const cin = x.shape![3]!;
  const w = depthwise
    ? (e.qdq?.weight(node, 'kernel', depthwiseKernelToOihw, 0) ??
      weightInit(e, node, 'kernel', depthwiseKernelToOihw))
    : (e.qdq?.weight(node, 'kernel', convKernelToOihw, 0) ??
      weightInit(e, node, 'kernel', convKernelToOihw));
  const inputs = [e.name(x), w];
  if (attrs['useBias'] === true)
    inputs.push(e.qdq?.bias(node, x, 'kernel') ?? weightInit(e, node, 'bias'));
  withFusedActivation(e, node, attrs, (out) =>
    e.b.node('Conv', node.name, inputs, [out], {
      kernel_shape: kernel,
      strides,
      dilations,
      pads,
      group: depthwise ? cin : 1,
    }),
  );
}

export function emitSeparable(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const kernel = ints(attrs, 'kernelSize');
  const strides = ints(attrs, 'strides');
  const dilations = ints(attrs, 'dilations');
  const pads = windowPads(x, kernel, strides, dilations, attrs['padding'] as string);
  const dw = weightInit(e, node, 'depthwiseKernel', depthwiseKernelToOihw);
  const pw = weightInit(e, node, 'pointwiseKernel', convKernelToOihw);
  const mid = e.b.name(`${node.name}_depthwise`);
  e.b.node('Conv', `${node.name}_depthwise`, [e.name(x), dw], [mid], {
    kernel_shape: kernel,
    strides,
    dilations,
    pads,
    group: x.shape![3]!,
  });
  const inputs = [mid, pw];
  if (attrs['useBias'] === true) inputs.push(weightInit(e, node, 'bias'));
  withFusedActivation(e, node, attrs, (out) =>
    e.b.node('Conv', node.name, inputs, [out], { kernel_shape: [1, 1] }),
  );
}

export function emitConvTranspose(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const kernel = ints(attrs, 'kernelSize');
  const strides = ints(attrs, 'strides');
  const dilations = ints(attrs, 'dilations');
  const pads: number[] = [0, 0, 0, 0];
  const outputPadding: number[] = [0, 0];
  for (let i = 0; i < 2; i++) {
    const keff = (kernel[i]! - 1) * dilations[i]! + 1;
    const s = strides[i]!;
    if (keff < s) outputPadding[i] = s - keff;
    else if (attrs['padding'] === 'same') {
      const total = keff - s;
      pads[i] = Math.floor(total / 2);
      pads[i + 2] = total - pads[i]!;
    }
  }
  const w =
    e.qdq?.weight(node, 'kernel', deconvKernelToOnnx, 1) ??
    weightInit(e, node, 'kernel', deconvKernelToOnnx);
  const inputs = [e.name(x), w];
  if (attrs['useBias'] === true)
    inputs.push(e.qdq?.bias(node, x, 'kernel') ?? weightInit(e, node, 'bias'));
  withFusedActivation(e, node, attrs, (out) =>
    e.b.node('ConvTranspose', node.name, inputs, [out], {
      kernel_shape: kernel,
      strides,
      dilations,
      pads,
      output_padding: outputPadding.some((p) => p > 0) ? outputPadding : undefined,
    }),
  );
}
