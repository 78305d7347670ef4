import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  PassManager,
  deflatedSize,
  createConsoleLogger,
  createStreamProgress,
  readModel,
  writeModel,
} from '@collabopt/core';
import { getEngine } from '@collabopt/engine';
import { contextData, loadDataSets } from '../data-sets';
import { print, type CliIo } from '../io';
import { formatPassRecords, type WrittenSize } from '../report';

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
  const graph = await readModel(input);
  const data = loadDataSets(options.data, options.seed);
  const engine = await getEngine();
  const pm = new PassManager({
    logger: createConsoleLogger('info', io.stderr),
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
  // The pass manager's logger printed each warning when it happened (result.warnings repeats them).
  const written = await writeModel(
    result.graph,
    options.output,
    options.format ? { format: options.format } : {},
  );
  print(io, formatPassRecords(result.records, await measureFiles(written)));
  if (data.test && before) {
    const after = await engine.evaluate(result.graph, data.test, { signal: io.signal });
    print(
      io,
      `test accuracy (${data.name}, float IR): before ${(before.accuracy * 100).toFixed(2)}%, after ${(after.accuracy * 100).toFixed(2)}%`,
    );
  }
  print(io, `wrote ${written.join(', ')}`);
}

/** Bytes and deflated bytes of the written files, read back from disk. */
async function measureFiles(files: readonly string[]): Promise<WrittenSize> {
  let bytes = 0;
  let deflatedBytes = 0;
  for (const f of files) {
    const data = await readFile(f);
    bytes += data.length;
    deflatedBytes += deflatedSize(data);
  }
  return { label: files.map((f) => basename(f)).join(' + '), bytes, deflatedBytes };
}
