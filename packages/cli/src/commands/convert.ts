import { createConsoleLogger, readModel, writeModel } from '@collabopt/core';
import { print, type CliIo } from '../io';
import { prepareOutput } from '@collabopt/preserve';

/**
 * `collabopt convert <in> <out>`: read with one registered format, legalize for the output
 * format (fold BatchNorm, …, said on stderr) and write with another.
 */
export async function convertCommand(
  input: string,
  output: string,
  io: CliIo,
  options: { format?: string; inputShapes?: Record<string, number[]> } = {},
): Promise<void> {
  const graph = await readModel(input, {
    logger: createConsoleLogger('info', io.stderr),
    ...(options.inputShapes ? { inputShapes: options.inputShapes } : {}),
  });
  const { steps } = await prepareOutput(graph, output, {
    probe: false,
    ...(options.format ? { format: options.format } : {}),
  });
  for (const s of steps) io.stderr.write(`legalize: ${s.detail}\n`);
  const written = await writeModel(graph, output, {
    ...(options.format ? { format: options.format } : {}),
    signal: io.signal,
  });
  print(io, `wrote ${written.join(', ')}`);
}
