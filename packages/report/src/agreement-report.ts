/**
 * Without labels a run is measured by how its result agrees with the float reference (the model
 * before the pipeline, the teacher the passes distilled from). Plain JSON: an infinite SQNR is the
 * string "Infinity".
 */

/** The output's head as the engine reads it from the graph (softmax and sigmoid heads classify). */
export type AgreementHead = 'softmax' | 'sigmoid' | 'linear';

/** One output's agreement with the float reference. */
export interface OutputAgreementFigures {
  readonly output: string;
  readonly head: AgreementHead;
  /** Fraction of samples whose top-1 class is the reference's (classifier heads). */
  readonly top1Agreement?: number;
  readonly sqnrDb: number | 'Infinity';
  readonly maxRelativeError: number;
}

/** How one model agrees with the float reference on the held-out data. */
export interface AgreementFigures {
  /** `top1Agreement` for classifier heads, else the lowest SQNR over the outputs (dB). */
  readonly metric: { readonly name: 'top1Agreement' | 'sqnrDb'; readonly value: number };
  readonly outputs: readonly OutputAgreementFigures[];
}

/** The optimized model's agreement with the float reference, as float IR and as int8. */
export interface AgreementReport {
  /** What the outputs are compared with. */
  readonly reference: string;
  readonly samples: number;
  /** The optimized model's float IR. */
  readonly after: AgreementFigures;
  /** The optimized model with its int8 activation grids simulated (quantized output only). */
  readonly afterInt8?: AgreementFigures;
}
