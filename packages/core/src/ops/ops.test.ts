import { ShapeError, AttributeError, GraphError } from '../errors';
import { GraphBuilder } from '../graph-builder';
import { applyActivation, erf } from './activations';
import { convOutputLength, samePadding } from './shape-utils';

function shapeOf(
  build: (
    b: GraphBuilder,
    x: ReturnType<GraphBuilder['input']>,
  ) => ReturnType<GraphBuilder['layer']>,
  input = [-1, 7, 6, 3],
): number[] | undefined {
  const b = new GraphBuilder('t');
  const x = b.input('x', input);
  return build(b, x).shape;
}

describe('window arithmetic', () => {
  it('follows TensorFlow same/valid output sizes', () => {
    expect(convOutputLength(7, 3, 1, 'valid')).toBe(5);
    expect(convOutputLength(7, 3, 2, 'valid')).toBe(3);
    expect(convOutputLength(7, 3, 2, 'same')).toBe(4);
    expect(convOutputLength(8, 3, 2, 'same')).toBe(4);
    expect(convOutputLength(7, 3, 1, 'valid', 2)).toBe(3); // effective kernel 5
    expect(convOutputLength(-1, 3, 1, 'valid')).toBe(-1);
  });
  it('puts the odd padding at the end', () => {
    expect(samePadding(8, 3, 2)).toEqual([0, 1]);
    expect(samePadding(7, 3, 1)).toEqual([1, 1]);
    expect(samePadding(5, 4, 1)).toEqual([1, 2]);
  });
});

describe('shape inference per op', () => {
  it('Conv2D: valid, same, strides, dilation', () => {
    expect(
      shapeOf((b, x) => b.layer('Conv2D', 'c', x, { filters: 4, kernelSize: [3, 3] })),
    ).toEqual([-1, 5, 4, 4]);
    expect(
      shapeOf((b, x) =>
        b.layer('Conv2D', 'c', x, {
          filters: 4,
          kernelSize: [3, 3],
          padding: 'same',
          strides: [2, 2],
        }),
      ),
    ).toEqual([-1, 4, 3, 4]);
    expect(
      shapeOf((b, x) =>
        b.layer('Conv2D', 'c', x, { filters: 2, kernelSize: [3, 3], dilations: [2, 2] }),
      ),
    ).toEqual([-1, 3, 2, 2]);
  });
  it('Conv2D weight shapes follow Keras layout', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', [-1, 5, 5, 3]);
    const y = b.layer('Conv2D', 'c', x, { filters: 8, kernelSize: [3, 2], useBias: false });
    const n = b.graph.node('c');
    expect(n.weight('kernel').tensor.shape).toEqual([3, 2, 3, 8]);
    expect(n.weights['bias']).toBeUndefined();
    expect(y.shape).toEqual([-1, 3, 4, 8]);
  });
  it('DepthwiseConv2D multiplies channels', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', [-1, 6, 6, 3]);
    const y = b.layer('DepthwiseConv2D', 'd', x, {
      kernelSize: [3, 3],
      depthMultiplier: 2,
      padding: 'same',
    });
    expect(y.shape).toEqual([-1, 6, 6, 6]);
    expect(b.graph.node('d').weight('kernel').tensor.shape).toEqual([3, 3, 3, 2]);
    expect(b.graph.node('d').weight('bias').tensor.shape).toEqual([6]);
  });
  it('SeparableConv2D has depthwise and pointwise kernels', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', [-1, 6, 6, 3]);
    const y = b.layer('SeparableConv2D', 's', x, { filters: 5, kernelSize: [3, 3] });
    expect(y.shape).toEqual([-1, 4, 4, 5]);
    expect(b.graph.node('s').weight('pointwiseKernel').tensor.shape).toEqual([1, 1, 3, 5]);
  });
  it('Conv2DTranspose grows the input', () => {
    expect(
      shapeOf((b, x) =>
        b.layer('Conv2DTranspose', 't', x, {
          filters: 2,
          kernelSize: [3, 3],
          strides: [2, 2],
          padding: 'same',
        }),
      ),
    ).toEqual([-1, 14, 12, 2]);
    expect(
      shapeOf((b, x) =>
        b.layer('Conv2DTranspose', 't', x, { filters: 2, kernelSize: [3, 3], strides: [2, 2] }),
      ),
    ).toEqual([-1, 15, 13, 2]);
  });
  it('Dense works on the last axis of any rank ≥ 2', () => {
    expect(shapeOf((b, x) => b.layer('Dense', 'd', x, { units: 9 }))).toEqual([-1, 7, 6, 9]);
  });
  it('pools: strides default to the pool size; same pads', () => {
    expect(shapeOf((b, x) => b.layer('MaxPool2D', 'p', x))).toEqual([-1, 3, 3, 3]);
    expect(
      shapeOf((b, x) =>
        b.layer('AvgPool2D', 'p', x, { poolSize: [3, 3], strides: [2, 2], padding: 'same' }),
      ),
    ).toEqual([-1, 4, 3, 3]);
    expect(shapeOf((b, x) => b.layer('GlobalAvgPool', 'g', x))).toEqual([-1, 3]);
    expect(shapeOf((b, x) => b.layer('GlobalMaxPool', 'g', x, { keepDims: true }))).toEqual([
      -1, 1, 1, 3,
    ]);
  });
  it('structural ops', () => {
    expect(shapeOf((b, x) => b.layer('Flatten', 'f', x))).toEqual([-1, 126]);
    expect(shapeOf((b, x) => b.layer('Reshape', 'r', x, { targetShape: [-1, 3] }))).toEqual([
      -1, 42, 3,
    ]);
    expect(
      shapeOf((b, x) =>
        b.layer('Pad', 'p', x, {
          padding: [
            [1, 2],
            [0, 1],
          ],
        }),
      ),
    ).toEqual([-1, 10, 7, 3]);
    expect(shapeOf((b, x) => b.layer('Mean', 'm', x, { axes: [1, 2] }))).toEqual([-1, 3]);
    expect(shapeOf((b, x) => b.layer('Upsample2D', 'u', x, { size: [2, 3] }))).toEqual([
      -1, 14, 18, 3,
    ]);
    expect(shapeOf((b, x) => b.layer('Concat', 'c', [x, x]))).toEqual([-1, 7, 6, 6]);
    expect(shapeOf((b, x) => b.layer('Add', 'a', [x, x, x]))).toEqual([-1, 7, 6, 3]);
    expect(shapeOf((b, x) => b.layer('Softmax', 's', x))).toEqual([-1, 7, 6, 3]);
    expect(shapeOf((b, x) => b.layer('BatchNorm', 'bn', x))).toEqual([-1, 7, 6, 3]);
    expect(shapeOf((b, x) => b.layer('LayerNorm', 'ln', x))).toEqual([-1, 7, 6, 3]);
    expect(shapeOf((b, x) => b.layer('Dropout', 'd', x, { rate: 0.2 }))).toEqual([-1, 7, 6, 3]);
    expect(shapeOf((b, x) => b.layer('Activation', 'a', x, { activation: 'gelu' }))).toEqual([
      -1, 7, 6, 3,
    ]);
  });
  it('broadcasts element-wise inputs numpy style', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', [-1, 4, 4, 3]);
    const y = b.input('y', [-1, 1, 1, 3]);
    expect(b.layer('Mul', 'm', [x, y]).shape).toEqual([-1, 4, 4, 3]);
  });

  it('rejects impossible shapes with the node named', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', [-1, 4, 4, 3]);
    const y = b.input('y', [-1, 4, 4, 2]);
    expect(() => b.layer('Add', 'bad_add', [x, y])).toThrow(ShapeError);
    expect(() => b.layer('Add', 'bad_add', [x, y])).toThrow(/node bad_add/);
    expect(() => b.layer('Conv2D', 'too_big', x, { filters: 1, kernelSize: [5, 5] })).toThrow(
      /does not fit/,
    );
    expect(() => b.layer('Reshape', 'r', x, { targetShape: [5, 5] })).toThrow(/cannot reshape/);
    expect(() => b.layer('Concat', 'c', [x, b.input('z', [-1, 3, 4, 3])], { axis: -1 })).toThrow(
      /does not match/,
    );
    expect(() => b.layer('Dense', 'd', b.input('v', [-1]), { units: 2 })).toThrow(/rank ≥ 2/);
    expect(() => b.layer('MaxPool2D', 'p', b.input('flat', [-1, 8]))).toThrow(/rank 4/);
    // the failed layers were not left in the graph
    expect(b.graph.hasNode('bad_add')).toBe(false);
  });

  it('rejects bad attributes naming the field', () => {
    const b = new GraphBuilder('t');
    const x = b.input('x', [-1, 4, 4, 3]);
    expect(() => b.layer('Conv2D', 'c', x, { kernelSize: [3, 3] })).toThrow(AttributeError);
    expect(() =>
      b.layer('Conv2D', 'c', x, { filters: 2, kernelSize: [3, 3], padding: 'full' }),
    ).toThrow(/field padding/);
    expect(() => b.layer('Conv2D', 'c', x, { filters: 2, kernelSize: [3] })).toThrow(
      /list of 2 integers/,
    );
    expect(() =>
      b.layer('Conv2D', 'c', x, { filters: 2, kernelSize: [3, 3], colour: 'red' }),
    ).toThrow(/unknown attribute "colour"/);
    expect(() => b.layer('Frobnicate', 'f', x)).toThrow(/unknown op "Frobnicate"/);
    expect(() => b.layer('Sub', 's', [x, x, x])).toThrow(GraphError);
  });
});

describe('activation reference semantics', () => {
  it('matches hand-computed values', () => {
    expect(applyActivation('relu6', 7)).toBe(6);
    expect(applyActivation('leaky_relu', -2)).toBeCloseTo(-0.4);
    expect(applyActivation('leaky_relu', -2, 0.3)).toBeCloseTo(-0.6);
    expect(applyActivation('hard_sigmoid', 0)).toBe(0.5);
    expect(applyActivation('hard_sigmoid', 6)).toBe(1);
    expect(applyActivation('hard_swish', 1)).toBeCloseTo(4 / 6);
    expect(applyActivation('sigmoid', 0)).toBe(0.5);
    expect(applyActivation('swish', 2)).toBeCloseTo(2 / (1 + Math.exp(-2)));
    expect(applyActivation('gelu', 1)).toBeCloseTo(0.8413447460685429, 10);
    expect(applyActivation('softplus', 0)).toBeCloseTo(Math.log(2));
    expect(applyActivation('elu', -1)).toBeCloseTo(Math.exp(-1) - 1);
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 12);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 12);
  });
});
