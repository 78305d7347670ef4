import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { CollaboptError } from '../errors';
import { MemoryIoHost, normalizePosix } from './memory-io';

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof CollaboptError)) throw new Error(`expected a typed error, got ${String(e)}`);
  return e.code;
}

describe('MemoryIoHost', () => {
  const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

  it('normalizes POSIX paths', () => {
    expect(normalizePosix('a/./b/../c')).toBe('/a/c');
    expect(normalizePosix('/x//y/')).toBe('/x/y');
  });

  it('reads ranges of files inside the folder and refuses everything else', async () => {
    const host = new MemoryIoHost({ '/m/w.bin': bytes(0, 1, 2, 3), '/m/..w.bin': bytes(7) });
    expect([
      ...(await host.readContained('/m', 'w.bin', { maxBytes: 2, offset: 1, length: 2 })).bytes,
    ]).toEqual([1, 2]);
    expect([...(await host.readContained('/m', '..w.bin', { maxBytes: 9 })).bytes]).toEqual([7]);
    expect(await codeOf(host.readContained('/m', '../etc/x', { maxBytes: 9 }))).toBe(
      'FORMAT_BAD_REFERENCE',
    );
    expect(await codeOf(host.readContained('/m', '/m/w.bin', { maxBytes: 9 }))).toBe(
      'FORMAT_BAD_REFERENCE',
    );
    expect(await codeOf(host.readContained('/m', 'w.bin', { maxBytes: 3 }))).toBe('FILE_TOO_LARGE');
    expect(await codeOf(host.readContained('/m', 'nope', { maxBytes: 3 }))).toBe(
      'FILE_NOT_READABLE',
    );
  });

  it('writes all files or none, never over a protected input or under a file', async () => {
    const host = new MemoryIoHost({ '/m/in.bin': bytes(1) });
    const input = (await host.identify('/m/in.bin'))!;
    expect(
      await codeOf(
        host.writeFiles(
          '/m',
          [
            { path: 'new.bin', bytes: bytes(2) },
            { path: 'in.bin', bytes: bytes(3) },
          ],
          {
            protect: [input],
          },
        ),
      ),
    ).toBe('WRITE_WOULD_OVERWRITE_INPUT');
    expect(host.list()).toEqual(['/m/in.bin']);
    expect(await codeOf(host.writeFiles('/m/in.bin/sub', [{ path: 'x', bytes: bytes(1) }]))).toBe(
      'FILE_NOT_WRITABLE',
    );
    await host.writeFiles('/out', [{ path: 'a.bin', bytes: bytes(4) }]);
    expect([...host.get('/out/a.bin')!]).toEqual([4]);
  });

  it('compresses to a valid zlib stream and hashes with SHA-256', async () => {
    const host = new MemoryIoHost();
    const data = new TextEncoder().encode('abcd'.repeat(500));
    const size = host.deflatedSize(data);
    expect(size).toBeGreaterThan(8);
    expect(size).toBeLessThan(100);
    const { zlibSync } = await import('fflate');
    expect([...inflateSync(zlibSync(data, { level: 6 }))]).toEqual([...data]);
    expect(await host.sha256(data)).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
