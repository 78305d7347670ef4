import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CollaboptError, FormatError } from '../errors';
import type { Graph } from '../graph';
import {
  defaultFormatRegistry,
  type FormatRegistry,
  type ModelFile,
  type ModelSource,
} from './format-registry';

/** Graph metadata key holding the files a graph was read from (writers refuse to overwrite them). */
export const SOURCE_FILES_KEY = 'sourceFiles';

export interface ReadModelOptions {
  format?: string;
  formats?: FormatRegistry;
  [key: string]: unknown;
}

/** A ModelSource over files on disk; records every file it reads. */
export async function fileSource(
  file: string,
): Promise<ModelSource & { readonly files: string[] }> {
  const files = [path.resolve(file)];
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (e) {
    throw new FormatError(
      `cannot read model file: ${(e as Error).message}`,
      { file },
      'FILE_NOT_READABLE',
    );
  }
  const dir = path.dirname(file);
  return {
    path: file,
    bytes,
    files,
    async readRelated(relative: string): Promise<Uint8Array> {
      const target = path.resolve(dir, relative);
      if (path.relative(dir, target).startsWith('..')) {
        throw new FormatError(
          `referenced file "${relative}" lies outside the model folder`,
          { file },
          'FORMAT_BAD_REFERENCE',
        );
      }
      try {
        const b = new Uint8Array(await fs.readFile(target));
        files.push(target);
        return b;
      } catch (e) {
        throw new FormatError(
          `cannot read referenced file "${relative}": ${(e as Error).message}`,
          { file },
          'FILE_NOT_READABLE',
        );
      }
    },
  };
}

/** Read a model file of any registered format (chosen by magic bytes, then extension, or `format`). */
export async function readModel(file: string, options: ReadModelOptions = {}): Promise<Graph> {
  const formats = options.formats ?? defaultFormatRegistry;
  const source = await fileSource(file);
  const format = options.format ? formats.get(options.format) : formats.forFile(file, source.bytes);
  if (!format.read)
    throw new FormatError(
      `format ${format.name} cannot read models`,
      { file },
      'FORMAT_READ_UNSUPPORTED',
    );
  let graph: Graph;
  try {
    graph = await format.read(source, options);
  } catch (e) {
    if (e instanceof CollaboptError) {
      if (e.location.file === undefined) (e.location as { file?: string }).file = file;
      throw e;
    }
    throw new FormatError(
      `${format.name} reader failed: ${(e as Error).message}`,
      { file },
      'FORMAT_INVALID',
    );
  }
  graph.metadata[SOURCE_FILES_KEY] = source.files;
  graph.metadata['sourceFormat'] = format.name;
  return graph;
}

export interface WriteModelOptions {
  format?: string;
  formats?: FormatRegistry;
  [key: string]: unknown;
}

/**
 * Write a graph in a registered format. All files are written to temporary names and renamed
 * into place only when every file is complete; a target that is one of the graph's source files
 * is refused. Returns the written paths.
 */
export async function writeModel(
  graph: Graph,
  file: string,
  options: WriteModelOptions = {},
): Promise<string[]> {
  const formats = options.formats ?? defaultFormatRegistry;
  const format = options.format ? formats.get(options.format) : formats.forFile(file);
  if (!format.write)
    throw new FormatError(
      `format ${format.name} cannot write models`,
      { file },
      'FORMAT_WRITE_UNSUPPORTED',
    );
  const dir = path.dirname(file);
  const files: ModelFile[] = await format.write(graph, {
    ...options,
    fileName: path.basename(file),
  });
  await writeFilesAtomically(
    dir,
    files,
    (graph.metadata[SOURCE_FILES_KEY] as string[] | undefined) ?? [],
  );
  return files.map((f) => path.join(dir, f.path));
}

/** Write files into `dir` atomically (temp + rename), never over any path in `protect`. */
export async function writeFilesAtomically(
  dir: string,
  files: readonly ModelFile[],
  protect: readonly string[] = [],
): Promise<void> {
  const protectedPaths = new Set(protect.map((p) => path.resolve(p)));
  for (const f of files) {
    const target = path.resolve(dir, f.path);
    if (protectedPaths.has(target)) {
      throw new FormatError(
        'refusing to overwrite an input file of this model; choose another output path',
        { file: target },
        'WRITE_WOULD_OVERWRITE_INPUT',
      );
    }
  }
  await fs.mkdir(dir, { recursive: true });
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps: string[] = [];
  try {
    for (const f of files) {
      const tmp = path.resolve(dir, f.path) + suffix;
      await fs.mkdir(path.dirname(tmp), { recursive: true });
      await fs.writeFile(tmp, f.bytes);
      temps.push(tmp);
    }
    for (const f of files)
      await fs.rename(path.resolve(dir, f.path) + suffix, path.resolve(dir, f.path));
  } catch (e) {
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    throw new FormatError(
      `cannot write model files: ${(e as Error).message}`,
      { file: dir },
      'FILE_NOT_WRITABLE',
    );
  }
}
