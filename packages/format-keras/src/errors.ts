import { FormatError, UnsupportedError, type ErrorLocation } from '@collabopt/core';

/**
 * Stable error codes raised by the Keras / TF.js Layers reader and writer. Every failure is one
 * of these (as a FormatError or UnsupportedError); no partial model is ever returned.
 */
export const KERAS_ERROR_CODES = {
  /** model.json is not JSON, or a field has the wrong type. */
  badJson: 'KERAS_BAD_JSON',
  /** The topology is structurally broken (unknown inbound layer, cycle, no inputs/outputs, ...). */
  badTopology: 'KERAS_BAD_TOPOLOGY',
  /** A layer class no mapping knows. */
  unknownLayer: 'KERAS_UNKNOWN_LAYER',
  /** A layer option this reader/writer cannot represent (channels_first, causal padding, ...). */
  unsupported: 'KERAS_UNSUPPORTED',
  /** A weight shard listed in the manifest cannot be read. */
  missingShard: 'KERAS_MISSING_SHARD',
  /** Shard bytes do not add up to what the manifest describes. */
  shardSize: 'KERAS_SHARD_SIZE',
  /** The manifest and the topology disagree (missing/extra/mis-shaped weights). */
  manifestMismatch: 'KERAS_MANIFEST_MISMATCH',
  /** A manifest entry is malformed (dtype, quantization, shape). */
  badManifest: 'KERAS_BAD_MANIFEST',
  /** userDefinedMetadata annotations are malformed. */
  badAnnotations: 'KERAS_BAD_ANNOTATIONS',
} as const;

export type KerasErrorCode = (typeof KERAS_ERROR_CODES)[keyof typeof KERAS_ERROR_CODES];

export function kerasError(
  code: KerasErrorCode,
  message: string,
  location: ErrorLocation = {},
): FormatError {
  return new FormatError(message, location, code);
}

export function kerasUnsupported(message: string, location: ErrorLocation = {}): UnsupportedError {
  return new UnsupportedError(message, location, KERAS_ERROR_CODES.unsupported);
}
