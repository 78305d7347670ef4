/**
 * The Node implementation of the I/O interface: the only core module that imports Node built-ins.
 * See io-host.ts for the guarantees (regular files only, containment by real path, size limits,
 * byte ranges, staged multi-file writes committed in order and rolled back on failure).
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import type { ModelFile } from '../formats/format-registry';
import { CancelledError, CollaboptError, FormatError } from '../errors';
import {
  isInside,
  rangeOf,
  sameFile,
  type FileIdentity,
  type IoHost,
  type ReadLimits,
  type ReadResult,
  type WriteFilesOptions,
} from './io-host';

function errno(e: unknown): string | undefined {
  return (e as { code?: unknown }).code as string | undefined;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'folder';
  if (st.isFIFO()) return 'named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isSocket()) return 'socket';
  return 'special file';
}

function identityOf(realPath: string, st: Stats): FileIdentity {
  return { realPath, device: st.dev, inode: st.ino, size: st.size };
}

function notReadable(shown: string, e: unknown): FormatError {
  return new FormatError(`cannot read "${shown}": ${reason(e)}`, {}, 'FILE_NOT_READABLE');
}

function notWritable(target: string, why: string): FormatError {
  return new FormatError(`cannot write "${target}": ${why}`, { file: target }, 'FILE_NOT_WRITABLE');
}

const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const NON_BLOCK = constants.O_NONBLOCK ?? 0;

interface Commit {
  readonly target: string;
  readonly temp: string;
  backup?: string;
  placed: boolean;
}

/** Files on the local file system through `node:fs`. */
export class NodeIoHost implements IoHost {
  readonly name = 'node';

  dirname(file: string): string {
    return path.dirname(file);
  }

  basename(file: string): string {
    return path.basename(file);
  }

  join(folder: string, name: string): string {
    return path.join(folder, name);
  }

  async readFile(file: string, limits: ReadLimits): Promise<ReadResult> {
    let real: string;
    try {
      real = await fs.realpath(file);
    } catch (e) {
      throw notReadable(file, e);
    }
    return this.readReal(real, file, limits);
  }

  async readContained(folder: string, relative: string, limits: ReadLimits): Promise<ReadResult> {
    const lexical = path.resolve(folder, relative);
    if (
      path.isAbsolute(relative) ||
      !isInside(path.relative(path.resolve(folder), lexical), path.sep)
    ) {
      throw new FormatError(
        `referenced file "${relative}" lies outside the model folder`,
        {},
        'FORMAT_BAD_REFERENCE',
      );
    }
    let realFolder: string;
    let real: string;
    try {
      realFolder = await fs.realpath(folder);
      real = await fs.realpath(lexical);
    } catch (e) {
      throw new FormatError(
        `cannot read referenced file "${relative}": ${reason(e)}`,
        {},
        'FILE_NOT_READABLE',
      );
    }
    if (!isInside(path.relative(realFolder, real), path.sep)) {
      throw new FormatError(
        `referenced file "${relative}" resolves to "${real}", outside the model folder "${realFolder}" (a symbolic link that leaves the folder is refused)`,
        {},
        'FORMAT_BAD_REFERENCE',
      );
    }
    return this.readReal(real, relative, limits);
  }

  /** Read a range of the regular file at the real path `real` (`shown` names it in errors). */
  private async readReal(real: string, shown: string, limits: ReadLimits): Promise<ReadResult> {
    let st: Stats;
    try {
      // stat before open: opening a FIFO for reading blocks until a writer appears.
      st = await fs.stat(real);
    } catch (e) {
      throw notReadable(shown, e);
    }
    if (!st.isFile()) {
      throw new FormatError(
        `"${shown}" is a ${kindOf(st)}, not a regular file`,
        {},
        'FILE_NOT_REGULAR',
      );
    }
    const { offset, length } = rangeOf(shown, st.size, limits);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(real, constants.O_RDONLY | NON_BLOCK | NO_FOLLOW);
    } catch (e) {
      throw notReadable(shown, e);
    }
    try {
      const fst = await handle.stat();
      if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) {
        throw new FormatError(`"${shown}" changed while it was opened`, {}, 'FILE_NOT_REGULAR');
      }
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      if (done < length) {
        throw new FormatError(
          `"${shown}" ended after ${offset + done} bytes while it was read`,
          {},
          'FILE_TOO_SHORT',
        );
      }
      return { bytes, identity: identityOf(real, fst) };
    } catch (e) {
      if (e instanceof CollaboptError) throw e;
      throw notReadable(shown, e);
    } finally {
      await handle.close();
    }
  }

  async identify(file: string): Promise<FileIdentity | undefined> {
    try {
      const real = await fs.realpath(file);
      return identityOf(real, await fs.stat(real));
    } catch {
      return undefined;
    }
  }

  async checkOutputFolder(folder: string): Promise<void> {
    await this.missingFolders(folder);
  }

  /** Folders to create (outermost first) so that `folder` exists; typed error when impossible. */
  private async missingFolders(folder: string): Promise<string[]> {
    const missing: string[] = [];
    let p = path.resolve(folder);
    for (;;) {
      let st: Stats | undefined;
      try {
        st = await fs.stat(p);
      } catch (e) {
        const code = errno(e);
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw notWritable(folder, reason(e));
      }
      if (st) {
        if (!st.isDirectory())
          throw notWritable(
            folder,
            `"${p}" is a ${st.isFile() ? 'file' : kindOf(st)}, not a folder`,
          );
        return missing.reverse();
      }
      missing.push(p);
      const parent = path.dirname(p);
      if (parent === p) throw notWritable(folder, 'no existing folder on the way');
      p = parent;
    }
  }

  /** Create `folder` one level at a time (a recursive mkdir can loop on pseudo file systems). */
  private async ensureFolder(folder: string): Promise<void> {
    for (const dir of await this.missingFolders(folder)) {
      try {
        await fs.mkdir(dir);
      } catch (e) {
        if (errno(e) === 'EEXIST' && (await fs.stat(dir)).isDirectory()) continue;
        throw notWritable(folder, `cannot create folder "${dir}": ${reason(e)}`);
      }
    }
  }

  async writeFiles(
    folder: string,
    files: readonly ModelFile[],
    options: WriteFilesOptions = {},
  ): Promise<string[]> {
    const protect = options.protect ?? [];
    const root = path.resolve(folder);
    const commits: Commit[] = [];
    const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const seen = new Set<string>();
      for (const f of files) {
        const lexical = path.resolve(root, f.path);
        if (!isInside(path.relative(root, lexical), path.sep))
          throw notWritable(lexical, 'the file name leaves the output folder');
        await this.ensureFolder(path.dirname(lexical));
        const target = path.join(await fs.realpath(path.dirname(lexical)), path.basename(lexical));
        if (seen.has(target)) throw notWritable(target, 'two output files have the same name');
        seen.add(target);
        const existing = await this.identify(target);
        const clash = protect.find(
          (p) => p.realPath === target || (existing !== undefined && sameFile(p, existing)),
        );
        if (clash) {
          throw new FormatError(
            `refusing to overwrite "${clash.realPath}", an input of this model; choose another output path`,
            { file: lexical },
            'WRITE_WOULD_OVERWRITE_INPUT',
          );
        }
        const lst = await fs.lstat(target).catch(() => undefined);
        if (lst && !lst.isFile() && !lst.isSymbolicLink())
          throw notWritable(target, `it is a ${kindOf(lst)}`);
        commits.push({
          target,
          temp: path.join(path.dirname(target), `.${path.basename(target)}.tmp-${suffix}`),
          placed: false,
        });
      }
      for (let i = 0; i < files.length; i++)
        await fs.writeFile(commits[i]!.temp, files[i]!.bytes, { flag: 'wx' });
      if (options.signal?.aborted) throw new CancelledError('interrupted before writing');
      for (const c of commits) {
        if (await this.identify(c.target)) {
          c.backup = path.join(path.dirname(c.target), `.${path.basename(c.target)}.bak-${suffix}`);
          await fs.rename(c.target, c.backup);
        }
        await this.commitFile(c.temp, c.target);
        c.placed = true;
      }
    } catch (e) {
      await rollBack(commits);
      if (e instanceof CollaboptError) throw e;
      throw notWritable(commits.at(-1)?.target ?? root, reason(e));
    }
    await Promise.all(commits.map((c) => (c.backup ? fs.rm(c.backup, { force: true }) : 0)));
    return files.map((f) => path.join(folder, f.path));
  }

  /** Move a staged file into place (a seam for fault-injection tests). */
  protected async commitFile(temp: string, target: string): Promise<void> {
    await fs.rename(temp, target);
  }

  deflatedSize(bytes: Uint8Array): number {
    return deflateSync(bytes).length;
  }

  async sha256(bytes: Uint8Array): Promise<string> {
    return createHash('sha256').update(bytes).digest('hex');
  }
}

/** Undo a partial commit: new files removed, replaced files restored, staged files deleted. */
async function rollBack(commits: readonly Commit[]): Promise<void> {
  for (const c of [...commits].reverse()) {
    try {
      if (c.placed) await fs.rm(c.target, { force: true });
      if (c.backup) await fs.rename(c.backup, c.target);
    } catch {
      // best effort: the original error is what the caller must see
    }
    await fs.rm(c.temp, { force: true }).catch(() => undefined);
  }
}
