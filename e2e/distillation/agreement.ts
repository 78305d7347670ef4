/** Signal-to-quantization-noise ratio in dB of `test` against `reference` (same length). */
export function sqnrDb(reference: ArrayLike<number>, test: ArrayLike<number>): number {
  if (reference.length !== test.length)
    throw new Error(`sqnrDb: ${reference.length} reference values, ${test.length} test values`);
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    signal += reference[i]! * reference[i]!;
    noise += (reference[i]! - test[i]!) ** 2;
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

/** Fraction of rows (of `width` values) whose argmax agrees. */
export function top1Agreement(
  reference: ArrayLike<number>,
  test: ArrayLike<number>,
  width: number,
): number {
  const rows = reference.length / width;
  let agree = 0;
  for (let r = 0; r < rows; r++) {
    let a = 0;
    let b = 0;
    for (let j = 1; j < width; j++) {
      if (reference[r * width + j]! > reference[r * width + a]!) a = j;
      if (test[r * width + j]! > test[r * width + b]!) b = j;
    }
    if (a === b) agree++;
  }
  return agree / rows;
}
