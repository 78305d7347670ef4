import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { CollaboptError } from '../errors';
import { NodeIoHost } from './node-io';

const host = new NodeIoHost();
const limits = { maxBytes: 1 << 20 };

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof CollaboptError)) throw new Error(`expected a typed error, got ${String(e)}`);
  return e.code;
}

/** Fails the n-th commit (1-based), to exercise the roll-back. */
class FailingCommitHost extends NodeIoHost {
  private commits = 0;
  constructor(private readonly failAt: number) {
    super();
  }
  protected override async commitFile(temp: string, target: string): Promise<void> {
    if (++this.commits === this.failAt) throw new Error('injected rename failure');
    await super.commitFile(temp, target);
  }
}

describe('NodeIoHost', () => {
  let root: string;
  let model: string;
  let outside: string;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-node-io-'));
    model = path.join(root, 'model');
    outside = path.join(root, 'outside');
    await fs.mkdir(model);
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'secret.bin'), 'SECRET');
    await fs.writeFile(path.join(model, 'w.bin'), new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('reads only the requested byte range of a file inside the folder', async () => {
    const r = await host.readContained(model, 'w.bin', { maxBytes: 3, offset: 2, length: 3 });
    expect([...r.bytes]).toEqual([2, 3, 4]);
    expect(r.identity.realPath).toBe(await fs.realpath(path.join(model, 'w.bin')));
    expect(await codeOf(host.readContained(model, 'w.bin', { maxBytes: 3 }))).toBe(
      'FILE_TOO_LARGE',
    );
    expect(
      await codeOf(host.readContained(model, 'w.bin', { maxBytes: 99, offset: 6, length: 3 })),
    ).toBe('FILE_TOO_SHORT');
  });

  it('accepts names that merely start with two dots', async () => {
    await fs.writeFile(path.join(model, '..weights.bin'), 'ok');
    const r = await host.readContained(model, '..weights.bin', limits);
    expect(new TextDecoder().decode(r.bytes)).toBe('ok');
  });

  it('refuses ../ paths, absolute paths and symlinks that leave the folder', async () => {
    await fs.symlink(path.join(outside, 'secret.bin'), path.join(model, 'link.bin'));
    await fs.symlink(outside, path.join(model, 'sub'));
    for (const p of ['../outside/secret.bin', path.join(outside, 'secret.bin'), 'link.bin'])
      expect(await codeOf(host.readContained(model, p, limits))).toBe('FORMAT_BAD_REFERENCE');
    expect(await codeOf(host.readContained(model, 'sub/secret.bin', limits))).toBe(
      'FORMAT_BAD_REFERENCE',
    );
  });

  it('follows symlinks that stay inside the folder', async () => {
    await fs.symlink('w.bin', path.join(model, 'alias.bin'));
    const r = await host.readContained(model, 'alias.bin', limits);
    expect(r.bytes.length).toBe(8);
  });

  it('refuses FIFOs, devices and folders without blocking', async () => {
    execFileSync('mkfifo', [path.join(model, 'pipe.bin')]);
    await fs.symlink('/dev/zero', path.join(model, 'zero.bin'));
    await fs.mkdir(path.join(model, 'dir.bin'));
    expect(await codeOf(host.readContained(model, 'pipe.bin', limits))).toBe('FILE_NOT_REGULAR');
    expect(await codeOf(host.readFile(path.join(model, 'pipe.bin'), limits))).toBe(
      'FILE_NOT_REGULAR',
    );
    expect(await codeOf(host.readFile('/dev/zero', limits))).toBe('FILE_NOT_REGULAR');
    // /dev/zero lies outside the folder: refused before its kind is even looked at
    expect(await codeOf(host.readContained(model, 'zero.bin', limits))).toBe(
      'FORMAT_BAD_REFERENCE',
    );
    expect(await codeOf(host.readContained(model, 'dir.bin', limits))).toBe('FILE_NOT_REGULAR');
  });

  it('commits the files in order and replaces existing ones', async () => {
    await fs.writeFile(path.join(model, 'a.json'), 'old');
    const written = await host.writeFiles(model, [
      { path: 'a.bin', bytes: new Uint8Array([1]) },
      { path: 'a.json', bytes: new Uint8Array([2]) },
    ]);
    expect(written).toEqual([path.join(model, 'a.bin'), path.join(model, 'a.json')]);
    expect([...(await fs.readFile(path.join(model, 'a.json')))]).toEqual([2]);
    expect((await fs.readdir(model)).sort()).toEqual(['a.bin', 'a.json', 'w.bin']);
  });

  it('rolls back every committed file when a later commit fails', async () => {
    await fs.writeFile(path.join(model, 'm-shard.bin'), 'old shard');
    await fs.writeFile(path.join(model, 'm.json'), 'old json');
    const failing = new FailingCommitHost(2);
    const e = await failing
      .writeFiles(model, [
        { path: 'm-shard.bin', bytes: new TextEncoder().encode('new shard') },
        { path: 'm.json', bytes: new TextEncoder().encode('new json') },
      ])
      .catch((err: unknown) => err);
    expect((e as CollaboptError).code).toBe('FILE_NOT_WRITABLE');
    expect(await fs.readFile(path.join(model, 'm-shard.bin'), 'utf8')).toBe('old shard');
    expect(await fs.readFile(path.join(model, 'm.json'), 'utf8')).toBe('old json');
    expect((await fs.readdir(model)).sort()).toEqual(['m-shard.bin', 'm.json', 'w.bin']);
  });

  it('refuses to replace a protected file reached through a symlinked folder or a hard link', async () => {
    const input = await host.identify(path.join(model, 'w.bin'));
    await fs.symlink(model, path.join(root, 'link'));
    await fs.link(path.join(model, 'w.bin'), path.join(outside, 'hard.bin'));
    const bytes = new Uint8Array([9]);
    for (const [dir, name] of [
      [path.join(root, 'link'), 'w.bin'],
      [outside, 'hard.bin'],
    ] as const)
      expect(
        await codeOf(host.writeFiles(dir, [{ path: name, bytes }], { protect: [input!] })),
      ).toBe('WRITE_WOULD_OVERWRITE_INPUT');
    expect([...(await fs.readFile(path.join(model, 'w.bin')))]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('gives typed errors for outputs under a regular file or a pseudo file system, without hanging', async () => {
    const bytes = new Uint8Array([1]);
    const underFile = path.join(model, 'w.bin', 'sub');
    expect(await codeOf(host.checkOutputFolder(underFile))).toBe('FILE_NOT_WRITABLE');
    expect(await codeOf(host.writeFiles(underFile, [{ path: 'x.bin', bytes }]))).toBe(
      'FILE_NOT_WRITABLE',
    );
    expect(
      await codeOf(host.writeFiles('/proc/collabopt-none/out', [{ path: 'x.bin', bytes }])),
    ).toBe('FILE_NOT_WRITABLE');
  });

  it('leaves nothing behind when the signal is aborted before the commit', async () => {
    const c = new AbortController();
    c.abort();
    expect(
      await codeOf(
        host.writeFiles(model, [{ path: 'late.bin', bytes: new Uint8Array([1]) }], {
          signal: c.signal,
        }),
      ),
    ).toBe('CANCELLED');
    expect(await fs.readdir(model)).toEqual(['w.bin']);
  });

  it('computes zlib sizes and SHA-256 like Node does', async () => {
    const bytes = new TextEncoder().encode('abcabcabcabcabc'.repeat(100));
    expect(host.deflatedSize(bytes)).toBe(deflateSync(bytes).length);
    expect(await host.sha256(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
