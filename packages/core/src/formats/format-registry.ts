import { FormatError } from '../errors';
import type { Graph } from '../graph';
import type { OpRegistry } from '../op-registry';
import type { FormatRequirements, FormatTarget } from './format-requirements';

/** Which bytes of a referenced file to read, and how many a reader accepts at most. */
export interface ByteRange {
  /** First byte (default 0). */
  readonly offset?: number;
  /** Number of bytes (default: to the end of the file). */
  readonly length?: number;
  /** Refuse the file when more bytes than this would be read (default: the read's file limit). */
  readonly maxBytes?: number;
}

/** Bytes of a model being read, with access to files beside it (weight shards, external data). */
export interface ModelSource {
  /** Path or name of the main file (for error messages and relative lookups). */
  readonly path: string;
  readonly bytes: Uint8Array;
  /**
   * Read a file referenced by the model, relative to the main file's folder (only regular files
   * inside that folder, after resolving symbolic links; only the requested range).
   */
  readRelated(relativePath: string, range?: ByteRange): Promise<Uint8Array>;
  /** Report a problem the reader recovered from (it reaches the caller's logger). */
  warn?(message: string): void;
}

/** One file produced by a writer; `path` is relative to the main file's folder (the main file first). */
export interface ModelFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface ReadOptions {
  readonly registry?: OpRegistry;
  readonly [key: string]: unknown;
}

export interface WriteOptions {
  /** File name of the main output (writers name related files after it). */
  readonly fileName: string;
  readonly registry?: OpRegistry;
  readonly [key: string]: unknown;
}

/** A model format: how to recognise, read and write it. Formats never import TF.js. */
export interface FormatDefinition {
  readonly name: string;
  readonly description: string;
  /** File extensions including the dot, e.g. ['.tflite']. */
  readonly extensions: readonly string[];
  /** Recognise the format from the first bytes of the main file. */
  detect?(bytes: Uint8Array): boolean;
  read?(source: ModelSource, options?: ReadOptions): Promise<Graph>;
  write?(graph: Graph, options: WriteOptions): Promise<ModelFile[]>;
  /** What the writer needs from a graph for `target` (none when left out); legalization meets it. */
  requirements?(target: FormatTarget): FormatRequirements;
}

/** Formats by name, extension and magic bytes. */
export class FormatRegistry {
  private readonly formats = new Map<string, FormatDefinition>();

  register(format: FormatDefinition, options: { replace?: boolean } = {}): void {
    if (this.formats.has(format.name) && !options.replace) {
      throw new FormatError(
        `format "${format.name}" is already registered`,
        {},
        'FORMAT_DUPLICATE',
      );
    }
    this.formats.set(format.name, format);
  }

  get(name: string): FormatDefinition {
    const f = this.formats.get(name);
    if (!f) {
      throw new FormatError(
        `unknown format "${name}" (registered: ${this.names().join(', ') || 'none'})`,
        {},
        'FORMAT_UNKNOWN',
      );
    }
    return f;
  }

  names(): string[] {
    return [...this.formats.keys()];
  }

  list(): FormatDefinition[] {
    return [...this.formats.values()];
  }

  /** Pick the format for a file: magic bytes first (when given), then the extension. */
  forFile(path: string, bytes?: Uint8Array): FormatDefinition {
    if (bytes) {
      for (const f of this.formats.values()) if (f.detect?.(bytes)) return f;
    }
    const lower = path.toLowerCase();
    const byExt = [...this.formats.values()]
      .flatMap((f) => f.extensions.map((e) => ({ f, e })))
      .filter(({ e }) => lower.endsWith(e.toLowerCase()))
      .sort((a, b) => b.e.length - a.e.length)[0];
    if (byExt) return byExt.f;
    throw new FormatError(
      `no registered format recognises "${path}" (known: ${
        this.list()
          .map((f) => `${f.name} ${f.extensions.join('/')}`)
          .join(', ') || 'none — install a format package'
      })`,
      { file: path },
      'FORMAT_UNKNOWN',
    );
  }
}

/** The process-wide format registry that format packages register with. */
export const defaultFormatRegistry = new FormatRegistry();
