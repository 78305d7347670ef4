/**
 * Annotations are contracts: what an earlier pass established about a weight or an activation
 * value, which later passes must keep true (or declare that they drop).
 */

/** Annotation kinds a weight can carry. */
export type WeightAnnotationKind = 'mask' | 'codebook' | 'quant';
/** Annotation kinds an activation value can carry. */
export type ValueAnnotationKind = 'range' | 'quant';
export type AnnotationKind = WeightAnnotationKind | 'range';

/**
 * Sparsity mask: `mask[i] === 0` means weight element i is pruned and must be exactly zero.
 * `structure` documents how the mask was built. The contract checker verifies the zeros only;
 * an m:n pattern depends on the exporter's layout and is checked by the pruning plugin's `checkMN`.
 */
export interface MaskAnnotation {
  readonly mask: Uint8Array;
  readonly structure?:
    | { readonly kind: 'unstructured' }
    | { readonly kind: 'block'; readonly blockSize: readonly [number, number] }
    | { readonly kind: 'mn'; readonly m: number; readonly n: number };
  /** The sparsity the pruning pass aimed for (achieved may differ because of ties). */
  readonly targetSparsity?: number;
}

/**
 * Codebook: every weight element equals one centroid of its codebook.
 * Per tensor: `centroids` has `clusters` entries. Per channel: `channels × clusters` entries,
 * row c holding the centroids of output channel c (channel = flattened `channelAxes`).
 * `indices[i]` is the centroid index (within its channel's row) of weight element i.
 */
export interface CodebookAnnotation {
  readonly centroids: Float32Array;
  readonly indices: Uint8Array | Uint16Array | Int32Array;
  readonly clusters: number;
  /** Present for per-channel codebooks: the weight axes that, flattened, index the channel. */
  readonly channelAxes?: readonly number[];
  /** Index of the centroid that is pinned at exactly 0 (sparsity-preserving clustering), per channel. */
  readonly zeroCentroid?: readonly number[];
}

/** Integer element type of a quantized tensor. */
export type QuantDType = 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'float16';

/**
 * Quantization parameters (TFLite semantics: real = scale · (q − zeroPoint)).
 * Per tensor when `scale.length === 1`; per channel along `channelAxes` otherwise.
 * On a weight, the float values are kept on the grid, so the contract is checkable:
 * every element equals scale_c · (q − zp_c) for an integer q in [qmin, qmax].
 */
export interface QuantAnnotation {
  readonly dtype: QuantDType;
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
  readonly channelAxes?: readonly number[];
  /** Bits actually used (8 for int8, 7 with reduce-range weights, 16 for int16 activations). */
  readonly bits: number;
  /** Narrow range: q in [−(2^(b−1)−1), 2^(b−1)−1] (symmetric int8 weights use [−127, 127]). */
  readonly narrowRange: boolean;
  /** Informational float range the parameters were derived from. */
  readonly min?: number;
  readonly max?: number;
}

/** Observed or fixed float range of an activation value. */
export interface RangeAnnotation {
  readonly min: number;
  readonly max: number;
  /** How it was obtained (e.g. 'calibration:minmax', 'qat:ema'). */
  readonly source?: string;
}

export interface WeightAnnotations {
  mask?: MaskAnnotation;
  codebook?: CodebookAnnotation;
  quant?: QuantAnnotation;
}

export interface ValueAnnotations {
  range?: RangeAnnotation;
  quant?: QuantAnnotation;
}
