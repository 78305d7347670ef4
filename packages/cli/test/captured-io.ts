import { PassThrough } from 'node:stream';
import type { CliIo } from '../src/io';

/** What a command printed: stdout, stderr, and both in the order they were written. */
export interface CapturedIo {
  readonly io: CliIo;
  out(): string;
  err(): string;
  text(): string;
}

/** A command's io for tests (unit and e2e): everything it prints, kept as text. */
export function capturedIo(): CapturedIo {
  let out = '';
  let err = '';
  let text = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => ((out += c.toString()), (text += c.toString())));
  stderr.on('data', (c: Buffer) => ((err += c.toString()), (text += c.toString())));
  return {
    io: {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stderr: stderr as unknown as NodeJS.WriteStream,
      signal: new AbortController().signal,
    },
    out: () => out,
    err: () => err,
    text: () => text,
  };
}
