import type { Attributes } from '@collabopt/core';
import {
  readActivation,
  readFusedActivation,
  type ActivationSpec,
  type KerasGeneration,
} from './activations';
import { KERAS_ERROR_CODES, kerasError, kerasUnsupported } from './errors';
import type { JsonReader } from './json';

/** What a layer reader sees: the Keras layer and its config. */
export interface KerasLayerContext {
  /** Keras layer name (kept as the IR node name). */
  readonly name: string;
  readonly className: string;
  readonly config: JsonReader;
  readonly generation: KerasGeneration;
}

/** IR node for one Keras layer: op, attributes, and the Keras weight name (`kernel`, ...) of each weight slot. */
export interface LayerConversion {
  readonly op: string;
  readonly attrs: Attributes;
  /**
   * IR weight slot → Keras weight name within the layer (`kernel`, `depthwise_kernel`, `moving_mean`, ...),
   * or several accepted names, first match wins (Keras 3 names DepthwiseConv2D's kernel `kernel`).
   */
  readonly weights: Readonly<Record<string, string | readonly string[]>>;
  /** An activation the IR cannot fuse with these parameters, applied as a following `<name>_activation` node. */
  readonly splitActivation?: ActivationSpec;
}

/** Converts one Keras layer class to an IR node. Register custom ones with `registerKerasLayer`. */
export type KerasLayerReader = (layer: KerasLayerContext) => LayerConversion;

function checkChannelsLast(l: KerasLayerContext): void {
  const df = l.config.get('data_format');
  if (df.isNull()) return;
  const v = df.string();
  if (v !== 'channels_last' && v !== 'channelsLast') {
    throw kerasUnsupported(
      `layer "${l.name}" (${l.className}) uses data_format "${v}"; only channels_last (NHWC) models can be read — re-save the model with channels_last`,
      { node: l.name, field: 'data_format' },
    );
  }
}

function padding(l: KerasLayerContext): 'same' | 'valid' {
  const p = l.config.get('padding').optString('valid');
  if (p !== 'same' && p !== 'valid') {
    throw kerasUnsupported(
      `layer "${l.name}" (${l.className}) uses padding "${p}"; only "same" and "valid" are supported`,
      {
        node: l.name,
        field: 'padding',
      },
    );
  }
  return p;
}

function convCommon(l: KerasLayerContext): Attributes & { useBias: boolean } {
  checkChannelsLast(l);
  const c = l.config;
  const groups = c.get('groups');
  if (!groups.isNull() && groups.int() !== 1) {
    throw kerasUnsupported(
      `layer "${l.name}" uses groups=${groups.int()}; grouped convolutions are not supported`,
      { node: l.name, field: 'groups' },
    );
  }
  return {
    kernelSize: c.get('kernel_size').intTuple(2),
    strides: c.get('strides').intTuple(2, [1, 1]),
    padding: padding(l),
    dilations: c.get('dilation_rate').intTuple(2, [1, 1]),
    useBias: c.get('use_bias').optBool(true),
  };
}

/** Adds the fused `activation` attribute (or a split activation) of conv/dense layers. */
function fused(reader: KerasLayerReader): KerasLayerReader {
  return (l) => {
    const conv = reader(l);
    const f = readFusedActivation(l.config.get('activation'), l.generation, l.name);
    return {
      ...conv,
      attrs: { ...conv.attrs, activation: f.activation },
      ...(f.split ? { splitActivation: f.split } : {}),
    };
  };
}

function withBias(
  useBias: boolean,
  w: Record<string, string | readonly string[]>,
): Record<string, string | readonly string[]> {
  return useBias ? { ...w, bias: 'bias' } : w;
}

function axisInt(r: JsonReader, fallback: number): number {
  if (r.isNull()) return fallback;
  if (r.isArray()) {
    const items = r.array();
    if (items.length !== 1) r.fail('expected one axis');
    return items[0]!.int();
  }
  return r.int();
}

function noOptions(op: string): KerasLayerReader {
  return () => ({ op, attrs: {}, weights: {} });
}

function pool(op: string): KerasLayerReader {
  return (l) => {
    checkChannelsLast(l);
    const poolSize = l.config.get('pool_size').intTuple(2, [2, 2]);
    const strides = l.config.get('strides');
    return {
      op,
      attrs: {
        poolSize,
        strides: strides.isNull() ? poolSize : strides.intTuple(2),
        padding: padding(l),
      },
      weights: {},
    };
  };
}

function globalPool(op: string): KerasLayerReader {
  return (l) => {
    checkChannelsLast(l);
    return {
      op,
      attrs: { keepDims: l.config.getAny('keepdims', 'keep_dims').optBool(false) },
      weights: {},
    };
  };
}

function zeroPadding(l: KerasLayerContext): [number, number][] {
  const r = l.config.get('padding');
  if (r.isNull())
    return [
      [1, 1],
      [1, 1],
    ];
  if (typeof r.value === 'number') {
    const p = r.int();
    return [
      [p, p],
      [p, p],
    ];
  }
  const items = r.array();
  if (items.length !== 2) r.fail('expected 2 entries');
  return items.map((it): [number, number] => {
    if (typeof it.value === 'number') return [it.int(), it.int()];
    const pair = it.intTuple(2);
    return [pair[0]!, pair[1]!];
  });
}

/** Built-in Keras layer classes (Keras 2, Keras 3 and TF.js spellings). */
export const BUILTIN_LAYER_READERS: Readonly<Record<string, KerasLayerReader>> = {
  Dense: fused((l) => {
    const useBias = l.config.get('use_bias').optBool(true);
    return {
      op: 'Dense',
      attrs: {
        units: l.config.get('units').int(),
        useBias,
      },
      weights: withBias(useBias, { kernel: 'kernel' }),
    };
  }),
  Conv2D: fused((l) => {
    const attrs = { filters: l.config.get('filters').int(), ...convCommon(l) };
    return { op: 'Conv2D', attrs, weights: withBias(attrs.useBias, { kernel: 'kernel' }) };
  }),
  DepthwiseConv2D: fused((l) => {
    const attrs = { depthMultiplier: l.config.get('depth_multiplier').optInt(1), ...convCommon(l) };
    return {
      op: 'DepthwiseConv2D',
      attrs,
      weights: withBias(attrs.useBias, { kernel: ['depthwise_kernel', 'kernel'] }),
    };
  }),
  SeparableConv2D: fused((l) => {
    const attrs = {
      filters: l.config.get('filters').int(),
      depthMultiplier: l.config.get('depth_multiplier').optInt(1),
      ...convCommon(l),
    };
    return {
      op: 'SeparableConv2D',
      attrs,
      weights: withBias(attrs.useBias, {
        depthwiseKernel: 'depthwise_kernel',
        pointwiseKernel: 'pointwise_kernel',
      }),
    };
  }),
  Conv2DTranspose: fused((l) => {
    const op = l.config.get('output_padding');
    if (!op.isNull()) {
      throw kerasUnsupported(
        `layer "${l.name}" sets output_padding; Conv2DTranspose with output_padding is not supported`,
        {
          node: l.name,
          field: 'output_padding',
        },
      );
    }
    const attrs = { filters: l.config.get('filters').int(), ...convCommon(l) };
    return { op: 'Conv2DTranspose', attrs, weights: withBias(attrs.useBias, { kernel: 'kernel' }) };
  }),
  BatchNormalization: (l) => {
    const c = l.config;
    if (c.get('renorm').optBool(false)) {
      throw kerasUnsupported(
        `layer "${l.name}" uses batch renormalization, which is not supported`,
        { node: l.name, field: 'renorm' },
      );
    }
    const center = c.get('center').optBool(true);
    const scale = c.get('scale').optBool(true);
    const weights: Record<string, string> = {
      movingMean: 'moving_mean',
      movingVariance: 'moving_variance',
    };
    if (scale) weights['gamma'] = 'gamma';
    if (center) weights['beta'] = 'beta';
    return {
      op: 'BatchNorm',
      attrs: {
        axis: axisInt(c.get('axis'), -1),
        epsilon: c.get('epsilon').optNumber(1e-3),
        momentum: c.get('momentum').optNumber(0.99),
        center,
        scale,
      },
      weights,
    };
  },
  LayerNormalization: (l) => {
    const c = l.config;
    if (c.get('rms_scaling').optBool(false)) {
      throw kerasUnsupported(`layer "${l.name}" uses rms_scaling, which is not supported`, {
        node: l.name,
        field: 'rms_scaling',
      });
    }
    const axisR = c.get('axis');
    const axis = axisR.isNull()
      ? [-1]
      : axisR.isArray()
        ? axisR.array().map((a) => a.int())
        : [axisR.int()];
    const center = c.get('center').optBool(true);
    const scale = c.get('scale').optBool(true);
    const weights: Record<string, string> = {};
    if (scale) weights['gamma'] = 'gamma';
    if (center) weights['beta'] = 'beta';
    return {
      op: 'LayerNorm',
      attrs: { axis, epsilon: c.get('epsilon').optNumber(1e-3), center, scale },
      weights,
    };
  },
  Activation: (l) => {
    const a = readActivation(l.config.get('activation'), l.generation, l.name);
    const attrs: Attributes = { activation: a.kind };
    if (a.alpha !== undefined) attrs['alpha'] = a.alpha;
    if (a.beta !== undefined) attrs['beta'] = a.beta;
    return { op: 'Activation', attrs, weights: {} };
  },
  ReLU: (l) => {
    const c = l.config;
    const maxR = c.get('max_value');
    const max = maxR.isNull() ? null : maxR.number();
    const slope = c.get('negative_slope').optNumber(0);
    const threshold = c.get('threshold').optNumber(0);
    if (threshold !== 0) {
      throw kerasUnsupported(
        `ReLU layer "${l.name}" has threshold ${threshold}; only threshold 0 is supported`,
        { node: l.name, field: 'threshold' },
      );
    }
    const act = (attrs: Attributes): LayerConversion => ({ op: 'Activation', attrs, weights: {} });
    if (slope === 0 && max === null) return act({ activation: 'relu' });
    if (slope === 0 && max === 6) return act({ activation: 'relu6' });
    if (slope > 0 && max === null) return act({ activation: 'leaky_relu', alpha: slope });
    throw kerasUnsupported(
      `ReLU layer "${l.name}" with max_value ${String(max)} and negative_slope ${slope} has no IR equivalent`,
      {
        node: l.name,
        field: 'max_value',
      },
    );
  },
  LeakyReLU: (l) => ({
    op: 'Activation',
    attrs: {
      activation: 'leaky_relu',
      alpha: l.config.getAny('negative_slope', 'alpha').optNumber(0.3),
    },
    weights: {},
  }),
  Softmax: (l) => ({
    op: 'Softmax',
    attrs: { axis: axisInt(l.config.get('axis'), -1) },
    weights: {},
  }),
  MaxPooling2D: pool('MaxPool2D'),
  AveragePooling2D: pool('AvgPool2D'),
  GlobalAveragePooling2D: globalPool('GlobalAvgPool'),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool'),
  Flatten: (l) => {
    checkChannelsLast(l);
    return { op: 'Flatten', attrs: {}, weights: {} };
  },
  Reshape: (l) => ({
    op: 'Reshape',
    attrs: {
      targetShape: l.config
        .get('target_shape')
        .array()
        .map((d) => (d.value === null ? -1 : d.int())),
    },
    weights: {},
  }),
  Dropout: (l) => ({
    op: 'Dropout',
    attrs: { rate: l.config.get('rate').optNumber(0.5) },
    weights: {},
  }),
  Add: noOptions('Add'),
  Subtract: noOptions('Sub'),
  Multiply: noOptions('Mul'),
  Concatenate: (l) => ({
    op: 'Concat',
    attrs: { axis: l.config.get('axis').isNull() ? -1 : l.config.get('axis').int() },
    weights: {},
  }),
  ZeroPadding2D: (l) => {
    checkChannelsLast(l);
    return { op: 'Pad', attrs: { padding: zeroPadding(l) }, weights: {} };
  },
  UpSampling2D: (l) => {
    checkChannelsLast(l);
    const interpolation = l.config.get('interpolation').optString('nearest');
    if (interpolation !== 'nearest' && interpolation !== 'bilinear') {
      throw kerasUnsupported(
        `UpSampling2D layer "${l.name}" uses interpolation "${interpolation}"; only nearest and bilinear are supported`,
        {
          node: l.name,
          field: 'interpolation',
        },
      );
    }
    return {
      op: 'Upsample2D',
      attrs: { size: l.config.get('size').intTuple(2, [2, 2]), interpolation },
      weights: {},
    };
  },
};

/** TF.js and Keras aliases of the same classes. */
const ALIASES: Readonly<Record<string, string>> = {
  Convolution2D: 'Conv2D',
  DepthwiseConvolution2D: 'DepthwiseConv2D',
  SeparableConvolution2D: 'SeparableConv2D',
  Conv2DTranspose: 'Conv2DTranspose',
  Deconvolution2D: 'Conv2DTranspose',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
};

const customReaders = new Map<string, KerasLayerReader>();

/**
 * Teach the reader a Keras layer class (a custom layer, or a built-in one this package lacks).
 * The op it produces must exist in the op registry the model is read with.
 */
export function registerKerasLayer(
  className: string,
  reader: KerasLayerReader,
  options: { replace?: boolean } = {},
): void {
  if ((customReaders.has(className) || className in BUILTIN_LAYER_READERS) && !options.replace) {
    throw kerasError(
      KERAS_ERROR_CODES.unsupported,
      `a Keras layer reader for "${className}" is already registered; pass { replace: true } to override it`,
    );
  }
  customReaders.set(className, reader);
}

export function kerasLayerReader(className: string): KerasLayerReader | undefined {
  return customReaders.get(className) ?? BUILTIN_LAYER_READERS[ALIASES[className] ?? className];
}

export function knownKerasLayerClasses(): string[] {
  return [...new Set([...Object.keys(BUILTIN_LAYER_READERS), ...customReaders.keys()])].sort();
}
