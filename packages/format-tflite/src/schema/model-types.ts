/**
 * Plain-object form of the TFLite schema subset this package reads and writes. The reader fills
 * these from (bounds-checked) flatbuffer tables; the writer builds them from the IR and serializes
 * them. Field names follow schema.fbs in camelCase.
 */

export type OptionValue = number | boolean | readonly number[];
export type BuiltinOptions = Record<string, OptionValue>;

export interface TflOperatorCode {
  /** The real operator code (max of the two schema fields when reading). */
  builtinCode: number;
  customCode?: string;
  version: number;
}

export interface TflQuantization {
  min?: Float32Array;
  max?: Float32Array;
  scale?: Float32Array;
  zeroPoint?: number[];
  quantizedDimension: number;
}

export interface TflDimensionMetadata {
  format: number;
  denseSize: number;
  arraySegments?: number[];
  arrayIndices?: number[];
}

export interface TflSparsity {
  traversalOrder: number[];
  blockMap: number[];
  dimMetadata: TflDimensionMetadata[];
}

export interface TflTensor {
  shape: number[];
  /** Shape with −1 for unknown dims (batch), when present. */
  shapeSignature?: number[];
  type: number;
  /** Index into `TflModel.buffers` (0 = no data). */
  buffer: number;
  name: string;
  quantization?: TflQuantization;
  sparsity?: TflSparsity;
  isVariable?: boolean;
}

export interface TflOperator {
  opcodeIndex: number;
  /** Tensor indices; −1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union type id (0 = none). */
  builtinOptionsType: number;
  builtinOptions?: BuiltinOptions;
}

export interface TflSubGraph {
  tensors: TflTensor[];
  inputs: number[];
  outputs: number[];
  operators: TflOperator[];
  name?: string;
}

export interface TflModel {
  version: number;
  operatorCodes: TflOperatorCode[];
  subgraphs: TflSubGraph[];
  description?: string;
  /** Buffer contents; buffers[0] is the empty sentinel. */
  buffers: Uint8Array[];
}
