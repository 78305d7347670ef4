/** `std::round`: halves go away from zero (TFLite's TfLiteRound, fake_quant's zero-point nudging). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Banker's rounding (`tf.round`, numpy `rint`): halves go to the even neighbour. */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
