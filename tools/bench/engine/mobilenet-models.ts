import { GraphBuilder, type Graph } from '@collabopt/core';

/**
 * The MobileNet-class models of the engine benchmark (issue 14), built identically in
 * keras_bench.py: 28×28×1 input, convolutions without bias, each followed by BatchNorm (Keras
 * defaults: momentum 0.99, ε 1e-3) and ReLU6 except the linear projections of v2.
 */
type Builder = GraphBuilder;
type Node = ReturnType<GraphBuilder['input']>;

function bnRelu6(b: Builder, name: string, h: Node, relu6 = true): Node {
  const n = b.layer('BatchNorm', `${name}_bn`, h);
  return relu6 ? b.layer('Activation', `${name}_relu6`, n, { activation: 'relu6' }) : n;
}

function conv(b: Builder, name: string, h: Node, filters: number, size: number): Node {
  return b.layer('Conv2D', name, h, {
    filters,
    kernelSize: [size, size],
    padding: 'same',
    useBias: false,
  });
}

function depthwise(b: Builder, name: string, h: Node, stride: number): Node {
  return b.layer('DepthwiseConv2D', name, h, {
    kernelSize: [3, 3],
    strides: [stride, stride],
    padding: 'same',
    useBias: false,
  });
}

function head(b: Builder, h: Node): Node {
  const p = b.layer('GlobalAvgPool', 'pool', h);
  return b.layer('Dense', 'logits', p, { units: 10 });
}

/** Stem conv 3×3/16, four depthwise-separable blocks 32/64/64/128 with strides 2/1/2/1, GAP, dense 10. */
export function mobilenetV1(seed = 0): Graph {
  const b = new GraphBuilder('mobilenet_v1_style', { seed });
  let h = b.input('input', [-1, 28, 28, 1]);
  h = bnRelu6(b, 'stem', conv(b, 'stem', h, 16, 3));
  const blocks: [number, number][] = [
    [32, 2],
    [64, 1],
    [64, 2],
    [128, 1],
  ];
  blocks.forEach(([filters, stride], i) => {
    h = bnRelu6(b, `dw${i + 1}`, depthwise(b, `dw${i + 1}`, h, stride));
    h = bnRelu6(b, `pw${i + 1}`, conv(b, `pw${i + 1}`, h, filters, 1));
  });
  return b.build(head(b, h));
}

/** Inverted residual blocks (out channels, stride, expansion) of the v2-style model. */
export const MOBILENET_V2_BLOCKS: readonly (readonly [number, number, number])[] = [
  [24, 2, 4],
  [24, 1, 4],
  [32, 2, 4],
  [32, 1, 4],
];

/**
 * Stem conv 3×3/16, inverted residual blocks (expansion 1×1 + BN + ReLU6, DW 3×3 + BN + ReLU6,
 * linear 1×1 projection + BN, residual add where stride is 1 and channels match), GAP, dense 10.
 */
export function mobilenetV2(seed = 0): Graph {
  const b = new GraphBuilder('mobilenet_v2_style', { seed });
  let h = b.input('input', [-1, 28, 28, 1]);
  h = bnRelu6(b, 'stem', conv(b, 'stem', h, 16, 3));
  let channels = 16;
  MOBILENET_V2_BLOCKS.forEach(([out, stride, expansion], i) => {
    const name = `block${i + 1}`;
    let y = bnRelu6(b, `${name}_expand`, conv(b, `${name}_expand`, h, channels * expansion, 1));
    y = bnRelu6(b, `${name}_dw`, depthwise(b, `${name}_dw`, y, stride));
    y = bnRelu6(b, `${name}_project`, conv(b, `${name}_project`, y, out, 1), false);
    h = stride === 1 && channels === out ? b.layer('Add', `${name}_add`, [h, y]) : y;
    channels = out;
  });
  return b.build(head(b, h));
}
