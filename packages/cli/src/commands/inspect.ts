import { createConsoleLogger, formatSummary, readModel, summarize } from '@collabopt/core';
import { print, type CliIo } from '../io';

/** `collabopt inspect <model>`: the per-layer summary of any readable model. */
export async function inspectCommand(file: string, io: CliIo): Promise<void> {
  const graph = await readModel(file, { logger: createConsoleLogger('info', io.stderr) });
  print(
    io,
    `${file}: ${graph.metadata['sourceFormat'] ?? 'model'} "${graph.name}", ${graph.nodes.length} nodes`,
  );
  const q = graph.metadata['quantization'] as { mode?: string } | undefined;
  if (q?.mode) print(io, `quantization: ${q.mode}`);
  print(io, formatSummary(summarize(graph)));
}
