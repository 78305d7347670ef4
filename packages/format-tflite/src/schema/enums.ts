/** TFLite schema enums (values from schema.fbs; see tfmot-spec.md §6.2). */

export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT64: 10,
  /** Two signed 4-bit values per byte (see int4-packing.ts). */
  INT4: 17,
} as const;
export type TensorTypeId = number;

export const TENSOR_TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(TensorType).map(([k, v]) => [v, k]),
);

export const Padding = { SAME: 0, VALID: 1 } as const;

export const Activation = {
  NONE: 0,
  RELU: 1,
  RELU_N1_TO_1: 2,
  RELU6: 3,
  TANH: 4,
  SIGN_BIT: 5,
} as const;

export const DimensionType = { DENSE: 0, SPARSE_CSR: 1 } as const;

/** Union type ids of `SparseIndexVector` (DimensionMetadata.array_segments / array_indices). */
export const SparseIndexVectorType = {
  NONE: 0,
  Int32Vector: 1,
  Uint16Vector: 2,
  Uint8Vector: 3,
} as const;

/** Builtin operator codes this package reads or writes, plus names for error messages. */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  SOFTMAX: 25,
  TANH: 28,
  CUSTOM: 32,
  PAD: 34,
  MEAN: 40,
  SUB: 41,
  PADV2: 60,
  TRANSPOSE_CONV: 67,
  REDUCE_MAX: 82,
  RESIZE_NEAREST_NEIGHBOR: 97,
  LEAKY_RELU: 98,
  ELU: 111,
  QUANTIZE: 114,
  HARD_SWISH: 117,
  DENSIFY: 124,
} as const;

/** All builtin names up to HARD_SWISH (index = code), for readable "unsupported op" errors. */
const ALL_BUILTIN_NAMES =
  'ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR ' +
  'FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION ' +
  'LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH ' +
  'CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER ' +
  'BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE ' +
  'BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ' +
  'ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE ' +
  'TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK ' +
  'LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL ' +
  'FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL ' +
  'REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH';
const NAMES = ALL_BUILTIN_NAMES.split(' ');

export function builtinOperatorName(code: number): string {
  if (code === BuiltinOperator.DENSIFY) return 'DENSIFY';
  return NAMES[code] ?? `BUILTIN_${code}`;
}

/** Deprecated (int8) opcode field value for a builtin code: the code itself, or 127 for larger codes. */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;
export function deprecatedBuiltinCode(code: number): number {
  return Math.min(code, PLACEHOLDER_FOR_GREATER_OP_CODES);
}
