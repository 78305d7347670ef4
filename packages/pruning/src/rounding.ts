/** Round half to even (TensorFlow's `tf.math.round`), so keep counts match TFMOT on exact halves. */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
