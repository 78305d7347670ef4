import { FormatError, ShapeError, UnsupportedError, type ErrorLocation } from '@collabopt/core';

/**
 * Typed errors of the TFLite reader and writer. Every one is a `CollaboptError` with a stable code:
 * - `TFLITE_TRUNCATED`: the bytes end before a structure they announce;
 * - `TFLITE_BAD_IDENTIFIER`: bytes 4–7 are not "TFL3";
 * - `TFLITE_INVALID`: an offset, length, enum or index is out of range;
 * - `TFLITE_UNSUPPORTED_OP`: an operator (or IR op) this package cannot map;
 * - `TFLITE_UNSUPPORTED`: a feature (type, option, layout) the mapping cannot represent;
 * - `TFLITE_QUANT_MISSING`: a quantized export without the annotations the contract requires;
 * - `SHAPE_MISMATCH` (ShapeError): declared tensor shapes that contradict each other.
 */
export function truncated(what: string, position: number, file?: string): FormatError {
  return new FormatError(
    `TFLite file is truncated: ${what} runs past the end of the file`,
    loc(file, position),
    'TFLITE_TRUNCATED',
  );
}

export function invalid(what: string, position?: number, file?: string): FormatError {
  return new FormatError(
    `invalid TFLite flatbuffer: ${what}`,
    loc(file, position),
    'TFLITE_INVALID',
  );
}

export function badIdentifier(found: string, file?: string): FormatError {
  return new FormatError(
    `not a TFLite model: file identifier (bytes 4–7) is "${found}", expected "TFL3"`,
    loc(file, 4),
    'TFLITE_BAD_IDENTIFIER',
  );
}

export function unsupportedOperator(
  opName: string,
  operatorIndex: number,
  why: string,
  file?: string,
): UnsupportedError {
  return new UnsupportedError(
    `TFLite operator ${opName} (operator index ${operatorIndex}) is not supported: ${why}`,
    { ...(file !== undefined ? { file } : {}), node: `operator ${operatorIndex}`, field: opName },
    'TFLITE_UNSUPPORTED_OP',
  );
}

export function unsupportedNode(node: string, op: string, why: string): UnsupportedError {
  return new UnsupportedError(
    `cannot export ${op} to TFLite: ${why}`,
    { node, field: op },
    'TFLITE_UNSUPPORTED_OP',
  );
}

export function unsupportedFeature(
  message: string,
  location: ErrorLocation = {},
): UnsupportedError {
  return new UnsupportedError(message, location, 'TFLITE_UNSUPPORTED');
}

export function quantMissing(message: string, location: ErrorLocation): FormatError {
  return new FormatError(
    `${message}; run the quantization pass (ptq or qat) first`,
    location,
    'TFLITE_QUANT_MISSING',
  );
}

export function shapeMismatch(message: string, location: ErrorLocation = {}): ShapeError {
  return new ShapeError(message, location);
}

function loc(file: string | undefined, position: number | undefined): ErrorLocation {
  return {
    ...(file !== undefined ? { file } : {}),
    ...(position !== undefined ? { position } : {}),
  };
}
