import { CollaboptError, type ErrorLocation } from '@collabopt/core';

/**
 * Stable codes of data-set problems, so a script (or the CLI) can tell an unreadable image from a
 * label that does not fit the model.
 */
export type DataErrorCode =
  | 'DATA_NOT_FOUND'
  | 'DATA_UNREADABLE'
  | 'DATA_SHAPE'
  | 'DATA_LABELS'
  | 'DATA_TOO_SMALL'
  | 'DATA_EMPTY'
  | 'DATA_UNSUPPORTED';

/** A data set (file, folder, sample or label) that cannot be used; names the file when known. */
export class DataError extends CollaboptError {
  constructor(code: DataErrorCode, message: string, location: ErrorLocation = {}) {
    super(code, message, location);
  }
}
