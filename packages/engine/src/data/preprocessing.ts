import { InvalidArgumentError } from '@collabopt/core';

/** How an image is brought to the model's input height and width (bilinear interpolation). */
export type ResizeMode =
  /** Stretch to the target size (aspect ratio not kept). */
  | 'stretch'
  /** Keep the aspect ratio, scale to cover the target and crop the centre. */
  | 'crop'
  /** Keep the aspect ratio, scale to fit inside the target and pad with zeros (black). */
  | 'pad'
  /** No resizing: an image of another size is an error. */
  | 'none';

export const RESIZE_MODES: readonly ResizeMode[] = ['stretch', 'crop', 'pad', 'none'];

/** Order of the colour channels in the model input. */
export type ChannelOrder = 'rgb' | 'bgr';

/**
 * The preprocessing applied to every sample, recorded as data so a report can show it:
 * `value' = ((value · scale + offset) − mean[c]) / std[c]`, where `value` is the raw stored value
 * (0..255 for image pixels) and `c` the channel. Image-only fields say how pixels were obtained.
 */
export interface Preprocessing {
  readonly scale: number;
  readonly offset: number;
  /** Per-channel mean (one value: all channels); empty for none. */
  readonly mean: readonly number[];
  /** Per-channel standard deviation (one value: all channels); empty for none. */
  readonly std: readonly number[];
  /** Images only: channel order given to the model. */
  readonly channelOrder?: ChannelOrder;
  /** Images only: how images were resized. */
  readonly resize?: ResizeMode;
  /** Images only: 1 (grayscale) or 3 (RGB) channels, chosen from the model input. */
  readonly channels?: number;
  /** Where the values came from: the caller, a default, or the model's own normalisation. */
  readonly source: 'user' | 'default' | 'model';
}

/** The identity (arrays are given to the model as stored). */
export const IDENTITY_PREPROCESSING: Preprocessing = {
  scale: 1,
  offset: 0,
  mean: [],
  std: [],
  source: 'default',
};

/** Default for images: pixels scaled to [0, 1]. */
export const DEFAULT_IMAGE_SCALE = 1 / 255;

/** Parse a number or a fraction such as `1/255` or `-1`. */
function parseNumber(text: string, field: string): number {
  const t = text.trim();
  const m = /^([-+]?[0-9.eE+-]+)\s*\/\s*([-+]?[0-9.eE+-]+)$/.exec(t);
  const v = m ? Number(m[1]) / Number(m[2]) : Number(t);
  if (t === '' || !Number.isFinite(v))
    throw new InvalidArgumentError(`preprocessing: ${field} "${text}" is not a number`, { field });
  return v;
}

export interface PreprocessingText {
  scale?: number;
  offset?: number;
  mean?: number[];
  std?: number[];
  channelOrder?: ChannelOrder;
  resize?: ResizeMode;
}

/**
 * Parse the CLI form `scale=1/255,offset=-1` or `mean=0.485:0.456:0.406,std=0.229:0.224:0.225`
 * (per-channel values separated by `:`), plus `order=bgr` and `resize=crop`.
 */
export function parsePreprocessing(text: string): PreprocessingText {
  const out: PreprocessingText = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq < 0)
      throw new InvalidArgumentError(`preprocessing: expected key=value, got "${part}"`, {
        field: part,
      });
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    switch (key) {
      case 'scale':
      case 'offset':
        out[key] = parseNumber(value, key);
        break;
      case 'mean':
      case 'std':
        out[key] = value.split(':').map((v) => parseNumber(v, key));
        break;
      case 'order':
        if (value !== 'rgb' && value !== 'bgr')
          throw new InvalidArgumentError(
            `preprocessing: order must be rgb or bgr, got "${value}"`,
            {
              field: key,
            },
          );
        out.channelOrder = value;
        break;
      case 'resize':
        if (!(RESIZE_MODES as readonly string[]).includes(value))
          throw new InvalidArgumentError(
            `preprocessing: resize must be one of ${RESIZE_MODES.join(', ')}, got "${value}"`,
            { field: key },
          );
        out.resize = value as ResizeMode;
        break;
      default:
        throw new InvalidArgumentError(
          `preprocessing: unknown key "${key}" (use scale, offset, mean, std, order, resize)`,
          { field: key },
        );
    }
  }
  return out;
}

/** Check a preprocessing against the number of channels of a sample. */
export function checkPreprocessing(p: Preprocessing, channels: number): void {
  if (!Number.isFinite(p.scale) || !Number.isFinite(p.offset))
    throw new InvalidArgumentError('preprocessing: scale and offset must be finite numbers');
  for (const [name, list] of [
    ['mean', p.mean],
    ['std', p.std],
  ] as const) {
    if (list.length > 1 && list.length !== channels)
      throw new InvalidArgumentError(
        `preprocessing: ${name} has ${list.length} values but the input has ${channels} channels`,
        { field: name },
      );
  }
  if (p.std.some((s) => !(s > 0)))
    throw new InvalidArgumentError('preprocessing: every std must be > 0', { field: 'std' });
  if (p.mean.length > 0 && p.std.length === 0)
    throw new InvalidArgumentError('preprocessing: mean needs std (use std=1 for none)', {
      field: 'std',
    });
}

/** Apply `p` in place to channels-last samples with `channels` channels. */
export function applyPreprocessing(p: Preprocessing, x: Float32Array, channels: number): void {
  const { scale, offset, mean, std } = p;
  if (mean.length === 0 && std.length === 0) {
    if (scale === 1 && offset === 0) return;
    for (let i = 0; i < x.length; i++) x[i] = x[i]! * scale + offset;
    return;
  }
  const m = (c: number): number =>
    mean.length === 0 ? 0 : mean.length === 1 ? mean[0]! : mean[c]!;
  const s = (c: number): number => (std.length === 1 ? std[0]! : std[c]!);
  const mc = Float64Array.from({ length: channels }, (_, c) => m(c));
  const inv = Float64Array.from({ length: channels }, (_, c) => 1 / s(c));
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    x[i] = (x[i]! * scale + offset - mc[c]!) * inv[c]!;
  }
}

/** One line for a report, e.g. `x·0.00392157 + 0, RGB, resize crop (default)`. */
export function describePreprocessing(p: Preprocessing): string {
  const parts = [`x·${+p.scale.toPrecision(6)} + ${+p.offset.toPrecision(6)}`];
  if (p.mean.length > 0 || p.std.length > 0)
    parts.push(`then (x − [${p.mean.join(', ') || 0}]) / [${p.std.join(', ')}]`);
  if (p.channels !== undefined) parts.push(p.channels === 1 ? 'grayscale' : 'RGB');
  if (p.channelOrder === 'bgr') parts.push('BGR order');
  if (p.resize !== undefined) parts.push(`resize ${p.resize}`);
  return `${parts.join(', ')} (${p.source})`;
}

/**
 * The preprocessing as one multiply-add per channel: `value' = raw · a[c] + b[c]`, with
 * a[c] = scale / std[c] and b[c] = (offset − mean[c]) / std[c] (what {@link applyPreprocessing}
 * computes), for converting raw pixels in a single pass.
 */
export function preprocessingCoefficients(
  p: Preprocessing,
  channels: number,
): { a: Float64Array; b: Float64Array } {
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = p.mean.length === 0 ? 0 : p.mean.length === 1 ? p.mean[0]! : p.mean[c]!;
    const s = p.std.length === 0 ? 1 : p.std.length === 1 ? p.std[0]! : p.std[c]!;
    a[c] = p.scale / s;
    b[c] = (p.offset - m) / s;
  }
  return { a, b };
}
