/**
 * Signal-to-quantization-noise ratio in dB: 10·log10(Σ x² / Σ (x − x̂)²). Infinity when the
 * approximation is exact; −Infinity when the reference is all zero and the approximation is not.
 */
export function sqnrDb(reference: ArrayLike<number>, approximation: ArrayLike<number>): number {
  const acc = new SqnrAccumulator();
  acc.add(reference, approximation);
  return acc.value();
}

/** Streaming SQNR over many batches (activations), bounded memory. */
export class SqnrAccumulator {
  private signal = 0;
  private noise = 0;
  private n = 0;

  add(reference: ArrayLike<number>, approximation: ArrayLike<number>): void {
    if (reference.length !== approximation.length) {
      throw new RangeError(
        `SQNR needs equal lengths, got ${reference.length} and ${approximation.length}`,
      );
    }
    for (let i = 0; i < reference.length; i++) {
      const r = reference[i]!;
      const d = r - approximation[i]!;
      this.signal += r * r;
      this.noise += d * d;
    }
    this.n += reference.length;
  }

  get count(): number {
    return this.n;
  }

  /** SQNR in dB (Infinity for exact, NaN before any data or for an all-zero exact signal). */
  value(): number {
    if (this.n === 0) return NaN;
    if (this.noise === 0) return this.signal === 0 ? NaN : Infinity;
    return 10 * Math.log10(this.signal / this.noise);
  }
}
