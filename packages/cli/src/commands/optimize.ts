import {
  PassManager,
  createConsoleLogger,
  createStreamProgress,
  readModel,
  writeModel,
} from '@collabopt/core';
import { getEngine } from '@collabopt/engine';
import { contextData, loadDataSets } from '../data-sets';
import { print, type CliIo } from '../io';
import { formatPassRecords } from '../report';

export interface OptimizeOptions {
  pipeline: string;
  output: string;
  data: string;
  seed: number;
  format?: string;
}

/** `collabopt optimize <in> -o <out> -p "<pipeline>"`: run a text pipeline and write the result. */
export async function optimizeCommand(
  input: string,
  options: OptimizeOptions,
  io: CliIo,
): Promise<void> {
  const logger = createConsoleLogger('info', io.stderr);
  const graph = await readModel(input, { logger });
  const data = loadDataSets(options.data, options.seed);
  const engine = await getEngine();
  const pm = new PassManager({
    logger,
    progress: createStreamProgress(io.stderr),
    seed: options.seed,
    signal: io.signal,
    data: contextData(data),
    engine,
  }).addPipeline(options.pipeline);
  const before = data.test
    ? await engine.evaluate(graph, data.test, { signal: io.signal })
    : undefined;
  const result = await pm.run(graph);
  print(io, formatPassRecords(result.records));
  if (data.test && before) {
    const after = await engine.evaluate(result.graph, data.test, { signal: io.signal });
    print(
      io,
      `test accuracy (${data.name}, float IR): before ${(before.accuracy * 100).toFixed(2)}%, after ${(after.accuracy * 100).toFixed(2)}%`,
    );
  }
  for (const w of result.warnings) print(io, `warning: ${w}`);
  const written = await writeModel(result.graph, options.output, {
    ...(options.format ? { format: options.format } : {}),
    signal: io.signal,
  });
  print(io, `wrote ${written.join(', ')}`);
}
