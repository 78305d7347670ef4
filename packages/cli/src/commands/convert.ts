import { SOURCE_FILES_KEY, readModel, writeFilesAtomically } from '@collabopt/core';
import * as path from 'node:path';
import { print, type CliIo } from '../io';
import { prepareOutput } from '../prepare-output';

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
  const graph = await readModel(
    input,
    options.inputShapes ? { inputShapes: options.inputShapes } : {},
  );
  const { format, steps } = await prepareOutput(graph, output, {
    probe: false,
    ...(options.format ? { format: options.format } : {}),
  });
  for (const s of steps) io.stderr.write(`legalize: ${s.detail}\n`);
  const files = await format.write!(graph, { fileName: path.basename(output) });
  const dir = path.dirname(output);
  await writeFilesAtomically(
    dir,
    files,
    (graph.metadata[SOURCE_FILES_KEY] as string[] | undefined) ?? [],
  );
  print(io, `wrote ${files.map((f) => path.join(dir, f.path)).join(', ')}`);
}
