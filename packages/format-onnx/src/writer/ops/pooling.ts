/** Pooling and reductions: MaxPool/AveragePool, GlobalAveragePool/GlobalMaxPool, ReduceMean. */
import { type Attributes, type Node, UnsupportedError } from '@collabopt/core';
import { nhwcAxisToNchw } from '../../layout';
import { type Emitter, int64, ints, rankOf, windowPads } from '../emitter';

export function emitPool(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const kernel = ints(attrs, 'poolSize');
  const stridesAttr = attrs['strides'];
  const strides =
    stridesAttr === null || stridesAttr === undefined ? kernel : [...(stridesAttr as number[])];
  const pads = windowPads(x, kernel, strides, [1, 1], attrs['padding'] as string);
  e.b.node(
    node.op === 'MaxPool2D' ? 'MaxPool' : 'AveragePool',
    node.name,
    [e.name(x)],
    [e.out(node.output)],
    {
      kernel_shape: kernel,
      strides,
      pads,
    },
  );
}

export function emitGlobalPool(e: Emitter, node: Node, attrs: Attributes): void {
  const op = node.op === 'GlobalAvgPool' ? 'GlobalAveragePool' : 'GlobalMaxPool';
  if (attrs['keepDims'] === true) {
    e.b.node(op, node.name, [e.name(node.inputs[0]!)], [e.out(node.output)]);
    return;
  }
  const pooled = e.b.name(`${node.name}_pooled`);
  e.b.node(op, node.name, [e.name(node.inputs[0]!)], [pooled]);
  e.b.node('Flatten', `${node.name}_flatten`, [pooled], [e.out(node.output)], { axis: 1 });
}

export function emitMean(e: Emitter, node: Node, attrs: Attributes): void {
  const x = node.inputs[0]!;
  const rank = rankOf(x);
  const axes = ints(attrs, 'axes').map((a) => (a < 0 ? a + rank : a));
  const keep = attrs['keepDims'] === true;
  if (rank === 4 && !keep && !(axes.length === 2 && axes.includes(1) && axes.includes(2))) {
    throw new UnsupportedError(
      'Mean over these axes of an NHWC value without keepDims has no layout-preserving ONNX form',
      { node: node.name },
      'ONNX_UNSUPPORTED_OP',
    );
  }
  const onnxAxes = axes.map((a) => nhwcAxisToNchw(a, rank)).sort((p, q) => p - q);
  if (e.opset >= 18) {
    const ax = e.b.initializer(`${node.name}_axes`, int64(onnxAxes));
    e.b.node('ReduceMean', node.name, [e.name(x), ax], [e.out(node.output)], {
      keepdims: keep ? 1 : 0,
    });
  } else {
    e.b.node('ReduceMean', node.name, [e.name(x)], [e.out(node.output)], {
      axes: onnxAxes,
      keepdims: keep ? 1 : 0,
    });
  }
}
