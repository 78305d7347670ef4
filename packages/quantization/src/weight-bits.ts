import { InvalidArgumentError, type QuantizationMode } from '@collabopt/core';

/** Kernel bit widths the integer modes accept (`weightBits`): int8, or a narrower grid such as int4. */
export const WEIGHT_BITS = { min: 4, max: 8 } as const;

/** Modes whose kernels may use fewer than 8 bits (full-integer files with int8 activations). */
const NARROW_WEIGHT_MODES: ReadonlySet<QuantizationMode> = new Set(['int8', 'int8-io']);

/** A typed error unless `mode` can store kernels with `bits` bits. */
export function checkWeightBits(mode: QuantizationMode, bits: number, pass: string): void {
  if (!Number.isInteger(bits) || bits < WEIGHT_BITS.min || bits > WEIGHT_BITS.max) {
    throw new InvalidArgumentError(
      `${pass}: weightBits must be an integer in ${WEIGHT_BITS.min}..${WEIGHT_BITS.max}, got ${bits}`,
      { pass },
    );
  }
  if (bits < 8 && !NARROW_WEIGHT_MODES.has(mode)) {
    throw new InvalidArgumentError(
      `${pass}: weightBits=${bits} needs mode int8 or int8-io (full-integer files with int8 activations); mode ${mode} stores 8-bit (or float) weights`,
      { pass },
    );
  }
}
