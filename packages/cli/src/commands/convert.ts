import { createConsoleLogger, readModel, writeModel } from '@collabopt/core';
import { print, type CliIo } from '../io';

/** `collabopt convert <in> <out>`: read with one registered format, write with another. */
export async function convertCommand(
  input: string,
  output: string,
  io: CliIo,
  options: { format?: string } = {},
): Promise<void> {
  const graph = await readModel(input, { logger: createConsoleLogger('info', io.stderr) });
  const written = await writeModel(graph, output, {
    ...(options.format ? { format: options.format } : {}),
    signal: io.signal,
  });
  print(io, `wrote ${written.join(', ')}`);
}
