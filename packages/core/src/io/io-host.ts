/**
 * The I/O interface core uses for everything outside memory: reading model files, writing them,
 * compression and hashing. Core itself never imports a Node built-in; the Node implementation
 * (`node-io.ts`) is the default under Node, the in-memory one (`memory-io.ts`) serves tests and
 * browsers. Every implementation enforces the same guarantees:
 *
 * - reads follow symlinks to a *regular* file (no FIFO, device or folder), check its size against
 *   a limit before reading, and read only the requested byte range;
 * - a file referenced by a model (weight shard, external data) must lie inside the model's folder
 *   after resolving symlinks, so a link inside the folder cannot reach outside it;
 * - writes never replace a protected file (compared by real path and by device/inode), stage every
 *   file first, commit them in the given order (the main file last) and roll back on failure.
 */
import { BudgetExceededError, FormatError } from '../errors';
import type { ModelFile } from '../formats/format-registry';

/** What identifies a file on disk: its real path and, where the host has them, device and inode. */
export interface FileIdentity {
  readonly realPath: string;
  readonly device: number;
  readonly inode: number;
  readonly size: number;
}

export interface ReadLimits {
  /** Refuse the file (a typed error) when the bytes to read exceed this. */
  readonly maxBytes: number;
  /** First byte to read (default 0). */
  readonly offset?: number;
  /** Bytes to read from `offset` (default: to the end of the file). */
  readonly length?: number;
}

export interface ReadResult {
  readonly bytes: Uint8Array;
  readonly identity: FileIdentity;
}

export interface WriteFilesOptions {
  /** Files that must never be replaced (the inputs of the model being written). */
  readonly protect?: readonly FileIdentity[];
  /** Checked before anything is committed: an aborted write leaves no file behind. */
  readonly signal?: AbortSignal;
}

export interface IoHost {
  readonly name: string;
  /** Folder part of a path, in the host's path syntax. */
  dirname(file: string): string;
  /** Last component of a path. */
  basename(file: string): string;
  /** `folder/name` in the host's path syntax. */
  join(folder: string, name: string): string;
  /** Read (a range of) a regular file; symlinks are followed. */
  readFile(file: string, limits: ReadLimits): Promise<ReadResult>;
  /**
   * Read (a range of) `relative`, a path written inside a model file, relative to `folder`. The
   * real path of the target must lie inside the real path of `folder`.
   */
  readContained(folder: string, relative: string, limits: ReadLimits): Promise<ReadResult>;
  /** Identity of the file at `file` (symlinks followed), or undefined when nothing is there. */
  identify(file: string): Promise<FileIdentity | undefined>;
  /**
   * Check, without creating anything, that files can be written into `folder`: it is a folder or
   * can be created (no regular file on the way). Throws a typed error otherwise.
   */
  checkOutputFolder(folder: string): Promise<void>;
  /**
   * Write `files` (paths relative to `folder`) atomically: stage all, then commit in the given
   * order, roll back every committed file when one fails. Returns the written paths.
   */
  writeFiles(
    folder: string,
    files: readonly ModelFile[],
    options?: WriteFilesOptions,
  ): Promise<string[]>;
  /** Size of the zlib-deflated bytes (default compression level). */
  deflatedSize(bytes: Uint8Array): number;
  /** SHA-256 of the bytes as lowercase hex. */
  sha256(bytes: Uint8Array): Promise<string>;
}

/** Two identities name the same file (same device and inode, or the same real path). */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return (
    a.realPath === b.realPath || (a.inode !== 0 && a.device === b.device && a.inode === b.inode)
  );
}

/**
 * Is `relative` (from `path.relative(folder, target)`) inside the folder? `..weights.bin` is a
 * legal name; only `..` itself, `../…` and absolute results leave the folder.
 */
export function isInside(relative: string, separator: string): boolean {
  if (relative === '') return false;
  if (relative === '..' || relative.startsWith(`..${separator}`)) return false;
  if (separator !== '/' && relative.startsWith('../')) return false;
  return !/^([A-Za-z]:)?[\\/]/.test(relative);
}

/** Offset and length of the bytes to read, validated against the file size and the limit. */
export function rangeOf(
  shown: string,
  size: number,
  limits: ReadLimits,
): { offset: number; length: number } {
  const offset = limits.offset ?? 0;
  const length = limits.length ?? Math.max(0, size - offset);
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0)
    throw new FormatError(
      `invalid byte range (offset ${offset}, length ${length}) of "${shown}"`,
      {},
      'FILE_BAD_RANGE',
    );
  if (offset + length > size)
    throw new FormatError(
      `"${shown}" holds ${size} bytes; bytes ${offset}–${offset + length} were requested`,
      {},
      'FILE_TOO_SHORT',
    );
  if (length > limits.maxBytes)
    throw new BudgetExceededError(
      `"${shown}" needs ${length} bytes, more than the limit of ${limits.maxBytes} (raise it with the read option maxFileBytes)`,
      {},
      'FILE_TOO_LARGE',
    );
  return { offset, length };
}
