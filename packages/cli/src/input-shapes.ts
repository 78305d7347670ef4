import { InvalidArgumentError } from '@collabopt/core';

/** Parse repeated `--input-shape name=1x224x224x3` into the readers' `inputShapes` option. */
export function parseInputShapes(specs: readonly string[]): Record<string, number[]> | undefined {
  if (specs.length === 0) return undefined;
  const out: Record<string, number[]> = {};
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    const name = spec.slice(0, eq);
    const dims = spec
      .slice(eq + 1)
      .split('x')
      .map(Number);
    if (eq <= 0 || dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1))
      throw new InvalidArgumentError(
        `--input-shape "${spec}": use <input name>=<dims joined by x>, e.g. input=1x3x224x224 (the model file's own layout)`,
        { field: '--input-shape' },
      );
    out[name] = dims;
  }
  return out;
}
