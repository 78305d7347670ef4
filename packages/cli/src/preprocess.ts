import { InvalidArgumentError } from '@collabopt/core';

/** Input preprocessing on raw pixel values (0..255): `x·scale + offset`, or `(x − mean) / std` per channel. */
export type Preprocess =
  | { readonly kind: 'scale'; readonly scale: number; readonly offset: number }
  | {
      readonly kind: 'normalize';
      readonly mean: readonly number[];
      readonly std: readonly number[];
    };

function number(text: string, field: string): number {
  const parts = text.split('/');
  const n = parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(text);
  if (parts.length > 2 || text.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(
      `--preprocess: ${field} must be a number or a fraction like 1/255, got "${text}"`,
      {
        field: '--preprocess',
      },
    );
  return n;
}

/**
 * Parse `--preprocess`: `scale=1/255`, `scale=1/127.5,offset=-1`, or `mean=123.7:116.3:103.5,std=58.4:57.1:57.4`
 * (one value for all channels, or one per channel separated by `:`).
 */
export function parsePreprocess(text: string): Preprocess {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const [k, v, ...rest] = part.split('=');
    const key = (k ?? '').trim();
    if (v === undefined || rest.length > 0 || !['scale', 'offset', 'mean', 'std'].includes(key))
      throw new InvalidArgumentError(
        `--preprocess: cannot read "${part}"; use scale=1/255[,offset=-1] or mean=…,std=… (per channel: mean=a:b:c)`,
        { field: '--preprocess' },
      );
    fields.set(key, v.trim());
  }
  const hasScale = fields.has('scale') || fields.has('offset');
  const hasNorm = fields.has('mean') || fields.has('std');
  if (hasScale && hasNorm)
    throw new InvalidArgumentError('--preprocess: give scale/offset or mean/std, not both', {
      field: '--preprocess',
    });
  if (hasNorm) {
    const list = (k: string): number[] =>
      (fields.get(k) ?? (k === 'mean' ? '0' : '1')).split(':').map((s) => number(s, k));
    const std = list('std');
    if (std.some((s) => s === 0))
      throw new InvalidArgumentError('--preprocess: std must not be 0', { field: '--preprocess' });
    return { kind: 'normalize', mean: list('mean'), std };
  }
  return {
    kind: 'scale',
    scale: fields.has('scale') ? number(fields.get('scale')!, 'scale') : 1,
    offset: fields.has('offset') ? number(fields.get('offset')!, 'offset') : 0,
  };
}

/** A short formula for reports: `x·0.00392 + 0`, `(x − [127.5]) / [127.5]`. */
export function describePreprocess(p: Preprocess): string {
  return p.kind === 'scale'
    ? `x·${p.scale.toPrecision(4)}${p.offset !== 0 ? ` + ${p.offset}` : ''}`
    : `(x − [${p.mean.join(', ')}]) / [${p.std.join(', ')}]`;
}
