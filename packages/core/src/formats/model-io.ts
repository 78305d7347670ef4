import { CollaboptError, FormatError } from '../errors';
import type { Graph } from '../graph';
import { getIoHost } from '../io/current-host';
import { sameFile, type FileIdentity, type IoHost } from '../io/io-host';
import type { Logger } from '../logger';
import {
  defaultFormatRegistry,
  type ByteRange,
  type FormatDefinition,
  type FormatRegistry,
  type ModelFile,
  type ModelSource,
} from './format-registry';

/** Graph metadata key holding the real paths of the files a graph was read from. */
export const SOURCE_FILES_KEY = 'sourceFiles';
/** Graph metadata key holding the identities (real path, device, inode) of those files. */
export const SOURCE_IDENTITIES_KEY = 'sourceFileIdentities';
/** Graph metadata key holding the warnings the reader reported. */
export const READ_WARNINGS_KEY = 'readWarnings';

/** Largest file (or byte range) a reader reads unless `maxFileBytes` says otherwise: 2 GiB. */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 31;

export interface ReadModelOptions {
  format?: string;
  formats?: FormatRegistry;
  /** File access (default: the platform's host, see getIoHost). */
  io?: IoHost;
  /** Largest file or byte range read (default DEFAULT_MAX_FILE_BYTES). */
  maxFileBytes?: number;
  /** Receives the reader's warnings (they are kept in `graph.metadata.readWarnings` too). */
  logger?: Logger;
  [key: string]: unknown;
}

/** A ModelSource over files of an I/O host; records the identity of every file it reads. */
export async function fileSource(
  file: string,
  options: { io?: IoHost; maxFileBytes?: number } = {},
): Promise<ModelSource & { readonly files: FileIdentity[] }> {
  const io = options.io ?? getIoHost();
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let main;
  try {
    main = await io.readFile(file, { maxBytes });
  } catch (e) {
    throw e instanceof CollaboptError ? e.locate({ file }) : e;
  }
  const files = [main.identity];
  const folder = io.dirname(file);
  return {
    path: file,
    bytes: main.bytes,
    files,
    async readRelated(relative: string, range: ByteRange = {}): Promise<Uint8Array> {
      const r = await io.readContained(folder, relative, {
        maxBytes: Math.min(range.maxBytes ?? maxBytes, maxBytes),
        ...(range.offset !== undefined ? { offset: range.offset } : {}),
        ...(range.length !== undefined ? { length: range.length } : {}),
      });
      if (!files.some((f) => f.realPath === r.identity.realPath)) files.push(r.identity);
      return r.bytes;
    },
  };
}

/** Read a model file of any registered format (chosen by magic bytes, then extension, or `format`). */
export async function readModel(file: string, options: ReadModelOptions = {}): Promise<Graph> {
  const formats = options.formats ?? defaultFormatRegistry;
  const source = await fileSource(file, options);
  const warnings: string[] = [];
  const warned: ModelSource = {
    path: source.path,
    bytes: source.bytes,
    readRelated: (p, range) => source.readRelated(p, range),
    warn(message: string) {
      warnings.push(message);
      options.logger?.warn(`${file}: ${message}`);
    },
  };
  let format: FormatDefinition;
  let graph: Graph;
  try {
    format = options.format ? formats.get(options.format) : formats.forFile(file, source.bytes);
    if (!format.read)
      throw new FormatError(
        `format ${format.name} cannot read models`,
        {},
        'FORMAT_READ_UNSUPPORTED',
      );
    graph = await format.read(warned, options);
  } catch (e) {
    if (e instanceof CollaboptError) throw e.locate({ file });
    throw new FormatError(`reader failed: ${(e as Error).message}`, { file }, 'FORMAT_INVALID');
  }
  graph.metadata[SOURCE_FILES_KEY] = source.files.map((f) => f.realPath);
  graph.metadata[SOURCE_IDENTITIES_KEY] = source.files.map((f) => ({ ...f }));
  graph.metadata['sourceFormat'] = format.name;
  if (warnings.length > 0) graph.metadata[READ_WARNINGS_KEY] = warnings;
  return graph;
}

export interface WriteModelOptions {
  format?: string;
  formats?: FormatRegistry;
  /** File access (default: the platform's host, see getIoHost). */
  io?: IoHost;
  /** An aborted signal stops the write before any file is committed. */
  signal?: AbortSignal;
  [key: string]: unknown;
}

/** The format that writes `file` (by `format` name or by extension), or a typed error. */
export function outputFormat(
  file: string,
  options: { format?: string; formats?: FormatRegistry } = {},
): FormatDefinition {
  const formats = options.formats ?? defaultFormatRegistry;
  const format = options.format ? formats.get(options.format) : formats.forFile(file);
  if (!format.write)
    throw new FormatError(
      `format ${format.name} cannot write models`,
      { file },
      'FORMAT_WRITE_UNSUPPORTED',
    );
  return format;
}

/** Identities of the files a graph was read from (as recorded, and as they are now). */
async function inputIdentities(graph: Graph, io: IoHost): Promise<FileIdentity[]> {
  const recorded = (graph.metadata[SOURCE_IDENTITIES_KEY] as FileIdentity[] | undefined) ?? [];
  const paths = (graph.metadata[SOURCE_FILES_KEY] as string[] | undefined) ?? [];
  const now = await Promise.all(paths.map((p) => io.identify(p)));
  return [
    ...recorded,
    ...paths.map((p) => ({ realPath: p, device: 0, inode: 0, size: 0 })),
    ...now.filter((x): x is FileIdentity => x !== undefined),
  ];
}

/**
 * Write a graph in a registered format. Every file is staged first, then committed — related files
 * (weight shards, external data) first, the main file last — and all are rolled back if one fails.
 * A target that is one of the graph's source files (by real path or device/inode) is refused.
 * Returns the written paths, the main file first.
 */
export async function writeModel(
  graph: Graph,
  file: string,
  options: WriteModelOptions = {},
): Promise<string[]> {
  const io = options.io ?? getIoHost();
  const format = outputFormat(file, options);
  const files: ModelFile[] = await format.write!(graph, {
    ...options,
    fileName: io.basename(file),
  });
  const protect = await inputIdentities(graph, io);
  await io.writeFiles(io.dirname(file), [...files.slice(1), ...files.slice(0, 1)], {
    protect,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return files.map((f) => io.join(io.dirname(file), f.path));
}

export interface OutputPlanOptions {
  format?: string;
  formats?: FormatRegistry;
  io?: IoHost;
  /** Input files the output must not replace. */
  inputs?: readonly string[];
  /** A graph read by readModel: the files it was read from must not be replaced either. */
  graph?: Graph;
}

/**
 * Check an output path before any work runs: a format writes it, its folder exists or can be
 * created, and it is none of the inputs (by real path or device/inode). Throws a typed error.
 */
export async function checkOutputPlan(
  output: string,
  options: OutputPlanOptions = {},
): Promise<void> {
  const io = options.io ?? getIoHost();
  outputFormat(output, options);
  await io.checkOutputFolder(io.dirname(output));
  const target = await io.identify(output);
  if (target === undefined) return;
  const inputs = await Promise.all((options.inputs ?? []).map((p) => io.identify(p)));
  if (options.graph) inputs.push(...(await inputIdentities(options.graph, io)));
  for (const id of inputs) {
    if (id && sameFile(id, target))
      throw new FormatError(
        `refusing to overwrite "${id.realPath}", an input of this command; choose another output path`,
        { file: output },
        'WRITE_WOULD_OVERWRITE_INPUT',
      );
  }
}

/**
 * Write files into `dir` atomically (staged, committed in order, rolled back on failure), never
 * over any path in `protect` (compared by real path and device/inode). An aborted `signal` stops
 * the write before anything is committed (a CancelledError).
 */
export async function writeFilesAtomically(
  dir: string,
  files: readonly ModelFile[],
  protect: readonly string[] = [],
  options: { io?: IoHost; signal?: AbortSignal } = {},
): Promise<void> {
  const io = options.io ?? getIoHost();
  const ids = await Promise.all(protect.map((p) => io.identify(p)));
  await io.writeFiles(dir, files, {
    protect: [
      ...ids.filter((x): x is FileIdentity => x !== undefined),
      ...protect.map((p) => ({ realPath: p, device: 0, inode: 0, size: 0 })),
    ],
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
