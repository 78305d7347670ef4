/** Where a command writes: stdout for results, stderr for logs and progress. */
export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Fires when the user interrupts (Ctrl-C). */
  readonly signal: AbortSignal;
}

export function print(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
