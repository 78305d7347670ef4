import {
  createConsoleLogger,
  formatSummary,
  graphQuantizationMode,
  readModel,
  summarize,
} from '@collabopt/core';
import { print, type CliIo } from '../io';

/** `collabopt inspect <model>`: the per-layer summary of any readable model. */
export async function inspectCommand(file: string, io: CliIo): Promise<void> {
  const graph = await readModel(file, { logger: createConsoleLogger('info', io.stderr) });
  print(
    io,
    `${file}: ${graph.metadata['sourceFormat'] ?? 'model'} "${graph.name}", ${graph.nodes.length} nodes`,
  );
  const mode = graphQuantizationMode(graph.metadata);
  if (mode) print(io, `quantization: ${mode}`);
  print(io, formatSummary(summarize(graph)));
}
