/** Upsample2D → Resize. */
import { type Attributes, type Node } from '@collabopt/core';
import { type Emitter, ints } from '../emitter';

export function emitUpsample(e: Emitter, node: Node, attrs: Attributes): void {
  const [a, b] = ints(attrs, 'size');
  const scales = e.b.initializer(`${node.name}_scales`, {
    dtype: 'float32',
    shape: [4],
    data: new Float32Array([1, 1, a!, b!]),
  });
  const nearest = attrs['interpolation'] === 'nearest';
  e.b.node('Resize', node.name, [e.name(node.inputs[0]!), '', scales], [e.out(node.output)], {
    mode: nearest ? 'nearest' : 'linear',
    coordinate_transformation_mode: nearest ? 'asymmetric' : 'half_pixel',
    nearest_mode: nearest ? 'floor' : undefined,
  });
}
