import {
  PassManager,
  createConsoleLogger,
  createStreamProgress,
  readModel,
  writeModel,
} from '@collabopt/core';
import { promises as fs } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { getEngine } from '@collabopt/engine';
import { StageRecorder } from '@collabopt/report';
import { contextData, loadDataSets } from '../data-sets';
import { print, type CliIo } from '../io';
import { formatPassRecords } from '../report';
import { reportKernel, runMetadata, writeReportFile } from '../report-file';
import { optimizeReportModel } from '../optimize-report';
import { kernelFigures } from './tree';

export interface OptimizeOptions {
  pipeline: string;
  output: string;
  data: string;
  seed: number;
  format?: string;
  /** Report file (`.html` page or `.json` model). */
  report?: string;
  /** `layer` or `layer/weight` whose values the report's density plots show. */
  reportLayer?: string;
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
  const started = performance.now();
  const stages = options.report ? new StageRecorder({ label: 'input', graph }) : undefined;
  const pm = new PassManager({
    logger,
    progress: createStreamProgress(io.stderr),
    seed: options.seed,
    signal: io.signal,
    data: contextData(data),
    engine,
    ...(stages ? { instruments: [stages] } : {}),
  }).addPipeline(options.pipeline);
  const before = data.test
    ? await engine.evaluate(graph, data.test, { signal: io.signal })
    : undefined;
  const result = await pm.run(graph);
  print(io, formatPassRecords(result.records));
  let after: { accuracy: number } | undefined;
  if (data.test && before) {
    after = await engine.evaluate(result.graph, data.test, { signal: io.signal });
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
  if (options.report && stages) {
    const files = await Promise.all(written.map((f) => fs.readFile(f)));
    const kernel = reportKernel(options.reportLayer);
    await writeReportFile(
      options.report,
      optimizeReportModel({
        input,
        output: options.output,
        pipeline: options.pipeline,
        graph: result.graph,
        stages,
        ...(before ? { accuracyBefore: before.accuracy } : {}),
        ...(after ? { accuracyAfter: after.accuracy } : {}),
        kernel: kernelFigures(result.graph),
        rawBytes: files.reduce((a, f) => a + f.length, 0),
        zippedBytes: files.reduce((a, f) => a + deflateSync(f).length, 0),
        wallTimeMs: performance.now() - started,
        ...(kernel ? { densityKernel: kernel } : {}),
        metadata: runMetadata({
          command: 'optimize',
          model: input,
          dataSet: data.name,
          backend: engine.backend,
          seed: options.seed,
          reproduce: `collabopt optimize ${input} -o ${options.output} -p "${options.pipeline}" --data ${options.data} --seed ${options.seed}${options.format ? ` --format ${options.format}` : ''}`,
        }),
      }),
      [input, ...written],
    );
    print(io, `report written to ${options.report}`);
  }
}
