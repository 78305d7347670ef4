import {
  ACTIVATION_DEFAULTS,
  type ActivationKind,
  type Attributes,
  type Node,
  type Tensor,
} from '@collabopt/core';
import { tfjsActivationName } from './activations';
import { kerasUnsupported } from './errors';

/** One Keras layer emitted for an IR node (before its inbound nodes are attached). */
export interface EmittedLayer {
  className: string;
  /** Suffix appended to the node's name for helper layers; undefined for the node's own layer. */
  suffix?: string;
  config: Record<string, unknown>;
  /** Keras weight name → IR weight slot of the node (or a literal tensor for helper layers), in Keras order. */
  weights: [string, string | Tensor][];
  /**
   * Inputs of this layer: a number is the node's input of that index, a string the suffix of a
   * helper layer emitted earlier for the same node. Default: the node's inputs for the first
   * layer, the previous layer's output for the others.
   */
  inputs?: readonly (number | string)[];
}

/** Converts one IR node to Keras layers, chained in order (the last one's output is the node's output). */
export type KerasLayerWriter = (node: Node, attrs: Attributes) => EmittedLayer[];

function pair(v: unknown): number[] {
  return [...(v as readonly number[])];
}

/** A fused activation: in-layer when TF.js has it, otherwise a following helper layer. */
function fused(node: Node, attrs: Attributes): { activation: string; after: EmittedLayer[] } {
  const kind = attrs['activation'] as ActivationKind;
  const inLayer = tfjsActivationName({ kind });
  if (inLayer !== undefined) return { activation: inLayer, after: [] };
  return {
    activation: 'linear',
    after: activationLayers(node, kind, undefined, undefined, 'activation'),
  };
}

function activationLayers(
  node: Node,
  kind: ActivationKind,
  alpha: number | undefined,
  beta: number | undefined,
  suffix?: string,
): EmittedLayer[] {
  const base = suffix !== undefined ? { suffix } : {};
  if (kind === 'leaky_relu') {
    return [
      {
        className: 'LeakyReLU',
        ...base,
        config: { alpha: alpha ?? ACTIVATION_DEFAULTS.leaky_relu?.alpha ?? 0.2 },
        weights: [],
      },
    ];
  }
  if (kind === 'elu' && alpha !== undefined && alpha !== 1) {
    return [{ className: 'ELU', ...base, config: { alpha }, weights: [] }];
  }
  const name = tfjsActivationName({
    kind,
    ...(alpha !== undefined ? { alpha } : {}),
    ...(beta !== undefined ? { beta } : {}),
  });
  if (name === undefined) {
    throw kerasUnsupported(
      `node "${node.name}" uses activation ${kind}${alpha !== undefined ? ` (alpha ${alpha})` : ''}, which TF.js Layers cannot express`,
      { node: node.name, field: 'activation' },
    );
  }
  return [{ className: 'Activation', ...base, config: { activation: name }, weights: [] }];
}

function conv(
  className: string,
  extra: (attrs: Attributes) => Record<string, unknown>,
  kernels: [string, string][],
): KerasLayerWriter {
  return (node, attrs) => {
    const f = fused(node, attrs);
    const useBias = attrs['useBias'] === true;
    return [
      {
        className,
        config: {
          ...extra(attrs),
          kernel_size: pair(attrs['kernelSize']),
          strides: pair(attrs['strides']),
          padding: attrs['padding'],
          data_format: 'channels_last',
          dilation_rate: pair(attrs['dilations']),
          activation: f.activation,
          use_bias: useBias,
        },
        weights: useBias ? [...kernels, ['bias', 'bias']] : kernels,
      },
      ...f.after,
    ];
  };
}

function merge(className: string): KerasLayerWriter {
  return (node, attrs) => {
    const kind = (attrs['activation'] as ActivationKind | undefined) ?? 'linear';
    return [
      { className, config: {}, weights: [] },
      ...(kind === 'linear'
        ? []
        : activationLayers(node, kind, undefined, undefined, 'activation')),
    ];
  };
}

function pool(className: string): KerasLayerWriter {
  return (_node, attrs) => {
    const poolSize = pair(attrs['poolSize']);
    const strides =
      attrs['strides'] === null || attrs['strides'] === undefined
        ? poolSize
        : pair(attrs['strides']);
    return [
      {
        className,
        config: {
          pool_size: poolSize,
          strides,
          padding: attrs['padding'],
          data_format: 'channels_last',
        },
        weights: [],
      },
    ];
  };
}

function globalPool(className: string): KerasLayerWriter {
  return (node, attrs) => {
    const layers: EmittedLayer[] = [
      { className, config: { data_format: 'channels_last' }, weights: [] },
    ];
    if (attrs['keepDims'] === true) {
      const c = node.inputs[0]?.shape?.[3] ?? -1;
      if (c < 0)
        throw kerasUnsupported(`node "${node.name}" keeps dims over an unknown channel count`, {
          node: node.name,
        });
      layers.push({
        className: 'Reshape',
        suffix: 'keepdims',
        config: { target_shape: [1, 1, c] },
        weights: [],
      });
    }
    return layers;
  };
}

/** Built-in IR op → TF.js Layers (Keras 2 style) mappings. */
export const BUILTIN_LAYER_WRITERS: Readonly<Record<string, KerasLayerWriter>> = {
  Conv2D: conv('Conv2D', (a) => ({ filters: a['filters'] }), [['kernel', 'kernel']]),
  DepthwiseConv2D: conv('DepthwiseConv2D', (a) => ({ depth_multiplier: a['depthMultiplier'] }), [
    ['depthwise_kernel', 'kernel'],
  ]),
  SeparableConv2D: conv(
    'SeparableConv2D',
    (a) => ({ filters: a['filters'], depth_multiplier: a['depthMultiplier'] }),
    [
      ['depthwise_kernel', 'depthwiseKernel'],
      ['pointwise_kernel', 'pointwiseKernel'],
    ],
  ),
  Conv2DTranspose: conv('Conv2DTranspose', (a) => ({ filters: a['filters'] }), [
    ['kernel', 'kernel'],
  ]),
  Dense: (node, attrs) => {
    const f = fused(node, attrs);
    const useBias = attrs['useBias'] === true;
    return [
      {
        className: 'Dense',
        config: { units: attrs['units'], activation: f.activation, use_bias: useBias },
        weights: useBias
          ? [
              ['kernel', 'kernel'],
              ['bias', 'bias'],
            ]
          : [['kernel', 'kernel']],
      },
      ...f.after,
    ];
  },
  BatchNorm: (_node, attrs) => {
    const weights: [string, string][] = [];
    if (attrs['scale'] === true) weights.push(['gamma', 'gamma']);
    if (attrs['center'] === true) weights.push(['beta', 'beta']);
    weights.push(['moving_mean', 'movingMean'], ['moving_variance', 'movingVariance']);
    return [
      {
        className: 'BatchNormalization',
        config: {
          axis: attrs['axis'],
          momentum: attrs['momentum'],
          epsilon: attrs['epsilon'],
          center: attrs['center'],
          scale: attrs['scale'],
        },
        weights,
      },
    ];
  },
  LayerNorm: (_node, attrs) => {
    const weights: [string, string][] = [];
    if (attrs['scale'] === true) weights.push(['gamma', 'gamma']);
    if (attrs['center'] === true) weights.push(['beta', 'beta']);
    const axis = attrs['axis'] as readonly number[];
    return [
      {
        className: 'LayerNormalization',
        config: {
          axis: axis.length === 1 ? axis[0] : [...axis],
          epsilon: attrs['epsilon'],
          center: attrs['center'],
          scale: attrs['scale'],
        },
        weights,
      },
    ];
  },
  Activation: (node, attrs) =>
    activationLayers(
      node,
      attrs['activation'] as ActivationKind,
      attrs['alpha'] === null ? undefined : (attrs['alpha'] as number),
      attrs['beta'] === null ? undefined : (attrs['beta'] as number),
    ),
  Softmax: (_node, attrs) => [
    { className: 'Softmax', config: { axis: attrs['axis'] }, weights: [] },
  ],
  MaxPool2D: pool('MaxPooling2D'),
  AvgPool2D: pool('AveragePooling2D'),
  GlobalAvgPool: globalPool('GlobalAveragePooling2D'),
  GlobalMaxPool: globalPool('GlobalMaxPooling2D'),
  Flatten: () => [{ className: 'Flatten', config: {}, weights: [] }],
  Reshape: (_node, attrs) => [
    {
      className: 'Reshape',
      config: { target_shape: [...(attrs['targetShape'] as readonly number[])] },
      weights: [],
    },
  ],
  Dropout: (_node, attrs) => [
    { className: 'Dropout', config: { rate: attrs['rate'] }, weights: [] },
  ],
  Add: merge('Add'),
  Sub: (node, attrs) => {
    // TF.js Layers has no Subtract layer: a − b is written as Add(a, −b), with −b an exact
    // multiplication by −1 (a 1×1 depthwise convolution on NHWC, an identity-shaped Dense otherwise).
    const shape = node.inputs[1]?.shape;
    const n = shape?.[shape.length - 1] ?? -1;
    if (shape === undefined || n < 1) {
      throw kerasUnsupported(`node "${node.name}" subtracts a value with unknown channel count`, {
        node: node.name,
      });
    }
    const negate: EmittedLayer =
      shape.length === 4
        ? {
            className: 'DepthwiseConv2D',
            suffix: 'negate',
            inputs: [1],
            config: {
              kernel_size: [1, 1],
              strides: [1, 1],
              padding: 'valid',
              depth_multiplier: 1,
              data_format: 'channels_last',
              activation: 'linear',
              use_bias: false,
            },
            weights: [
              [
                'depthwise_kernel',
                { dtype: 'float32', shape: [1, 1, n, 1], data: new Float32Array(n).fill(-1) },
              ],
            ],
          }
        : {
            className: 'Dense',
            suffix: 'negate',
            inputs: [1],
            config: { units: n, activation: 'linear', use_bias: false },
            weights: [
              [
                'kernel',
                {
                  dtype: 'float32',
                  shape: [n, n],
                  data: new Float32Array(n * n).map((_, i) => (i % (n + 1) === 0 ? -1 : 0)),
                },
              ],
            ],
          };
    const [add, ...after] = merge('Add')(node, attrs);
    return [negate, { ...add!, inputs: [0, 'negate'] }, ...after];
  },
  Mul: merge('Multiply'),
  Concat: (_node, attrs) => [
    { className: 'Concatenate', config: { axis: attrs['axis'] }, weights: [] },
  ],
  Pad: (node, attrs) => {
    if (attrs['constantValue'] !== 0) {
      throw kerasUnsupported(
        `node "${node.name}" pads with ${String(attrs['constantValue'])}; Keras ZeroPadding2D pads with zeros only`,
        {
          node: node.name,
          field: 'constantValue',
        },
      );
    }
    return [
      {
        className: 'ZeroPadding2D',
        config: {
          padding: (attrs['padding'] as readonly (readonly number[])[]).map((p) => [...p]),
          data_format: 'channels_last',
        },
        weights: [],
      },
    ];
  },
  Upsample2D: (node, attrs) => {
    if (attrs['interpolation'] !== 'nearest') {
      throw kerasUnsupported(
        `node "${node.name}" upsamples with ${String(attrs['interpolation'])} interpolation; TF.js UpSampling2D resizes bilinearly without half-pixel centres, so only nearest is written`,
        { node: node.name, field: 'interpolation' },
      );
    }
    return [
      {
        className: 'UpSampling2D',
        config: {
          size: pair(attrs['size']),
          interpolation: 'nearest',
          data_format: 'channels_last',
        },
        weights: [],
      },
    ];
  },
};

const customWriters = new Map<string, KerasLayerWriter>();

/** Teach the writer an IR op (e.g. a custom op) as Keras layers. */
export function registerKerasLayerWriter(
  op: string,
  writer: KerasLayerWriter,
  options: { replace?: boolean } = {},
): void {
  if ((customWriters.has(op) || op in BUILTIN_LAYER_WRITERS) && !options.replace) {
    throw kerasUnsupported(
      `a Keras layer writer for op "${op}" is already registered; pass { replace: true } to override it`,
    );
  }
  customWriters.set(op, writer);
}

export function kerasLayerWriter(op: string): KerasLayerWriter | undefined {
  return customWriters.get(op) ?? BUILTIN_LAYER_WRITERS[op];
}
