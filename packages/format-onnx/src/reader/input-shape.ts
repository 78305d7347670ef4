/**
 * The static shape of a graph input: the file's dimensions, with the dynamic ones (other than the
 * batch) taken from the `inputShapes` read option. A missing one is a typed error that names the
 * input, its dynamic dimensions, and the option (and CLI flag) that fixes them.
 */
import { FormatError, type ErrorLocation } from '@collabopt/core';
import { toNumber, type Dimension } from '../proto/types';

/** How to give shapes, for error messages: the library option and the CLI flag. */
function howTo(name: string, example: string[]): string {
  return (
    `give it a static shape in the ONNX layout (batch first, as the file declares it): ` +
    `read option inputShapes: { "${name}": [${example.join(', ')}] }, ` +
    `or on the command line --input-shape ${name}=${example.join('x')}`
  );
}

/** Static input shape (batch −1) from the declared dimensions and an optional given shape. */
export function staticInputShape(
  name: string,
  declared: readonly Dimension[] | undefined,
  given: readonly number[] | undefined,
  where: ErrorLocation,
): number[] {
  if (given !== undefined) {
    if (!Array.isArray(given) || given.some((d) => !Number.isInteger(d) || d < -1 || d === 0))
      throw new FormatError(
        `inputShapes["${name}"] must list positive integer dimensions (−1 allowed for the batch), got ${JSON.stringify(given)}`,
        where,
        'ONNX_BAD_INPUT_SHAPE',
      );
    if (declared !== undefined && given.length !== declared.length)
      throw new FormatError(
        `inputShapes["${name}"] has rank ${given.length}, the file declares rank ${declared.length}`,
        where,
        'ONNX_BAD_INPUT_SHAPE',
      );
  }
  if (declared === undefined) {
    if (given !== undefined) return given.map((d, i) => (i === 0 ? -1 : d));
    throw new FormatError(
      `graph input "${name}" has no declared shape; ${howTo(name, ['1', '<d1>', '…'])}`,
      where,
      'ONNX_DYNAMIC_SHAPE',
    );
  }
  const label = (d: Dimension, i: number): string => {
    const v = d.dimValue === undefined ? 0 : toNumber(d.dimValue);
    return v > 0 ? String(v) : d.dimParam || `?${i}`;
  };
  const dynamic: number[] = [];
  const dims = declared.map((d, i) => {
    if (i === 0) return -1;
    const fixed = given?.[i];
    if (fixed !== undefined && fixed > 0) return fixed;
    const v = d.dimValue === undefined ? 0 : toNumber(d.dimValue);
    if (v > 0) return v;
    dynamic.push(i);
    return 0;
  });
  if (dynamic.length > 0) {
    const shape = declared.map(label);
    const example = declared.map((d, i) =>
      i === 0 ? '1' : dynamic.includes(i) ? `<${d.dimParam || `d${i}`}>` : label(d, i),
    );
    throw new FormatError(
      `graph input "${name}" has dynamic dimension${dynamic.length > 1 ? 's' : ''} ${dynamic
        .map((i) => `${i} (${label(declared[i]!, i)})`)
        .join(', ')} in its shape [${shape.join(', ')}]; ${howTo(name, example)}`,
      where,
      'ONNX_DYNAMIC_SHAPE',
    );
  }
  return dims;
}
