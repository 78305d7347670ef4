/**
 * An in-memory implementation of the I/O interface, for browsers and tests: files are byte
 * arrays keyed by absolute POSIX paths; folders exist implicitly. It keeps the same rules as the
 * Node host (containment, size limits, byte ranges, protected inputs, all-or-nothing writes).
 */
import { zlibSync } from 'fflate';
import { CancelledError, FormatError } from '../errors';
import type { ModelFile } from '../formats/format-registry';
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

/** `/a/b/../c` → `/a/c`; relative paths are taken from `/`. */
export function normalizePosix(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function relativePosix(from: string, to: string): string {
  const a = normalizePosix(from).split('/').filter(Boolean);
  const b = normalizePosix(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

export class MemoryIoHost implements IoHost {
  readonly name = 'memory';
  private readonly files = new Map<string, Uint8Array>();
  private readonly inodes = new Map<string, number>();
  private nextInode = 1;

  constructor(initial: Record<string, Uint8Array> = {}) {
    for (const [p, bytes] of Object.entries(initial)) this.put(p, bytes);
  }

  /** Store a file (replacing any). */
  put(file: string, bytes: Uint8Array): void {
    const p = normalizePosix(file);
    this.files.set(p, bytes);
    this.inodes.set(p, this.nextInode++);
  }

  /** The bytes of a stored file, or undefined. */
  get(file: string): Uint8Array | undefined {
    return this.files.get(normalizePosix(file));
  }

  /** Every stored path, sorted. */
  list(): string[] {
    return [...this.files.keys()].sort();
  }

  dirname(file: string): string {
    const p = normalizePosix(file);
    return p.slice(0, p.lastIndexOf('/')) || '/';
  }

  basename(file: string): string {
    const p = normalizePosix(file);
    return p.slice(p.lastIndexOf('/') + 1);
  }

  join(folder: string, name: string): string {
    return normalizePosix(`${folder}/${name}`);
  }

  async readFile(file: string, limits: ReadLimits): Promise<ReadResult> {
    const p = normalizePosix(file);
    const bytes = this.files.get(p);
    if (bytes === undefined) {
      const what = this.isFolder(p) ? 'it is a folder' : 'no such file';
      throw new FormatError(`cannot read "${file}": ${what}`, {}, 'FILE_NOT_READABLE');
    }
    const { offset, length } = rangeOf(file, bytes.length, limits);
    return { bytes: bytes.slice(offset, offset + length), identity: this.identityOf(p, bytes) };
  }

  async readContained(folder: string, relative: string, limits: ReadLimits): Promise<ReadResult> {
    if (
      relative.startsWith('/') ||
      !isInside(relativePosix(folder, `${normalizePosix(folder)}/${relative}`), '/')
    ) {
      throw new FormatError(
        `referenced file "${relative}" lies outside the model folder`,
        {},
        'FORMAT_BAD_REFERENCE',
      );
    }
    const r = await this.readFile(`${normalizePosix(folder)}/${relative}`, limits).catch(
      (e: unknown) => {
        if (e instanceof FormatError && e.code === 'FILE_NOT_READABLE')
          throw new FormatError(
            `cannot read referenced file "${relative}": no such file`,
            {},
            'FILE_NOT_READABLE',
          );
        throw e;
      },
    );
    return r;
  }

  async identify(file: string): Promise<FileIdentity | undefined> {
    const p = normalizePosix(file);
    const bytes = this.files.get(p);
    return bytes === undefined ? undefined : this.identityOf(p, bytes);
  }

  async checkOutputFolder(folder: string): Promise<void> {
    let p = normalizePosix(folder);
    for (;;) {
      if (this.files.has(p))
        throw new FormatError(
          `cannot write into "${folder}": "${p}" is a file, not a folder`,
          { file: folder },
          'FILE_NOT_WRITABLE',
        );
      if (p === '/') return;
      p = this.dirname(p);
    }
  }

  async writeFiles(
    folder: string,
    files: readonly ModelFile[],
    options: WriteFilesOptions = {},
  ): Promise<string[]> {
    const targets: string[] = [];
    for (const f of files) {
      const target = normalizePosix(`${normalizePosix(folder)}/${f.path}`);
      if (!isInside(relativePosix(folder, target), '/'))
        throw new FormatError(
          `cannot write "${f.path}": the file name leaves the output folder`,
          { file: target },
          'FILE_NOT_WRITABLE',
        );
      await this.checkOutputFolder(this.dirname(target));
      if (this.isFolder(target))
        throw new FormatError(
          `cannot write "${target}": it is a folder`,
          { file: target },
          'FILE_NOT_WRITABLE',
        );
      const existing = await this.identify(target);
      const clash = (options.protect ?? []).find(
        (p) => p.realPath === target || (existing !== undefined && sameFile(p, existing)),
      );
      if (clash)
        throw new FormatError(
          `refusing to overwrite "${clash.realPath}", an input of this model; choose another output path`,
          { file: target },
          'WRITE_WOULD_OVERWRITE_INPUT',
        );
      targets.push(target);
    }
    if (new Set(targets).size !== targets.length)
      throw new FormatError(
        'two output files have the same name',
        { file: folder },
        'FILE_NOT_WRITABLE',
      );
    if (options.signal?.aborted) throw new CancelledError('interrupted before writing');
    // Nothing above touched the store, and nothing below can fail: the write is all-or-nothing.
    files.forEach((f, i) => this.put(targets[i]!, f.bytes.slice()));
    return targets;
  }

  deflatedSize(bytes: Uint8Array): number {
    return zlibSync(bytes, { level: 6 }).length;
  }

  async sha256(bytes: Uint8Array): Promise<string> {
    const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes.slice().buffer);
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  private isFolder(p: string): boolean {
    const prefix = p === '/' ? '/' : `${p}/`;
    for (const k of this.files.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  private identityOf(p: string, bytes: Uint8Array): FileIdentity {
    return { realPath: p, device: 0, inode: this.inodes.get(p) ?? 0, size: bytes.length };
  }
}
