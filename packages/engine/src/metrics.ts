/**
 * Metrics that compare a model's outputs with a reference (the float model, or labels), as pure
 * functions over typed arrays, accumulated batch by batch (bounded memory).
 */

/** Index of the largest value in each row of `rowLength` values (first one on ties). */
export function argmaxRows(values: ArrayLike<number>, rowLength: number): Int32Array {
  const rows = Math.floor(values.length / rowLength);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = values[r * rowLength]!;
    for (let c = 1; c < rowLength; c++) {
      const v = values[r * rowLength + c]!;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

/** How far one output is from its reference over a data set. */
export interface OutputAgreementValues {
  /** Signal-to-noise ratio in dB: 10·log10(Σ r² / Σ (a − r)²); Infinity when identical. */
  readonly sqnrDb: number;
  /** max |a − r| / max |r|: the largest error relative to the reference's largest magnitude. */
  readonly maxRelativeError: number;
  /** Fraction of rows whose top-1 index agrees (classifier outputs only). */
  readonly top1Agreement?: number;
}

/** Accumulates SQNR, max relative error and (optionally) top-1 agreement over batches. */
export class OutputAgreementAccumulator {
  private signal = 0;
  private noise = 0;
  private maxError = 0;
  private maxReference = 0;
  private rows = 0;
  private agreeing = 0;

  /** `rowLength`: the class axis length, to count top-1 agreement (omit for non-classifiers). */
  constructor(private readonly rowLength?: number) {}

  add(reference: ArrayLike<number>, approximation: ArrayLike<number>): void {
    if (reference.length !== approximation.length)
      throw new RangeError(
        `agreement needs equal lengths, got ${reference.length} and ${approximation.length}`,
      );
    for (let i = 0; i < reference.length; i++) {
      const r = reference[i]!;
      const d = approximation[i]! - r;
      this.signal += r * r;
      this.noise += d * d;
      if (Math.abs(d) > this.maxError) this.maxError = Math.abs(d);
      if (Math.abs(r) > this.maxReference) this.maxReference = Math.abs(r);
    }
    if (this.rowLength !== undefined) {
      const a = argmaxRows(reference, this.rowLength);
      const b = argmaxRows(approximation, this.rowLength);
      for (let i = 0; i < a.length; i++) if (a[i] === b[i]) this.agreeing++;
      this.rows += a.length;
    }
  }

  value(): OutputAgreementValues {
    const sqnrDb =
      this.noise === 0
        ? this.signal === 0
          ? NaN
          : Infinity
        : 10 * Math.log10(this.signal / this.noise);
    const maxRelativeError =
      this.maxReference === 0
        ? this.maxError === 0
          ? 0
          : Infinity
        : this.maxError / this.maxReference;
    return {
      sqnrDb,
      maxRelativeError,
      ...(this.rowLength !== undefined
        ? { top1Agreement: this.rows === 0 ? NaN : this.agreeing / this.rows }
        : {}),
    };
  }
}
